"""Test settings: real PostgreSQL and Redis (never SQLite), fast hashing, in-memory e-mail."""

# A local .env is a development convenience, read before the shared settings; production and docker
# compose pass real environment variables instead (so a production .env never leaks into `make run`).
from pathlib import Path

import environ

environ.Env.read_env(Path(__file__).resolve().parents[2] / ".env", overwrite=False)

import os

from .base import *  # noqa: F403
from .base import REDIS_URL, env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# A separate Redis database so the test suite never touches a running demo's queues.
TEST_REDIS_URL = env("TEST_REDIS_URL", default=REDIS_URL.rsplit("/", 1)[0] + "/9")
CACHES = {"default": {"BACKEND": "coop.cache.ProjectRedisCache", "LOCATION": TEST_REDIS_URL}}
CELERY_BROKER_URL = TEST_REDIS_URL
CELERY_RESULT_BACKEND = TEST_REDIS_URL
# Each test run gets its own key prefix, so two runs (or a developer's and CI's) never steal each
# other's tasks; the worker started by the tests inherits it through the environment.
TEST_CELERY_KEYPREFIX = env("TEST_CELERY_KEYPREFIX", default=f"kktest-{os.getpid()}-")
os.environ["TEST_CELERY_KEYPREFIX"] = TEST_CELERY_KEYPREFIX
# Cached pages hold ids of this process's test database: a prefix per run and xdist worker (each has its own
# database), so runs never read each other's entries; a worker started by a test shares its process's prefix.
CACHES["default"]["KEY_PREFIX"] = f"{TEST_CELERY_KEYPREFIX}{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
# A short visibility timeout lets a test see a killed worker's task delivered again (acks_late). Kombu puts
# unacknowledged messages back only when a worker sweeps for them: once at its start, then every
# interval x throttle seconds (10 x 10 by default). A worker that starts within the timeout of the killed
# one's delivery would find nothing and look again 100 s later, so the test workers sweep every second.
CELERY_BROKER_TRANSPORT_OPTIONS = {"global_keyprefix": TEST_CELERY_KEYPREFIX,
                                   "visibility_timeout": env.int("TEST_VISIBILITY_TIMEOUT", default=3600),
                                   "unacked_restore_interval": 1, "unacked_restore_throttle": 1,
                                   # a worker killed while sweeping holds the sweep's mutex this long
                                   "unacked_mutex_expire": 10}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"global_keyprefix": TEST_CELERY_KEYPREFIX}
# WhiteNoise serves collected files; tests use the finders instead.
MIDDLEWARE = [m for m in MIDDLEWARE if "whitenoise" not in m]  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_RATE_LIMITS = False

# A test database per test run, so that several runs on one machine (developers, CI) never collide.
DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME", default=f"test_korteketen_{os.getpid()}")}  # noqa: F405

# Fault injection for the cut-off crash test (see logistics/services/closing.py); 0 = off.
CUTOFF_FAULT_PAUSE_SECONDS = env.float("CUTOFF_FAULT_PAUSE_SECONDS", default=0)
