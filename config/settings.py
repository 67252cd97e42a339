"""Settings for the AFISS partnership tracker.

Driven by the environment, read through config/env.py; the settings of the product's own work
(background jobs, webhooks, bulk import, partner matching) are in config/settings_features.py,
taken in at the end. With nothing set the product runs embedded: a SQLite
file and a Celery broker kept in another SQLite file, so a laptop needs no server. Setting
DATABASE_URL and REDIS_URL (or CELERY_BROKER_URL) moves it onto PostgreSQL and Redis.
Production values that are missing or malformed stop start-up with a message saying which.
"""

from __future__ import annotations

import os
import zoneinfo
from datetime import timedelta as _timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", True)
TESTING = env_bool("TESTING", False)

# Everything the embedded mode writes (databases, beat schedule, uploads, backups) lives here.
DATA_DIR = Path(env_str("DATA_DIR", str(BASE_DIR / "var"))).resolve()
# The test suite runs in parallel processes (pytest-xdist): each has files of its own (test
# database, broker, caches, sent e-mails) and, on Redis, a database number of its own. The
# Celery workers a test starts inherit the variable and so find the same ones.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if XDIST_WORKER:
    DATA_DIR = DATA_DIR / XDIST_WORKER
DATA_DIR.mkdir(parents=True, exist_ok=True)

_DEV_SECRET = "dev-only-secret-key-not-for-production-use-0123456789abcdef"
SECRET_KEY = env_str("SECRET_KEY") or (_DEV_SECRET if DEBUG else "")
if not DEBUG:
    if not SECRET_KEY or SECRET_KEY == _DEV_SECRET:
        raise ImproperlyConfigured("SECRET_KEY must be set to a private value when DEBUG is off.")
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 varied characters long.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver" if DEBUG else "")
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must list this site's host names when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "django_celery_results",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "engagement",
    "matching",
]
# Demo data, generators and benchmarks (devtools/): with DEBUG on, or asked for with DEVTOOLS=1
# (bench_api's production-mode server); a production deployment never installs them.
DEVTOOLS = env_bool("DEVTOOLS", DEBUG)
if DEVTOOLS:
    INSTALLED_APPS.append("devtools")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outside WhiteNoise, so static files carry the headers too.
    "engagement.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "engagement.middleware.UserPreferencesMiddleware",
    "engagement.middleware.PagesReadOnlyMiddleware",
    "engagement.accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a lockout flagged during the view into the answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "engagement.User"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    try:
        _db = dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is malformed: {exc}") from None
    _db.setdefault("TEST", {})["NAME"] = env_str("TEST_DATABASE_NAME") or None
    if not _db["TEST"]["NAME"]:
        del _db["TEST"]["NAME"]
    DATABASES = {"default": _db}
else:
    # SQLITE_PATH moves the embedded database file (default: DATA_DIR/db.sqlite3). The test
    # harness (tests/celery_harness.py) sets it to point a real Celery worker at the test
    # database file below.
    SQLITE_PATH = Path(env_str("SQLITE_PATH") or DATA_DIR / "db.sqlite3").resolve()
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            # A file, not memory, for tests too: a real Celery worker in another process must
            # see what the test wrote.
            "TEST": {"NAME": DATA_DIR / "test-db.sqlite3"},
            "OPTIONS": {
                # Writers wait for each other instead of failing with "database is locked", and
                # BEGIN IMMEDIATE takes the write lock up front so a read-then-write transaction
                # cannot deadlock against another writer.
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
IS_SQLITE = DATABASES["default"]["ENGINE"].endswith("sqlite3")

# --- Cache (shared by every process: API throttling, debounce keys) ---------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL and XDIST_WORKER:
    # gw0 -> database 1, gw1 -> database 2 ...: parallel test processes never share a queue.
    REDIS_URL = urlsplit(REDIS_URL)._replace(path=f"/{1 + int(XDIST_WORKER[2:] or 0)}").geturl()
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "afiss",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "django_cache",
        }
    }

# A running import's progress lives in a cache that no database transaction holds back: the
# import keeps its own transaction open to the end (all or nothing), so a progress row written
# through the database would stay invisible (or, on SQLite, wait for the import's write lock).
# Redis when there is one; otherwise files under DATA_DIR, shared by web and worker processes.
CACHES["import_progress"] = (
    {**CACHES["default"], "KEY_PREFIX": "afiss-import"}
    if REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "import-progress"),
    }
)

# --- Celery ----------------------------------------------------------------------------
# Under pytest (which sets PYTEST_VERSION before it loads these settings, earlier than any
# conftest could set an override) the embedded broker is a file of its own, so a test's worker
# never competes with a `make run` worker for messages, nor a test's messages leak into dev.
_UNDER_PYTEST = bool(os.environ.get("PYTEST_VERSION"))
_BROKER_FILE = "test-celery-broker.sqlite3" if _UNDER_PYTEST else "celery-broker.sqlite3"
CELERY_BROKER_URL = (
    env_str("CELERY_BROKER_URL") or REDIS_URL or f"sqla+sqlite:///{DATA_DIR / _BROKER_FILE}"
)
EMBEDDED_BROKER = CELERY_BROKER_URL.startswith("sqla+")
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
if EMBEDDED_BROKER:
    # The SQL transport polls; half a second keeps `make run` feeling immediate and lets a
    # worker notice Ctrl-C quickly (config/celery.py keeps this option away from SQLAlchemy).
    # Web, worker, beat and tests share the broker file: wait for its write lock, never fail.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"polling_interval": 0.5, "connect_args": {"timeout": 20}}
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)
    }

# --- Passwords ----------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Languages and time -------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ja", _("Japanese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"  # storage; people see DEFAULT_USER_TIME_ZONE or their own choice
DEFAULT_USER_TIME_ZONE = env_str("DEFAULT_USER_TIME_ZONE", "Asia/Tokyo")
try:
    zoneinfo.ZoneInfo(DEFAULT_USER_TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(
        f"DEFAULT_USER_TIME_ZONE={DEFAULT_USER_TIME_ZONE!r} is not an IANA time zone."
    ) from None

# --- Files ----------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# Production serves hashed, compressed copies made by `collectstatic` (`make run` does it); a
# file not collected yet is served as it is from its app (WHITENOISE_USE_FINDERS), so a
# forgotten collectstatic makes pages slower to cache, never a 500.
PRODUCTION_STATICFILES_STORAGE = "engagement.static_storage.ForgivingManifestStaticFilesStorage"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else PRODUCTION_STATICFILES_STORAGE
    },
}
WHITENOISE_USE_FINDERS = True
# Uploaded documents are private: never under a served URL, handed out by views that ask the
# access policy first.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "private-media")))
MEDIA_URL = "/media/"  # no URL pattern serves it: documents go through access-checked views
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)
MOU_DOCUMENT_MAX_BYTES = env_int("MOU_DOCUMENT_MAX_BYTES", 10 * 1024 * 1024, minimum=1)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Email ------------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "AFISS Tracker <tracker@localhost>")
# Where django.core.mail.backends.filebased.EmailBackend writes (one file per message sent).
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH") or str(DATA_DIR / "sent-emails")

# --- Security (production) ---------------------------------------------------------------
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if env_bool("BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# engagement.middleware.SecurityHeadersMiddleware: the pages load only this site's own files and
# run no inline code; Swagger UI (API_DOCS_PATH) also needs inline styles it sets itself.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)
API_DOCS_PATH = "/api/docs/"
CONTENT_SECURITY_POLICY_API_DOCS = CONTENT_SECURITY_POLICY.replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
)
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), "
    "hid=(), midi=(), magnetometer=(), gyroscope=(), accelerometer=(), display-capture=()"
)
SESSION_COOKIE_HTTPONLY = True

# Webhooks (engagement/services/webhooks/) are sent from inside the network: in production an
# endpoint whose host resolves to a loopback, private, link-local (cloud metadata) or reserved
# address is refused, at registration and again at each delivery. Development and the test
# suite post to receivers on 127.0.0.1.
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", DEBUG)

# --- Sign-in protection (engagement/accounts/) --------------------------------------------
# Passwords go through django-axes first (it refuses a locked-out sign-in even with the right
# password), then the ordinary model backend; single sign-on only acts when it is configured.
# API tokens never pass through these backends.
AUTHENTICATION_BACKENDS = [
    "engagement.accounts.lockout.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
    "engagement.accounts.oidc.SsoBackend",
]
LOGIN_FAILURE_LIMIT_USERNAME = env_int("LOGIN_FAILURE_LIMIT_USERNAME", 10, minimum=1)
LOGIN_FAILURE_LIMIT_IP = env_int("LOGIN_FAILURE_LIMIT_IP", 30, minimum=1)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1)
# Axes compares one failure count with one limit; the handler counts a username's failures and
# an address's failures separately and locks when either reaches its own limit.
AXES_HANDLER = "engagement.accounts.lockout.TwoLimitHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT_USERNAME
AXES_COOLOFF_TIME = _timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
# A success must not wipe the address's failures (one valid account would reset the count for
# guesses at every other one), and guesses during a lockout do not stretch it.
AXES_RESET_ON_SUCCESS = False
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_VERBOSE = False  # no banner on every manage.py command; lockouts are still logged
AXES_LOCKOUT_CALLABLE = "engagement.accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "engagement.accounts.lockout.client_ip"
# Behind the TLS proxy the client's address is the last X-Forwarded-For entry (the one the
# proxy appended); otherwise REMOTE_ADDR, whatever headers the client sends.
LOGIN_IP_FROM_FORWARDED_FOR = env_bool("BEHIND_TLS_PROXY", False)

# Two-factor sign-in (django-otp): optional per person, required for these roles.
OTP_TOTP_ISSUER = "AFISS Tracker"
REQUIRE_2FA_ROLES = env_list("REQUIRE_2FA_ROLES", "" if DEBUG else "admin,program_manager")
_ROLES = {"bd_member", "program_manager", "integrator", "admin"}
if set(REQUIRE_2FA_ROLES) - _ROLES:
    raise ImproperlyConfigured(
        f"REQUIRE_2FA_ROLES names unknown roles: {sorted(set(REQUIRE_2FA_ROLES) - _ROLES)} "
        f"(roles: {', '.join(sorted(_ROLES))})."
    )

# Single sign-on through OpenID Connect (mozilla-django-oidc), on when a client and a provider
# are configured: a discovery address, or the four endpoints. Accounts are matched by e-mail,
# never created. OIDC_TRUSTED_FOR_2FA=1 lets an SSO sign-in skip the local code step.
OIDC_RP_CLIENT_ID = env_str("OIDC_RP_CLIENT_ID")
OIDC_RP_CLIENT_SECRET = env_str("OIDC_RP_CLIENT_SECRET")
OIDC_OP_DISCOVERY_URL = env_str("OIDC_OP_DISCOVERY_URL")
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OIDC_OP_AUTHORIZATION_ENDPOINT")
OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_OP_TOKEN_ENDPOINT")
OIDC_OP_USER_ENDPOINT = env_str("OIDC_OP_USER_ENDPOINT")
OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_OP_JWKS_ENDPOINT")
OIDC_RP_SIGN_ALGO = env_str("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = "openid email"
OIDC_USE_PKCE = True
OIDC_CREATE_USER = False
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT_SECONDS", 10, minimum=1)
OIDC_AUTHENTICATION_CALLBACK_URL = "sso-callback"
OIDC_TRUSTED_FOR_2FA = env_bool("OIDC_TRUSTED_FOR_2FA", False)
if (OIDC_RP_CLIENT_ID or OIDC_RP_CLIENT_SECRET) and not (
    OIDC_RP_CLIENT_ID and OIDC_RP_CLIENT_SECRET
):
    raise ImproperlyConfigured("Set both OIDC_RP_CLIENT_ID and OIDC_RP_CLIENT_SECRET, or neither.")

# --- REST API -------------------------------------------------------------------------------
API_MAX_PAGE_SIZE = env_int("API_MAX_PAGE_SIZE", 500, minimum=1)
API_DEFAULT_PAGE_SIZE = env_int("API_DEFAULT_PAGE_SIZE", 50, minimum=1)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "engagement.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["engagement.api.permissions.PolicyPermission"],
    # JSON bodies only: a form cannot carry null, nested objects or an empty list, so a form
    # body would not mean what the schema says. Uploads (MoU documents, imports) declare
    # multipart themselves.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "engagement.api.pagination.CursorPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "engagement.api.filters.StrictFilterBackend",
        "engagement.api.filters.StrictOrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "engagement.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "engagement.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "engagement.api.throttling.PrincipalRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {"principal": env_str("API_THROTTLE_RATE", "1200/min")},
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "AFISS Partnership Tracker API",
    "DESCRIPTION": "REST API for integrators. See README.md, section 'API'.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Served by the app itself: the docs work with no internet access.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "OrganizationKindEnum": "engagement.models.reference.OrganizationKind",
        "InitiativeStatusEnum": "engagement.models.reference.Initiative.Status",
        "EngagementKindEnum": "engagement.models.crm.Engagement.Kind",
        "StageEnum": "engagement.models.crm.Stage",
        "MoUStatusEnum": "engagement.models.crm.MoU.Status",
        "PilotStatusEnum": "engagement.models.crm.Pilot.Status",
        "FollowUpStatusEnum": "engagement.models.crm.FollowUp.Status",
        "ImplementationStatusEnum": "engagement.models.watch.ImplementationStatus.Status",
        "PolicyUpdateKindEnum": "engagement.models.watch.PolicyUpdate.Kind",
        "ProjectKindEnum": "engagement.models.projects.ProjectKind",
        "ProjectPhaseEnum": "engagement.models.projects.ProjectPhase",
        "IncentiveKindEnum": "engagement.models.projects.IncentiveKind",
        "PurposeEnum": "matching.models.Purpose",
        "ReasonCodeEnum": "matching.structured.CODES",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "engagement.api.schema.add_error_responses",
        "engagement.api.schema.add_webhook_payloads",
    ],
}

# --- Logging ------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- The product's own work ---------------------------------------------------------------------
# Background jobs, webhooks, bulk import and partner matching: config/settings_features.py.
from config.settings_features import *  # noqa: E402, F403
