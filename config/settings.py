"""Settings come from environment variables; every default is safe for a local checkout."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and os.environ.get("DJANGO_REQUIRE_SECRET_KEY"):
        raise ImproperlyConfigured("SECRET_KEY must be set in production")
    # Local runs and tests only; production deployments set SECRET_KEY.
    SECRET_KEY = "insecure-local-development-key-change-me"

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "guardian",
    "mptt",
    "django_htmx",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "assets",
    "assets.files",
    "assets.events",
    "groups",
    "links",
]

MIDDLEWARE = [
    "config.middleware.RequestIdMiddleware",
    "config.middleware.ApiProblemMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.ThrottleMiddleware",
    "config.middleware.PageMessageMiddleware",  # Django's MessageMiddleware, not on /api/
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "config.middleware.PageCSPMiddleware",  # django-csp's, not on JSON answers
]

# Content-Security-Policy of every page (django-csp; JSON answers need none): scripts only from our static files
# (htmx included; no inline script or eval), styles from our stylesheet plus style attributes
# (the hierarchy's indentation is a --level custom property), images also from the remote file
# URLs assets point at, fonts also inline, no plugins, no framing, forms posting only here.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:", "https:", "http:"],
        "font-src": ["'self'", "data:"],  # the vendored GraphiQL stylesheet embeds its fonts
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Overridable so bench/detail_rps.py can add a bare JSON view beside the app.
ROOT_URLCONF = os.environ.get("ROOT_URLCONF", "config.urls")
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers queue on the lock instead of failing at once with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
    # Write-ahead log with NORMAL sync (Django's documented recipe): a commit no longer waits for
    # an fsync, which the throttle's count made on every API request (~13-26 ms under load);
    # readers also stop queueing behind a writer. A power cut may lose the last commits, never
    # the file.
    DATABASES["default"]["OPTIONS"]["init_command"] = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL"
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The permission filters make PostgreSQL cost page queries high enough to JIT-compile them,
    # and compiling took seconds for queries that run in milliseconds. OLTP pages gain nothing
    # from JIT.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("options", "-c jit=off")
    # Only assets.core.db.compiled's queries run on server-side binding cursors, which psycopg prepares:
    # planning the permission snapshot alone took longer than running it. Django's own cursors
    # bind client-side and never prepare. DB_PREPARED_STATEMENTS=0 turns it off, for a pooler in
    # transaction mode that can't keep prepared statements (PgBouncer before 1.21).
    if os.environ.get("DB_PREPARED_STATEMENTS", "1") != "0":
        DATABASES["default"]["OPTIONS"].setdefault("prepare_threshold", 0)

# The database cache's own connection to the same database (config/cache.py says why); test runs
# give it a test database of its own.
DATABASES["cache"] = {**DATABASES["default"], "OPTIONS": dict(DATABASES["default"].get("OPTIONS", {}))}
if DATABASES["cache"]["ENGINE"] != "django.db.backends.sqlite3":
    DATABASES["cache"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_cache"}
    # The throttle writes a count on every API request; waiting for its WAL flush was most of a
    # detail read's time. A crash may forget the last fraction of a second of counts: a cache.
    DATABASES["cache"]["OPTIONS"]["options"] = (
        DATABASES["cache"]["OPTIONS"].get("options", "") + " -c synchronous_commit=off"
    ).strip()
DATABASE_ROUTERS = ["config.cache.CacheRouter"]

# Shared state of all app servers (throttle counts, sign-in back-off): Redis when REDIS_URL is set
# (redis://host:6379/0), otherwise a table in the database (created by a migration).
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.DatabaseCache",
            "LOCATION": "django_cache",
            # Throttle windows expire on their own; culling past 300 entries (Django's default)
            # would forget live counts under load.
            "OPTIONS": {"MAX_ENTRIES": 1_000_000, "CULL_FREQUENCY": 10},
        }
    }
THROTTLE_CACHE = os.environ.get("THROTTLE_CACHE", "default")
# Requests per token, per signed-in user (browser session) and per client address (anonymous),
# as "<count>/<second|minute|hour|day>"; "0/minute" turns one off.
THROTTLE_RATES = {
    "token": os.environ.get("THROTTLE_TOKEN_RATE", "3000/minute"),
    "user": os.environ.get("THROTTLE_USER_RATE", "3000/minute"),
    "anonymous": os.environ.get("THROTTLE_ANONYMOUS_RATE", "300/minute"),
}
# Failed sign-ins (POST /auth/tokens and /login/): from the Nth failure on, an account (or a
# client address, at its higher threshold) is locked for SIGNIN_BACKOFF_S seconds, doubling with
# every further failure up to SIGNIN_BACKOFF_MAX_S; counts are forgotten a window after the last.
SIGNIN_ACCOUNT_FAILURES = int(os.environ.get("SIGNIN_ACCOUNT_FAILURES", "10"))
SIGNIN_ADDRESS_FAILURES = int(os.environ.get("SIGNIN_ADDRESS_FAILURES", "50"))
SIGNIN_BACKOFF_S = int(os.environ.get("SIGNIN_BACKOFF_S", "30"))
SIGNIN_BACKOFF_MAX_S = int(os.environ.get("SIGNIN_BACKOFF_MAX_S", "3600"))
SIGNIN_FAILURE_WINDOW_S = int(os.environ.get("SIGNIN_FAILURE_WINDOW_S", "3600"))
# Reverse proxies in front of the app whose X-Forwarded-For is trusted (0: use REMOTE_ADDR).
NUM_PROXIES = int(os.environ.get("NUM_PROXIES", "0"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "assets.access.backends.SnapshotModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# No guardian anonymous user: anonymous requests never hold permissions here.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# Applied by POST /users and the admin's user forms (factories and seed_demo write users directly).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Asset files on S3-compatible object storage (django-storages) when AWS_STORAGE_BUCKET_NAME is
# set (AWS_S3_ENDPOINT_URL for MinIO, Ceph, R2, ...; credentials from AWS_ACCESS_KEY_ID and
# AWS_SECRET_ACCESS_KEY or the machine's role); MEDIA_ROOT otherwise. Files stay private: the app
# checks the reader's right to view the asset, then redirects to a presigned URL valid for
# AWS_QUERYSTRING_EXPIRE seconds, or streams the file itself when ASSET_FILE_DELIVERY=stream.
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL", "") or None
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": AWS_S3_ENDPOINT_URL,
            "region_name": os.environ.get("AWS_S3_REGION_NAME", "") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": int(os.environ.get("AWS_QUERYSTRING_EXPIRE", "300")),
            "file_overwrite": False,
            "addressing_style": os.environ.get("AWS_S3_ADDRESSING_STYLE", "") or None,
        },
    }
ASSET_FILE_DELIVERY = os.environ.get("ASSET_FILE_DELIVERY", "redirect")  # "redirect" | "stream"

# Background work (webhook deliveries, renditions) runs on django-tasks, the backport of Django 6's
# task framework. The queue lives in the database unless REDIS_URL names a Redis server; either way
# `python manage.py worker` runs the worker, and task status (queued, running, done, failed with the
# error) is stored by the backend.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    INSTALLED_APPS.insert(INSTALLED_APPS.index("django_tasks_db"), "django_rq")
    RQ_QUEUES = {"default": {"URL": REDIS_URL}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# Webhook deliveries: a failed one (no answer within EVENTS_TIMEOUT_S, or a non-2xx status) is
# retried after EVENTS_RETRY_BASE_S seconds, doubling each time, up to EVENTS_MAX_ATTEMPTS
# attempts, then marked failed. The worker looks for due deliveries every EVENTS_RELAY_INTERVAL_S.
EVENTS_RETRY_BASE_S = float(os.environ.get("EVENTS_RETRY_BASE_S", "10"))
EVENTS_MAX_ATTEMPTS = int(os.environ.get("EVENTS_MAX_ATTEMPTS", "8"))
EVENTS_TIMEOUT_S = float(os.environ.get("EVENTS_TIMEOUT_S", "10"))
EVENTS_RELAY_INTERVAL_S = float(os.environ.get("EVENTS_RELAY_INTERVAL_S", "1"))
# Event rules may target loopback, link-local and private addresses only when this is on (checked
# when a rule is saved and again at every delivery).
EVENTS_ALLOW_PRIVATE_TARGETS = env_bool("EVENTS_ALLOW_PRIVATE_TARGETS", False)

# The change log keeps a deleted asset's snapshot (restorable from the Deleted page) this many days,
# then the worker's periodic purge (every CHANGE_SNAPSHOT_PURGE_INTERVAL_S, or `manage.py
# purge_change_snapshots`) removes the entries of assets deleted before then. 0 keeps them for ever.
# The Import page checks a file (the importer's dry run) within the request up to this size; a
# larger file is checked by a background task with the same progress page as the import itself,
# so no browser waits on a long request (netbox#11197).
IMPORT_PREVIEW_INLINE_BYTES = int(os.environ.get("IMPORT_PREVIEW_INLINE_BYTES", str(256 * 1024)))
# A running check or import that wrote no progress for this long lost its worker; its page then
# says so (nothing was written) instead of showing it running for ever.
IMPORT_STALL_SECONDS = int(os.environ.get("IMPORT_STALL_SECONDS", "600"))
# Browser imports (with their file's text) are removed this long after they ended or were
# previewed and left, by the worker's periodic purge; 0 keeps them.
IMPORT_JOB_RETENTION_DAYS = int(os.environ.get("IMPORT_JOB_RETENTION_DAYS", "30"))
CHANGE_SNAPSHOT_RETENTION_DAYS = int(os.environ.get("CHANGE_SNAPSHOT_RETENTION_DAYS", "365"))
CHANGE_SNAPSHOT_PURGE_INTERVAL_S = float(os.environ.get("CHANGE_SNAPSHOT_PURGE_INTERVAL_S", "3600"))

# Uploads beyond this many bytes get 413 (asset files).
ASSET_FILE_MAX_BYTES = int(os.environ.get("ASSET_FILE_MAX_BYTES", str(50 * 1024 * 1024)))
# A file uploaded before its asset exists is kept this long for an asset to claim it
# (purge_staged_uploads removes the expired ones).
STAGED_UPLOAD_TTL_SECONDS = int(os.environ.get("STAGED_UPLOAD_TTL_SECONDS", str(24 * 3600)))
# Images are refused from their header (before decoding) beyond this many pixels, and when
# decoding one would take more memory than ASSET_IMAGE_MAX_DECODE_BYTES: Pillow's own limit
# (89.5 MP) let a 336 KiB PNG of 9400x9400 pixels take 6 s and 1.8 GiB of one worker.
ASSET_IMAGE_MAX_PIXELS = int(os.environ.get("ASSET_IMAGE_MAX_PIXELS", "40000000"))
ASSET_IMAGE_MAX_DECODE_BYTES = int(os.environ.get("ASSET_IMAGE_MAX_DECODE_BYTES", str(192 * 1024 * 1024)))

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
