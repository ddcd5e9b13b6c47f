"""Settings shared by every mode; everything that varies comes from the environment."""

from pathlib import Path

from config.env import BASE_DIR, database_config, database_settings, env

SECRET_KEY = env("SECRET_KEY", default="insecure-development-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "common",
    "governance",
    "fund",
    "clearing",
    "custody",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "common.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "common.context.navigation",
            ],
        },
    },
]

# The embedded default is SQLite so `make run` works on a bare machine.
(BASE_DIR / "var").mkdir(exist_ok=True)
DATABASES = {"default": database_settings(f"sqlite:///{BASE_DIR / 'var' / 'backstop.sqlite3'}")}
# The governance impact preview replays on a database of its own, never on the live one
# (decision 047); the preview migrates it and every replay rolls back, so it stays empty.
PREVIEW_DATABASE_URL = env(
    "PREVIEW_DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'preview.sqlite3'}"
)
database_config(PREVIEW_DATABASE_URL, name="PREVIEW_DATABASE_URL")  # a bad URL stops the start

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "common:staff-login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

REDIS_URL = env("REDIS_URL", default="")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Where `manage.py demo` leaves what it prints once (the demo venue's API key).
DEMO_DIR = Path(env("DEMO_DIR", default=str(BASE_DIR / "var")))

# Celery: eager (in-process) unless a broker is configured.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fixup closes the database connection around every task unless this is set:
# a new PostgreSQL session per task cost more than settling a liquidation. Connections are
# kept by CONN_MAX_AGE and checked before each task instead (config/celery.py, decision 037).
CELERY_DB_REUSE_MAX = 1000
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 600}
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "clearing.*": {"queue": "clearing"},
    "custody.*": {"queue": "custody"},
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"
# Settlement (docs/settlement.md): liquidations per batch transaction, seconds a closed
# liquidation may wait before the sweeper queues its market again, and before /healthz fails.
SETTLEMENT_BATCH_SIZE = env.int("SETTLEMENT_BATCH_SIZE", default=1000)
SETTLEMENT_SWEEP_AFTER = env.float("SETTLEMENT_SWEEP_AFTER", default=30.0)
SETTLEMENT_STALE_AFTER = env.float("SETTLEMENT_STALE_AFTER", default=300.0)

# Chain: one JSON-RPC URL per chain id, "31337=http://127.0.0.1:8545,1=https://…".
ETH_RPC_URLS = {
    int(chain): url
    for chain, url in (
        item.split("=", 1) for item in env.list("ETH_RPC_URLS", default=[]) if "=" in item
    )
}
CHAIN_CONFIRMATIONS = env.int("CHAIN_CONFIRMATIONS", default=2)
# The key the service signs reserve-proof epochs with (hex private key).
SERVICE_SIGNING_KEY = env("SERVICE_SIGNING_KEY", default="")

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "common.api.exception_handler",
    # API keys first: DRF takes the 401 challenge (WWW-Authenticate) from the first class, and
    # with session auth first a bad or revoked key would be answered 403 instead of 401.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "common.apikeys.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.CursorPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("THROTTLE_ANON", default="600/min"),
        "user": env("THROTTLE_USER", default="6000/min"),
    },
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Backstop API",
    "DESCRIPTION": "Insurance fund books, clearing, governance and reserve proofs. "
    "Amounts are integer strings in the asset's smallest unit.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "common.openapi.document_framework_errors",
    ],
    # Served from our own static files: the machine has no CDN and the CSP allows 'self' only.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Security defaults; production tightens transport settings further.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Behind a reverse proxy, the META key of the header it sets to the client's address
# (e.g. HTTP_X_REAL_IP); rate limits count per client address. Empty: REMOTE_ADDR.
CLIENT_IP_HEADER = env("CLIENT_IP_HEADER", default="")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
