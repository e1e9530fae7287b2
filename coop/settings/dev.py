"""Development and demo (`make run`): debug on, e-mails to the console, verification optional."""

# A local .env is a development convenience, read before the shared settings; production and docker
# compose pass real environment variables instead (so a production .env never leaks into `make run`).
from pathlib import Path

import environ

environ.Env.read_env(Path(__file__).resolve().parents[2] / ".env", overwrite=False)

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="optional")
