"""Django and the infrastructure: apps, middleware, database, cache, email, tasks, storage,
security, logging.

Production-safe by default: with DEBUG unset it is off and SECRET_KEY is required.
`DEBUG=true` (set by `make run` and the test settings) runs for development: SQLite file,
a development key, console email, local media, tasks run immediately. Every production
knob is an env var (see `.env.example` and the README's configuration table).
"""

import os
import tempfile
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parents[2]

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# The label the admin shows, so nobody mistakes one shop for another ("staging", ...).
ENVIRONMENT_NAME = env.str("ENVIRONMENT_NAME", default="development" if DEBUG else "production")

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-novacart-development-only")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
else:
    SECRET_KEY = env.str("SECRET_KEY", default="")  # required: no default in production
    if not SECRET_KEY:
        raise ImproperlyConfigured(
            "Set SECRET_KEY: DEBUG is off, so NovaCart runs as in production. For "
            "development, set DEBUG=true (in the environment or .env; see .env.example)."
        )
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
    if render_host := env.str("RENDER_EXTERNAL_HOSTNAME", default=""):
        ALLOWED_HOSTS.append(render_host)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "unfold",
    "unfold.contrib.filters",
    "unfold.contrib.forms",
    "unfold.contrib.import_export",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "import_export",
    "ninja",  # serves Swagger UI's files itself instead of from a CDN
    "ninja_jwt",
    "ninja_jwt.token_blacklist",
    "django_tasks_db",
    "django_countries",
    "axes",
    "corsheaders",
    "accounts",
    "catalog",
    "shop",
    "payments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "corsheaders.middleware.CorsMiddleware",  # before anything that may answer
    "core.middleware.api_json_errors",  # every answer under /api/ is JSON
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.no_store_with_credentials",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.CommonMiddleware",  # Django's, without the slash redirect under /api/
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns an admin lockout into its page
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

# --- Database -------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers queue for the write lock instead of failing with "database is locked":
    # every transaction takes it at BEGIN and waits up to `timeout` seconds for it.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests use a real file, not shared-cache memory, so concurrent tests see real locking.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"novacart-test-{os.getpid()}.sqlite3")
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Give up waiting for a row lock, or on a statement, well before gunicorn kills the
    # worker (30 s): the API answers 503 `busy` (Retry-After), a webhook 500 so Stripe
    # retries. 0 turns a limit off (e.g. for a long migration).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c lock_timeout={env.int('DB_LOCK_TIMEOUT_MS', default=5000)} "
        f"-c statement_timeout={env.int('DB_STATEMENT_TIMEOUT_MS', default=20000)}"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (rate-limit counters): Redis when REDIS_URL is set, else process memory ---
# While Redis is unreachable the counters fall back to process memory (core/cache.py).
if redis_url := env.str("REDIS_URL", default=""):
    CACHES = {
        "default": {
            "BACKEND": "core.cache.FailSafeRedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="novacart"),
            # A Redis that hangs must not hang every login: give up quickly, fall back.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Rendered catalog answers, in each process's memory, keyed by the catalog version that
# database triggers bump on any change (catalog/cache.py): never stale, so never shared.
# Bounded in bytes per process (least recently used answers go first).
CATALOG_CACHE_MAX_BYTES = env.int("CATALOG_CACHE_MAX_BYTES", default=32 * 1024 * 1024)
CACHES["catalog"] = {
    "BACKEND": "catalog.cache_backend.ByteBoundedMemoryCache",
    "LOCATION": "catalog",
    "TIMEOUT": 600,
    "OPTIONS": {"MAX_ENTRIES": 5000, "MAX_BYTES": CATALOG_CACHE_MAX_BYTES},
}

# --- Accounts and auth ----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# Sessions are for the admin only (the storefront uses JWTs). Unfold's login form has no
# `next` field, so a login at /admin/login/ itself lands here.
LOGIN_REDIRECT_URL = "admin:index"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Admin login lockout (django-axes, accounts/admin_lockout.py): failures per account and
# per client address, counted in the default cache; the API login has its own limits.
AUTHENTICATION_BACKENDS = [
    "accounts.admin_lockout.AdminLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "accounts.admin_lockout.AdminLockoutHandler"
AXES_ONLY_ADMIN_SITE = True
AXES_ENABLE_ADMIN = False  # the counters live in the cache, not in axes' tables
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one locks
AXES_FAILURE_LIMIT = env.int("ADMIN_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("ADMIN_LOGIN_COOLOFF_MINUTES", default=15))
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"  # the admin login form's field (an email)
AXES_USERNAME_CALLABLE = "accounts.admin_lockout.login_username"
AXES_CLIENT_IP_CALLABLE = "core.throttling.client_address"
AXES_LOCKOUT_CALLABLE = "accounts.admin_lockout.lockout_response"

# --- Email and background tasks -------------------------------------------------------
if email_url := env.str("EMAIL_URL", default=""):
    _smtp = env.email_url_config(email_url)
    MAILERS = {
        "default": {
            "BACKEND": _smtp["EMAIL_BACKEND"],
            "OPTIONS": {
                "host": _smtp.get("EMAIL_HOST"),
                "port": _smtp.get("EMAIL_PORT"),
                "username": _smtp.get("EMAIL_HOST_USER"),
                "password": _smtp.get("EMAIL_HOST_PASSWORD"),
                "use_tls": _smtp.get("EMAIL_USE_TLS", False),
                "use_ssl": _smtp.get("EMAIL_USE_SSL", False),
                "timeout": 20,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="NovaCart <shop@novacart.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# TASKS_BACKEND=database queues tasks in the database; `manage.py db_worker` runs them.
TASKS_BACKEND = env.str("TASKS_BACKEND", default="immediate")
TASKS = {
    "default": {
        "BACKEND": {
            "immediate": "django.tasks.backends.immediate.ImmediateBackend",
            "database": "django_tasks_db.DatabaseBackend",
        }[TASKS_BACKEND]
    }
}

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
if env.str("CLOUDINARY_URL", default=""):  # read by the cloudinary library itself
    # After staticfiles: its collectstatic override reads a setting Django 5.1 removed.
    INSTALLED_APPS += ["cloudinary_storage", "cloudinary"]
    STORAGES["default"] = {"BACKEND": "cloudinary_storage.storage.MediaCloudinaryStorage"}

# --- Security (production) ------------------------------------------------------------
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^api/health/$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    X_FRAME_OPTIONS = "DENY"

# --- Content Security Policy (Django's CSP middleware; every response) ----------------
# Every script is a file of our own (Unfold, its Chart.js dashboard, Swagger UI at
# /api/docs: no CDN, no inline <script>), so no nonce is needed and none is allowed
# inline. 'unsafe-eval': Alpine.js (Unfold) compiles its x-* attributes with Function().
# 'unsafe-inline' styles: style attributes of Unfold, htmx, Swagger UI and thumbnails.
# Images: our media, data: URIs (Swagger UI's icons) and Cloudinary when it stores media.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
)
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.UNSAFE_EVAL],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "https://res.cloudinary.com"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.SELF],  # Unfold frames its own pages (X-Frame-Options too)
    "form-action": [CSP.SELF],
}

# --- Logging: everything to stdout ----------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["stdout"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
