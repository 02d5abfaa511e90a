"""One settings module, configured from the environment (see README: Configuration)."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from studio.project.env import env_bool, env_float, env_int, env_list, env_path, env_prices, env_str

BASE_DIR = Path(__file__).resolve().parents[2]
VAR_DIR = env_path("STUDIO_VAR_DIR", BASE_DIR / "var")

DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    # DEBUG does not excuse it: a production deployment never signs with the published dev key.
    if env_bool("DJANGO_PRODUCTION", False):
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production")
    SECRET_KEY = "insecure-dev-key-only-for-local-use-" + "x" * 20  # noqa: S105
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "studio",
    "simulations",
    "simulations.review",
    "simulations.learning",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "studio.project.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "studio.project.urls"
ASGI_APPLICATION = "studio.project.asgi.application"
WSGI_APPLICATION = None

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
                "studio.project.context_processors.llm_backend",
            ],
        },
    },
]

# -- database: SQLite (WAL) by default, PostgreSQL (or anything dj-database-url reads) by URL
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # A pool per process: a simulation thread gives its connection back while the model
        # thinks, and takes one again for its next turn without a new backend each time.
        # DB_POOL_SIZE bounds the process's connections: enough for a worker's task threads
        # (a generation task holds one throughout) plus heartbeats, and two processes stay
        # under PostgreSQL's default max_connections of 100. The pool opens them on demand.
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps them instead
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": env_int("DB_POOL_SIZE", 40, minimum=1),
            "timeout": 30,
            "max_idle": 300,
        }
        # No JIT: the planner's costs for a scan over millions of turns pass its threshold,
        # and compiling a query costs more than the few rows a dashboard or a page reads.
        DATABASES["default"]["OPTIONS"]["options"] = "-c jit=off"
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # a fresh clone has no var/ yet
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "studio.sqlite3",
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # Several processes (daphne, workers) write: WAL + IMMEDIATE + a busy timeout.
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    test_name = env_str("STUDIO_TEST_SQLITE")
    if test_name:
        DATABASES["default"]["TEST"] = {"NAME": test_name}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "studio-home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# -- Redis: broker, channel layer. `make run` and the tests start an embedded one if needed.
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            # redis-py >= 6 reads with a 5 s timeout by default, which is exactly how long
            # channels-redis blocks in BZPOPMIN: an idle consumer would die of TimeoutError.
            "hosts": [{"address": REDIS_URL, "socket_timeout": 30}],
            "capacity": env_int("CHANNEL_CAPACITY", 1000, minimum=10),
            "expiry": 30,
        },
    }
}

# A live client only sends small control frames (backfill, ping); anything larger is refused.
LIVE_MAX_FRAME_BYTES = env_int("LIVE_MAX_FRAME_BYTES", 4096, minimum=64)

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
CELERY_TASK_DEFAULT_QUEUE = "studio"
CELERY_TASK_ROUTES = {
    "studio.tasks.*": {"queue": "generation"},
    "simulations.tasks.*": {"queue": "simulations"},
}
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)

# -- computers on disk
COMPUTERS_ROOT = env_path("COMPUTERS_ROOT", VAR_DIR / "computers")
PERSONA_UPLOAD_MAX_BYTES = env_int("PERSONA_UPLOAD_MAX_BYTES", 50 * 1024 * 1024, minimum=1024)
PERSONA_MAX_LINES = env_int("PERSONA_MAX_LINES", 200_000, minimum=1)
PERSONA_MAX_CHARS = env_int("PERSONA_MAX_CHARS", 4_000, minimum=100)
COMPUTER_MAX_FILES = env_int("COMPUTER_MAX_FILES", 2_000, minimum=1)
# Generation asks the model for a computer's files concurrently along their dependency graph:
# at most GENERATION_CONCURRENCY calls in flight per computer, and GENERATION_MAX_IN_FLIGHT
# for all the computers a process generates at once (what the model server is asked to bear).
GENERATION_CONCURRENCY = env_int("GENERATION_CONCURRENCY", 16, minimum=1)
GENERATION_MAX_IN_FLIGHT = env_int("GENERATION_MAX_IN_FLIGHT", 64, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# -- simulations: the engine's process-wide knobs (per-run settings live on each Simulation)
SIMULATIONS_ROOT = env_path("SIMULATIONS_ROOT", COMPUTERS_ROOT.parent / "simulations")
SIM_LEASE_SECONDS = env_float("SIM_LEASE_SECONDS", 60.0, minimum=1.0)
# A slice hands over through the broker and a new lease; long slices keep that a small share of
# a run. A worker shutting down ends its slices at the next turn (simulations.tasks).
SIM_SLICE_TURNS = env_int("SIM_SLICE_TURNS", 200, minimum=1)
SIM_SLICE_SECONDS = env_float("SIM_SLICE_SECONDS", 120.0, minimum=0.1)
SIM_MAX_ATTEMPTS = env_int("SIM_MAX_ATTEMPTS", 5, minimum=1)
SIM_MAX_MODEL_ERRORS = env_int("SIM_MAX_MODEL_ERRORS", 10, minimum=1)
SIM_ERROR_BACKOFF_SECONDS = env_float("SIM_ERROR_BACKOFF_SECONDS", 1.0, minimum=0.0)
SIM_DRAIN_GRACE_SECONDS = env_float("SIM_DRAIN_GRACE_SECONDS", 5.0, minimum=0.0)
SIM_SWEEP_SECONDS = env_float("SIM_SWEEP_SECONDS", 30.0, minimum=0.0)
SIM_REQUEUE_AFTER_SECONDS = env_float("SIM_REQUEUE_AFTER_SECONDS", 300.0, minimum=1.0)
# How often an active experiment looks at its runs to start the next ones (simulations.learning).
EXPERIMENT_CHECK_SECONDS = env_float("EXPERIMENT_CHECK_SECONDS", 2.0, minimum=0.1)

# -- computer archives (import/export)
ARCHIVE_MAX_TOTAL_MB = env_int("ARCHIVE_MAX_TOTAL_MB", 2048, minimum=1)
ARCHIVE_MAX_MEMBER_MB = env_int("ARCHIVE_MAX_MEMBER_MB", 200, minimum=1)
ARCHIVE_MAX_MEMBERS = env_int("ARCHIVE_MAX_MEMBERS", 20_000, minimum=2)
# What one user's imported computers may hold on disk, all imports together.
ARCHIVE_IMPORT_QUOTA_MB = env_int("ARCHIVE_IMPORT_QUOTA_MB", 10_240, minimum=1)

# -- the LLM gateway: one base URL/key/model by default, overridable per role.
# LLM_BASE_URL unset (or "offline") means the offline engine.
LLM_ROLES = ("persona", "blueprint", "artifact", "objectives", "worker", "collaborator", "judge")
LLM_BASE_URL = env_str("LLM_BASE_URL", "offline")
LLM_API_KEY = env_str("LLM_API_KEY", env_str("OPENAI_API_KEY"))
LLM_MODEL = env_str("LLM_MODEL", "offline")
LLM_ROLE_CONFIG = {
    role: {
        "base_url": env_str(f"LLM_{role.upper()}_BASE_URL", LLM_BASE_URL),
        "api_key": env_str(f"LLM_{role.upper()}_API_KEY", LLM_API_KEY),
        "model": env_str(f"LLM_{role.upper()}_MODEL", LLM_MODEL),
    }
    for role in LLM_ROLES
}
LLM_TIMEOUT = env_float("LLM_TIMEOUT", 120.0, minimum=0.1)
LLM_MAX_RETRIES = env_int("LLM_MAX_RETRIES", 4, minimum=0)
LLM_MAX_REASKS = env_int("LLM_MAX_REASKS", 2, minimum=0)
LLM_LOG_BODIES = env_bool("LLM_LOG_BODIES", True)
# Bodies of runs finished longer ago are dropped by `manage.py prune_llm_bodies` (0: kept).
LLM_BODY_RETENTION_DAYS = env_int("LLM_BODY_RETENTION_DAYS", 0, minimum=0)
# PostgreSQL connections are a server process each: a thread hands its connection back before
# each model call (seconds, with a real model) rather than holding it for nothing.
LLM_RELEASE_DB_DURING_CALLS = env_bool(
    "LLM_RELEASE_DB_DURING_CALLS", "postgresql" in DATABASES["default"]["ENGINE"]
)
# USD per 1M tokens (input, cached input, output); LLM_PRICES (JSON) adds or replaces models.
# A model without a price has its tokens recorded and no cost.
LLM_PRICES = env_prices(
    "LLM_PRICES",
    {
        "gpt-4o": (2.5, 1.25, 10.0),
        "gpt-4o-mini": (0.15, 0.075, 0.6),
        "gpt-4.1": (2.0, 0.5, 8.0),
        "gpt-4.1-mini": (0.4, 0.1, 1.6),
        "gpt-4.1-nano": (0.1, 0.025, 0.4),
        "gpt-5": (1.25, 0.125, 10.0),
        "gpt-5-mini": (0.25, 0.025, 2.0),
        "gpt-5-nano": (0.05, 0.005, 0.4),
        "o3": (2.0, 0.5, 8.0),
        "o4-mini": (1.1, 0.275, 4.4),
    },
)

# -- security: strict by default; production adds HTTPS-only settings.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if env_bool("DJANGO_PRODUCTION", False):
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31_536_000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "httpx2": {"level": "WARNING"},
        "openai": {"level": "WARNING"},
        "daphne": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
