"""Settings for the creator task marketplace.

Everything that differs between a laptop, CI and production comes from the environment:
DATABASE_URL (default: a SQLite file), REDIS_URL (default: a Celery broker on the local
filesystem that needs no server), SECRET_KEY, DEBUG, ALLOWED_HOSTS, EMAIL_BACKEND.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from marketplace.production import refuse_unsafe_production

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
# The SQLite file, the filesystem broker, media and collected static live here; a fresh clone
# has none of it yet.
for _sub in (
    "",
    "broker/queue",
    "broker/processed",
    "broker/control",
    "media",
    "mail",
    "staticfiles",
):
    (VAR_DIR / _sub).mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-change-me")
# Z1: a demo deployment (sandbox gateway, default gateway secret) says so on every page.
DEMO_DEPLOYMENT = env_bool("DEMO_DEPLOYMENT", False)
ALLOWED_HOSTS = [
    h for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "marketplace.apps.OpsAdminConfig",  # django.contrib.admin with the ops site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_fsm_log",
    "axes",
    # The layers (DESIGN §2), bottom up: core (no models) ← parties ← escrow ← tasks ←
    # agencies, providers, incentives ← marketplace (this project package).
    "parties",  # app label "marketplace": users, tenants, shops, creators (AUTH_USER_MODEL)
    "escrow",
    "tasks",
    "agencies",
    "providers",
    "incentives",
    "marketplace",
]

MIDDLEWARE = [
    "marketplace.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "marketplace.middleware.BodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "marketplace.middleware.DefaultLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "marketplace.security.NoStoreMiddleware",
    # Last, as django-axes asks: it answers locked-out logins (Z2).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "marketplace.urls"
WSGI_APPLICATION = "marketplace.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "marketplace.context_processors.navigation",
                "marketplace.context_processors.deployment",
            ],
        },
    },
]

# Persistent connections by default (issue 20: a new connection per request cost B4 half its
# throughput), checked before each request reuses one, so a restarted database is survived.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, worker, beat) share the file in `make run`: wait for locks
    # instead of failing at once, and take the write lock at BEGIN to avoid upgrade deadlocks.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# T70: an order's state-log row is written by the order's own step (tasks.services.steps), in
# the same database round trip as the order (issue 20), not by django-fsm-log's signal; every
# other model's transitions are still logged by django-fsm-log.
DJANGO_FSM_LOG_IGNORED_MODELS = ["tasks.models.orders.Order"]
# Issue 20: on PostgreSQL an order step writes its rows through the database function
# tasks_order_step in one round trip; False runs the ORM path SQLite always runs (the test that
# compares the two paths switches it).
ORDER_STEPS_IN_DATABASE = True
AUTH_USER_MODEL = "marketplace.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    # Z2: the 20,000 most common passwords (password123 among them) are refused.
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Z2: login lockout (django-axes) ---------------------------------------------------
# 5 failures in a row for one account from one address lock that pair out for 15 minutes; a
# success resets the count. Every login goes through it: the page, the admin, the token API.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "marketplace.security.lockout_response"
AXES_USERNAME_FORM_FIELD = "username"
# Behind TRUSTED_PROXY_COUNT proxies the client address is that many hops from the right of
# X-Forwarded-For; with none (the default) the header is ignored, so it cannot be forged.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
if TRUSTED_PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)

# --- Z1: HTTPS and browser hardening (safe production defaults, all from the environment) --
# The proxy in front (nginx) terminates TLS and must set X-Forwarded-Proto itself.
if env_bool("SECURE_PROXY_SSL_HEADER", not DEBUG):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# A Content-Security-Policy on every response: scripts only from our own origin (no inline
# script, no handler attributes), nothing from another origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # The admin and a few templates set style attributes; styles cannot run code.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "staticfiles"))
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
# P3 (issue 8): providers' documents live outside the web root and are only served by views
# that check who asks. Limits in MB, per document and for the office video.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", VAR_DIR / "private"))
PROVIDER_DOCUMENT_MAX_MB = int(os.environ.get("PROVIDER_DOCUMENT_MAX_MB", "20"))
PROVIDER_VIDEO_MAX_MB = int(os.environ.get("PROVIDER_VIDEO_MAX_MB", "200"))
# Z5: zip-based containers (PPTX) are refused past these, read from the central directory.
UPLOAD_ZIP_MAX_ENTRIES = int(os.environ.get("UPLOAD_ZIP_MAX_ENTRIES", "2000"))
UPLOAD_ZIP_MAX_UNCOMPRESSED_MB = int(os.environ.get("UPLOAD_ZIP_MAX_UNCOMPRESSED_MB", "200"))
UPLOAD_ZIP_MAX_RATIO = int(os.environ.get("UPLOAD_ZIP_MAX_RATIO", "100"))
# Uploads larger than the largest allowed document are cut off while they arrive.
FILE_UPLOAD_HANDLERS = ["providers.files.CappedUploadHandler"]
# Z4: a JSON body past API_JSON_MAX_BYTES is a 413; other non-file bodies past Django's limit too.
API_JSON_MAX_BYTES = int(os.environ.get("API_JSON_MAX_BYTES", str(1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", "2621440"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "达人任务市场 <noreply@marketplace.local>"
)

# --- Celery -------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {"visibility_timeout": 3600}
else:
    # No server needed: kombu's filesystem transport works across processes on one machine.
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE: dict = {
    # D1: every minute. Expire the message after 50 s so a backlog never piles up sweeps.
    "sweep-deadlines": {
        "task": "tasks.sweep_deadlines",
        "schedule": float(os.environ.get("SWEEP_INTERVAL_SECONDS", "60")),
        "options": {"expires": 50},
    },
    "purge-idempotency-keys": {
        "task": "escrow.purge_idempotency_keys",
        "schedule": 6 * 3600,
    },
    # G2: the 1st of each month at 01:00 Beijing time (CELERY_TIMEZONE), for the last month.
    "score-agencies": {
        "task": "marketplace.score_agencies",
        "schedule": crontab(minute=0, hour=1, day_of_month=1),
    },
    # G4: 00:00 on 1 January.
    "reset-agency-points": {
        "task": "marketplace.reset_agency_points",
        "schedule": crontab(minute=0, hour=0, day_of_month=1, month_of_year=1),
    },
    # G6: tomorrow's focus lines at 00:10; unanswered offers pass on every 5 minutes.
    "build-focus-lines": {
        "task": "marketplace.build_focus_lines",
        "schedule": crontab(minute=10, hour=0),
    },
    # I5: cold-start stages whose deadline passed lapse, those whose 7 days are over are granted.
    # I8: unused coupons past their expiry, at 00:00 Beijing time (CELERY_TIMEZONE).
    "expire-coupons": {
        "task": "incentives.expire_coupons",
        "schedule": crontab(minute=0, hour=0),
    },
    "sweep-incentive-stages": {
        "task": "incentives.sweep_stages",
        "schedule": 600,
        "options": {"expires": 550},
    },
    # D5: the e-mail copies of the inbox lines written since the last run.
    "send-pending-emails": {
        "task": "marketplace.send_pending_emails",
        "schedule": 60,
        "options": {"expires": 55},
    },
    # I8: heating orders that ran their hours out spend their coupons.
    "finish-heating-orders": {
        "task": "incentives.finish_heating_orders",
        "schedule": 300,
        "options": {"expires": 250},
    },
    # I6: the 8th of each month at 02:00 Beijing time, for the last month.
    "evaluate-growth": {
        "task": "incentives.evaluate_growth",
        "schedule": crontab(minute=0, hour=2, day_of_month=8),
    },
    "expire-focus-offers": {
        "task": "marketplace.expire_focus_offers",
        "schedule": 300,
        "options": {"expires": 250},
    },
}
FOCUS_SLOTS_PER_HOUR = int(os.environ.get("FOCUS_SLOTS_PER_HOUR", "5"))  # G6: about 5 an hour
FOCUS_ANSWER_HOURS = int(os.environ.get("FOCUS_ANSWER_HOURS", "4"))
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- Caches and prepared statements (issue 20) ------------------------------------------


def cache_settings(environ) -> dict:
    """CACHES from the environment: CACHE_URL (redis://…, locmem://, dummy://), else Redis at
    REDIS_URL when one is set (production), else the local-memory cache of each process
    (`make run`, the tests)."""
    url = environ.get("CACHE_URL") or environ.get("REDIS_URL") or "locmem://"
    if url.startswith(("redis://", "rediss://", "unix://")):
        backend = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
        return {"default": {**backend, "KEY_PREFIX": environ.get("CACHE_KEY_PREFIX", "mk")}}
    if url.startswith("dummy://"):
        return {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "marketplace",
        }
    }


def postgres_options(environ) -> dict:
    """Prepared statements on PostgreSQL: psycopg 3 binds the parameters on the server
    (Django's `server_side_binding`) and prepares a statement once one connection has run it
    DB_PREPARE_THRESHOLD times (psycopg's `prepare_threshold`), so a plaza request's repeated
    statements skip the planner. DB_SERVER_SIDE_BINDING=0 goes back to Django's default
    (client-side binding, nothing prepared), which a transaction-pooling pgbouncer needs."""
    if not env_bool_in(environ, "DB_SERVER_SIDE_BINDING", True):
        return {}
    return {
        "server_side_binding": True,
        "prepare_threshold": int(environ.get("DB_PREPARE_THRESHOLD", "5")),
    }


def env_bool_in(environ, name: str, default: bool) -> bool:
    value = environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


CACHES = cache_settings(os.environ)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).update(postgres_options(os.environ))
# How long the public part of a plaza page (tasks.selectors.TaskListing) and a user's
# navigation counts (parties.navigation) are kept; 0 turns each cache off.
PLAZA_CACHE_SECONDS = int(os.environ.get("PLAZA_CACHE_SECONDS", "5"))
NAVIGATION_CACHE_SECONDS = int(os.environ.get("NAVIGATION_CACHE_SECONDS", "5"))

# --- REST API -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.StandardPagination",
    "DEFAULT_SCHEMA_CLASS": "core.schema.AutoSchema",  # Z6: error answers, real paginators
    "EXCEPTION_HANDLER": "core.api_errors.exception_handler",
    # Z4: JSON bodies have a size and a nesting limit; forms and uploads keep DRF's parsers.
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.LimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # Z2: per user and per address, tighter on authentication and money routes (throttles.py).
    "DEFAULT_THROTTLE_CLASSES": [
        "marketplace.throttles.UserThrottle",
        "marketplace.throttles.AnonymousThrottle",
        "marketplace.throttles.AddressThrottle",
        "marketplace.throttles.AuthThrottle",
        "marketplace.throttles.MoneyThrottle",
    ],
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "达人任务市场 API",
    "DESCRIPTION": "Creator task marketplace: tasks, orders and escrow. Money is a string of yuan.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "tasks.models.OrderStatus",
        "TaskStatusEnum": "tasks.models.TaskStatus",
        "ApplicationStatusEnum": "tasks.models.ApplicationStatus",
        "ProposalStatusEnum": "tasks.models.ProposalStatus",
        "OrderKindEnum": "tasks.models.OrderKind",
        "WithdrawalStatusEnum": "escrow.models.WithdrawalStatus",
        "IntentStatusEnum": "escrow.models.IntentStatus",
        "IntentKindEnum": "escrow.models.IntentKind",
        "TransactionKindEnum": "escrow.models.TransactionKind",
        # Z6/Z1: one name per choice set, so check --deploy prints no schema warning.
        "ShopPlatformEnum": "parties.models.Platform",
        "CertificationPlatformEnum": "providers.models.CertificationPlatform",
        "DocumentKindEnum": "providers.models.DocumentKind",
        "SideEnum": "parties.models.Side",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Z4: every line carries the id of the request that wrote it.
    "filters": {"request_id": {"()": "marketplace.middleware.RequestIdFilter"}},
    "formatters": {
        "request": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "request",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# Z2: `API_THROTTLE=off` switches the API throttles off (load tests, scripted runs).
API_THROTTLE = env_bool("API_THROTTLE", True)
API_THROTTLE_RATES = {
    "user": os.environ.get("API_THROTTLE_USER", "1200/min"),
    "anonymous": os.environ.get("API_THROTTLE_ANONYMOUS", "120/min"),
    "address": os.environ.get("API_THROTTLE_ADDRESS", "3000/min"),
    "auth": os.environ.get("API_THROTTLE_AUTH", "20/min"),
    "money": os.environ.get("API_THROTTLE_MONEY", "60/min"),
}

# Side labels used by navigation and forms.
SIDE_LABELS = {"merchant": _("Merchant"), "creator": _("Creator")}

# --- Money ----------------------------------------------------------------------------
PAYMENT_GATEWAY = os.environ.get("PAYMENT_GATEWAY", "escrow.sandbox.SandboxGateway")
GATEWAY_SECRET = os.environ.get("GATEWAY_SECRET", "sandbox-gateway-secret")
# Z1: with DEBUG off, refuse to start on a default secret or the sandbox gateway (unless a demo).
refuse_unsafe_production(
    debug=DEBUG,
    secret_key=SECRET_KEY,
    gateway=PAYMENT_GATEWAY,
    gateway_secret=GATEWAY_SECRET,
    demo=DEMO_DEPLOYMENT,
)
# Idempotency keys are kept at least 72 hours (E6); the purge job removes older ones.
IDEMPOTENCY_KEY_TTL_HOURS = int(os.environ.get("IDEMPOTENCY_KEY_TTL_HOURS", "168"))
# Largest single top-up or withdrawal: ¥1,000,000.00.
MAX_TRANSFER_FEN = 100_000_000
