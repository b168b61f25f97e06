"""Settings for Reaction Lab.

Every value that differs between machines comes from an environment
variable; the README lists them all with their defaults. With no
environment at all the project runs on SQLite under ./var.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url

from config.env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("REACTION_LAB_DATA_DIR", str(BASE_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _load_or_create_secret_key() -> str:
    """Read the secret key from the data folder, creating it on first start."""
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


# Core

SECRET_KEY = env_str("DJANGO_SECRET_KEY", "") or _load_or_create_secret_key()
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "django_htmx",
    "template_partials",
    "accounts",
    "jobs",
    "analyses",
    "reactions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "jobs.middleware.SiteActivityMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
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
            ],
        },
    },
]

# Database

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'db.sqlite3'}"),
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets pages read while the worker writes; IMMEDIATE takes the write
    # lock when a transaction starts, so two writers queue on the busy
    # timeout instead of failing with "database is locked" mid-transaction.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not Django's default in-memory test database, so that the
    # qcluster and server processes started by tests can open it too.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-db.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Accounts and security

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Internationalisation

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Static files and media

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
# Serve files straight from STATICFILES_DIRS too, so pages work before
# collectstatic has run (tests, a first `manage.py runserver`).
WHITENOISE_USE_FINDERS = True
STORAGES = {
    # Uploads live outside any public URL: MEDIA_URL is unset on purpose and
    # every video goes through a view that checks its owner.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(DATA_DIR / "media")},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage",
    },
}
MEDIA_ROOT = DATA_DIR / "media"
FILE_UPLOAD_PERMISSIONS = 0o640

# Uploads and analysis

FILE_UPLOAD_HANDLERS = [
    "analyses.uploads.UploadLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
MAX_UPLOAD_BYTES = env_int("REACTION_LAB_MAX_UPLOAD_MB", 500, minimum=1) * 1024 * 1024
# Largest request body Django reads into memory apart from file parts.
# Files stream to temporary files; MAX_UPLOAD_BYTES bounds them.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
SAMPLE_RATE = env_float("REACTION_LAB_SAMPLE_RATE", 5.0)
ANALYSIS_PROCESSING_TIMEOUT_SECONDS = env_int(
    "ANALYSIS_PROCESSING_TIMEOUT_SECONDS", 1800, minimum=1
)
REACTION_PROCESSING_TIMEOUT_SECONDS = env_int(
    "REACTION_PROCESSING_TIMEOUT_SECONDS", 900, minimum=1
)
# A running job writes its progress and heartbeat at most this often, so
# the worker's writes stay short and rare next to the pages' reads.
PROGRESS_INTERVAL_SECONDS = env_float("REACTION_LAB_PROGRESS_INTERVAL_SECONDS", 1.0)
JOB_MAX_ATTEMPTS = env_int("REACTION_LAB_JOB_MAX_ATTEMPTS", 3, minimum=1)
# Run the worker at the lowest CPU priority (SCHED_IDLE on Linux), so
# pages and uploads stay quick while it analyses.
WORKER_BACKGROUND = env_bool("REACTION_LAB_WORKER_BACKGROUND", True)
# Cores the worker may use; 0 means all of them.
WORKER_CPUS = env_int("REACTION_LAB_WORKER_CPUS", 0, minimum=0)
# For this many seconds after a signed-in request that sends data (an
# upload, say), the worker runs on one core fewer, so that the web server
# has a core to itself (see jobs.activity). 0 turns this off.
WORKER_YIELD_SECONDS = env_int("REACTION_LAB_WORKER_YIELD_SECONDS", 30, minimum=0)

# Background work

_longest_job = max(
    ANALYSIS_PROCESSING_TIMEOUT_SECONDS, REACTION_PROCESSING_TIMEOUT_SECONDS
)
Q_CLUSTER = {
    "name": "reaction-lab",
    # The database is the broker, so queued work survives restarts.
    "orm": "default",
    # One worker: jobs run one at a time, in the order they were queued.
    "workers": 1,
    # Keep at most one task prefetched in memory, so a crash strands little.
    "queue_limit": 1,
    # Hard stop for a task. The job's own watchdog fires first; this only
    # catches a worker stuck inside native code.
    "timeout": _longest_job + 60,
    # The broker hands a task out again after this many seconds without an
    # acknowledgement. It must exceed "timeout" or a long job runs twice.
    "retry": _longest_job + 120,
    # django-q2's own re-delivery is a fallback; jobs count their attempts.
    "max_attempts": 2,
    # Poll the database for new tasks every 0.2 s when idle.
    "poll": 0.2,
    # Results are kept on the project's Job rows, not in django-q2's tables.
    "save_limit": 100,
    "ack_failures": True,
    # Replace the worker process after this many tasks to release memory.
    "recycle": 200,
    "catch_up": False,
    "label": "Background tasks",
}

# API

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Reaction Lab API",
    "DESCRIPTION": "Upload videos, queue emotion analyses and read their results.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema describes private endpoints; only signed-in users read it.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Serve Swagger UI from the installed sidecar package, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

# Logging

LOG_LEVEL = env_str("REACTION_LAB_LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django_q": {"level": "WARNING"},
        "fer": {"level": "WARNING"},
    },
}
