"""Settings for bench/web.py only: production-like (DEBUG off, cached templates, no per-request logging) on
the benchmark's own database, with a URLconf that adds a trivial view to compare against."""

import os

from coop.settings.base import *  # noqa: F403
from coop.settings.base import DATABASES, REDIS_URL

DEBUG = False
ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
DATABASES["default"]["NAME"] = os.environ.get("BENCH_DATABASE", "bench_korteketen")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # only the setup logs in
CACHES = {"default": {"BACKEND": "coop.cache.ProjectRedisCache", "LOCATION": REDIS_URL,
                      "KEY_PREFIX": os.environ.get("BENCH_CACHE_PREFIX", "bench-web")}}
LOGGING = {"version": 1, "disable_existing_loggers": False, "handlers": {"console": {"class": "logging.StreamHandler"}},
           "root": {"handlers": ["console"], "level": "WARNING"}}
