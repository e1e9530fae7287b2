"""Settings shared by every environment; values come from the environment (django-environ)."""

from decimal import Decimal, InvalidOperation
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

SECRET_KEY = env("SECRET_KEY", default="dev-insecure-korteketen-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sites",
    "allauth",
    "allauth.account",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "catalog.leaflet_static.LeafletStaticConfig",  # django-leaflet's static files, no GDAL needed
    "coop",
    "members",
    "catalog",
    "orders",
    "logistics",
    "invoicing",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "coop.cache_read_ahead.CacheReadAheadMiddleware",  # a request's cache reads in one round trip
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "coop.tenancy.middleware.CooperativeMiddleware",
]

ROOT_URLCONF = "coop.urls"
WSGI_APPLICATION = "coop.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "coop.context_processors.cooperative",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/korteketen"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "coop.cache.ProjectRedisCache",  # Django's Redis cache, cheaper per call (coop/cache.py)
        "LOCATION": REDIS_URL,
    }
}
# Sessions read from Redis, written through to PostgreSQL (nothing is lost when the cache is flushed).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# The shop page kept per visitor (orders/shop/page_cache.py). Off: rendered on every request around the cached
# listing (bench/web.py --no-page-cache measures that).
SHOP_PAGE_CACHE = env.bool("SHOP_PAGE_CACHE", default=True)

AUTH_USER_MODEL = "members.User"
# Django's and allauth's backends, reading a session's user from the cache (members/request_cache.py).
AUTHENTICATION_BACKENDS = [
    "members.auth_backends.ModelBackend",
    "members.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SITE_ID = 1
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"

# django-allauth: e-mail is the login, there is no username.
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="optional")
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Korte Keten] "
ACCOUNT_ADAPTER = "members.adapters.AccountAdapter"

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Korte Keten <noreply@korteketen.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Nederlands")), ("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Brussels"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / ".data" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(BASE_DIR / ".data" / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "coop.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Korte Keten Platform API",
    "DESCRIPTION": "REST API of the Korte Keten Platform. Tenant data lives under /api/v1/<coop_slug>/.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI served from our own static files (no CDN: works offline and under a strict CSP).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Celery: Redis as broker and result backend; reliability settings from DESIGN.md section 5.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "documents.*": {"queue": "documents"},
    "routing.*": {"queue": "routing"},
}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_RESULT_EXPIRES = 24 * 3600
# A cycle document (packing list, purchase order...) whose render still fails after this many queued renders is
# marked failed and left for the hub to retry by hand (logistics/services/cycle_documents.py).
CYCLE_DOCUMENT_MAX_ATTEMPTS = env.int("CYCLE_DOCUMENT_MAX_ATTEMPTS", default=3)
CELERY_BEAT_SCHEDULE: dict = {
    # One scan a minute; what is due (open, close, place standing orders) is decided from the database.
    "orders-tick": {"task": "orders.tick_all", "schedule": 60.0},
    "logistics-close-due": {"task": "logistics.close_due_all", "schedule": 60.0},
    # Billing: the monthly run on the first working day, per-delivery invoices, the daily reminder scan.
    "invoicing-tick": {"task": "invoicing.tick_all", "schedule": 60.0},
}

# The planning map's background (Leaflet tile URL template). Empty: routes and stops on a blank background,
# for machines without internet or a coop that runs no tile server.
MAP_TILE_URL = env("MAP_TILE_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = env("MAP_TILE_ATTRIBUTION",
                           default='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>')

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}


def _co2_factors(raw: dict) -> dict:
    try:
        return {key.strip(): Decimal(value) for key, value in raw.items()}
    except InvalidOperation as exc:
        raise ImproperlyConfigured(f"PLANNING_CO2_KG_PER_KM must be kind=number pairs, not {raw!r}") from exc


# Rounds' impact figures: kg CO2e per vehicle-km, per vehicle kind or kind:energy (defaults and their sources in
# logistics/services/impact.py), e.g. PLANNING_CO2_KG_PER_KM=van=0.27,van_cooled=0.33,van:electric=0.05
PLANNING_CO2_KG_PER_KM = _co2_factors(env.dict("PLANNING_CO2_KG_PER_KM", default={}))

# Settings modules set this; seed_demo refuses to run when it is True.
IS_PRODUCTION = False
