"""Production: every secret and host comes from the environment; dev defaults are refused."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import SECRET_KEY, env

DEBUG = False
IS_PRODUCTION = True

if SECRET_KEY.startswith("dev-insecure") or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be set to a long random value in production.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS or set(ALLOWED_HOSTS) <= {"127.0.0.1", "localhost", "*"}:
    raise ImproperlyConfigured("ALLOWED_HOSTS must name the production host(s).")
if "DATABASE_URL" not in env.ENVIRON or "REDIS_URL" not in env.ENVIRON:
    raise ImproperlyConfigured("DATABASE_URL and REDIS_URL must be set in production.")
if "EMAIL_URL" not in env.ENVIRON:
    raise ImproperlyConfigured("EMAIL_URL must be set in production (smtp+tls://user:pass@host:587).")

ACCOUNT_EMAIL_VERIFICATION = "mandatory"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
