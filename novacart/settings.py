"""NovaCart settings: one module, driven by environment variables.

Production-safe by default: with DEBUG unset it is off and SECRET_KEY is required.
`DEBUG=true` (set by `make run`, `make test` and the test settings) runs for development:
SQLite file, a development key, console email, local media, tasks run immediately. Every
production knob is an env var (see `.env.example` and the README's configuration table).
"""

import os
import tempfile
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.urls import reverse_lazy
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

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
    "novacart.accounts",
    "catalog",
    "shop",
    "payments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "novacart.middleware.no_store_with_credentials",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns an admin lockout into its page
]

ROOT_URLCONF = "novacart.urls"
WSGI_APPLICATION = "novacart.wsgi.application"

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
# While Redis is unreachable the counters fall back to process memory (novacart/cache.py).
if redis_url := env.str("REDIS_URL", default=""):
    CACHES = {
        "default": {
            "BACKEND": "novacart.cache.FailSafeRedisCache",
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

# --- Spreadsheet import in the admin (catalog/import_limits.py; the command has none) ---
IMPORT_MAX_FILE_BYTES = env.int("IMPORT_MAX_FILE_BYTES", default=5_000_000)
IMPORT_MAX_UNPACKED_BYTES = env.int("IMPORT_MAX_UNPACKED_BYTES", default=25_000_000)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=10_000)

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
NINJA_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=60),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=7),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default=SECRET_KEY),
}
AUTH_RATE_LIMIT = env.str("AUTH_RATE_LIMIT", default="10/min")
# Login attempts per account from all addresses together (novacart/throttling.py).
LOGIN_ACCOUNT_RATE_LIMIT = env.str("LOGIN_ACCOUNT_RATE_LIMIT", default="20/hour")
# Passwords hashed at once on the host (all workers), and the seconds a login waits for a
# slot (then 503). Keep it below the number of workers: the rest keep serving the shop.
PASSWORD_HASHING_CONCURRENCY = env.int("PASSWORD_HASHING_CONCURRENCY", default=1)
PASSWORD_HASHING_WAIT = env.float("PASSWORD_HASHING_WAIT", default=0.0)
# Where the host's hashing slots are (one locked file per slot, novacart/host_slots.py).
PASSWORD_HASHING_LOCK_DIR = env.str(
    "PASSWORD_HASHING_LOCK_DIR",
    default=str(Path(tempfile.gettempdir()) / f"novacart-hashing-{os.getuid()}"),
)
# Proxies in front of the app that append to X-Forwarded-For (Render: 1). The client
# address used by rate limits is read that many hops from the right.
NINJA_NUM_PROXIES = env.int("TRUSTED_PROXY_COUNT", default=0)
# Admin login lockout (django-axes, novacart/admin_lockout.py): failures per account and
# per client address, counted in the default cache; the API login has its own limits.
AUTHENTICATION_BACKENDS = [
    "novacart.admin_lockout.AdminLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "novacart.admin_lockout.AdminLockoutHandler"
AXES_ONLY_ADMIN_SITE = True
AXES_ENABLE_ADMIN = False  # the counters live in the cache, not in axes' tables
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one locks
AXES_FAILURE_LIMIT = env.int("ADMIN_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("ADMIN_LOGIN_COOLOFF_MINUTES", default=15))
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"  # the admin login form's field (an email)
AXES_USERNAME_CALLABLE = "novacart.admin_lockout.login_username"
AXES_CLIENT_IP_CALLABLE = "novacart.throttling.client_address"
AXES_LOCKOUT_CALLABLE = "novacart.admin_lockout.lockout_response"
FRONTEND_URL = env.str("FRONTEND_URL", default="http://localhost:3000").rstrip("/")
# Lists: {"items", "count"}; ?limit= 1-100 (default 20), ?offset= bounded; else 422.
NINJA_PAGINATION_CLASS = "novacart.pagination.BoundedLimitOffsetPagination"

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

# --- Shop -----------------------------------------------------------------------------
NOVACART_CURRENCY = env.str("NOVACART_CURRENCY", default="usd").lower()
# Unpaid orders older than this (seconds) are cancelled by `manage.py expire_pending_orders`.
ORDER_PENDING_TTL = env.int("ORDER_PENDING_TTL", default=30 * 60)
# Unpaid orders one customer may have at once: each holds stock until paid or expired.
MAX_PENDING_ORDERS_PER_CUSTOMER = env.int("MAX_PENDING_ORDERS_PER_CUSTOMER", default=3)
# The totals a card payment can take, in NOVACART_CURRENCY (Stripe, USD: 0.50 to 999,999.99).
# Checkout refuses others; an order of 0.00 needs no payment and is confirmed at once.
ORDER_TOTAL_MIN = Decimal(env.str("ORDER_TOTAL_MIN", default="0.50"))
ORDER_TOTAL_MAX = Decimal(env.str("ORDER_TOTAL_MAX", default="999999.99"))
# Stripe (payments/). STRIPE_API_BASE points the client at a Stripe-compatible test server.
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")

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

# --- Admin (Unfold) -------------------------------------------------------------------


def _can(permission: str) -> Callable[[HttpRequest], bool]:
    """A sidebar item is shown to staff who hold `permission`."""
    return lambda request: request.user.has_perm(permission)


UNFOLD = {
    "SITE_TITLE": "NovaCart admin",
    "SITE_HEADER": "NovaCart",
    "SITE_SUBHEADER": "Shop administration",
    "SITE_SYMBOL": "storefront",
    "SITE_URL": FRONTEND_URL,
    "ENVIRONMENT": "novacart.admin_site.environment_callback",
    "DASHBOARD_CALLBACK": "novacart.dashboard.dashboard_callback",
    "SHOW_HISTORY": True,
    "COLORS": {
        "primary": {
            "50": "oklch(97.7% .014 308.299)",
            "100": "oklch(94.6% .033 307.174)",
            "200": "oklch(90.2% .063 306.703)",
            "300": "oklch(82.7% .119 306.383)",
            "400": "oklch(71.4% .203 305.504)",
            "500": "oklch(62.7% .265 303.9)",
            "600": "oklch(55.8% .288 302.321)",
            "700": "oklch(49.6% .265 301.924)",
            "800": "oklch(43.8% .218 303.724)",
            "900": "oklch(38.1% .176 304.987)",
            "950": "oklch(29.1% .149 302.717)",
        },
    },
    "SIDEBAR": {
        "show_search": True,
        "show_all_applications": False,
        "navigation": [
            {
                "title": "Overview",
                "items": [
                    {
                        "title": "Dashboard",
                        "icon": "dashboard",
                        "link": reverse_lazy("admin:index"),
                    },
                ],
            },
            {
                "title": "Catalog",
                "separator": True,
                "items": [
                    {
                        "title": "Products",
                        "icon": "inventory_2",
                        "link": reverse_lazy("admin:catalog_product_changelist"),
                        "permission": _can("catalog.view_product"),
                    },
                    {
                        "title": "Categories",
                        "icon": "category",
                        "link": reverse_lazy("admin:catalog_category_changelist"),
                        "permission": _can("catalog.view_category"),
                    },
                    {
                        "title": "Wishlists",
                        "icon": "favorite",
                        "link": reverse_lazy("admin:catalog_wishlistitem_changelist"),
                        "permission": _can("catalog.view_wishlistitem"),
                    },
                ],
            },
            {
                "title": "Orders",
                "separator": True,
                "items": [
                    {
                        "title": "Orders",
                        "icon": "receipt_long",
                        "link": reverse_lazy("admin:shop_order_changelist"),
                        "permission": _can("shop.view_order"),
                        "badge": "novacart.dashboard.orders_to_ship_badge",
                        "badge_variant": "primary",
                    },
                    {
                        "title": "Carts",
                        "icon": "shopping_cart",
                        "link": reverse_lazy("admin:shop_cart_changelist"),
                        "permission": _can("shop.view_cart"),
                    },
                    {
                        "title": "Addresses",
                        "icon": "home_pin",
                        "link": reverse_lazy("admin:shop_address_changelist"),
                        "permission": _can("shop.view_address"),
                    },
                ],
            },
            {
                "title": "Payments",
                "separator": True,
                "items": [
                    {
                        "title": "Payments",
                        "icon": "payments",
                        "link": reverse_lazy("admin:payments_payment_changelist"),
                        "permission": _can("payments.view_payment"),
                    },
                    {
                        "title": "Refunds",
                        "icon": "currency_exchange",
                        "link": reverse_lazy("admin:payments_refund_changelist"),
                        "permission": _can("payments.view_refund"),
                    },
                    {
                        "title": "Webhook events",
                        "icon": "webhook",
                        "link": reverse_lazy("admin:payments_webhookevent_changelist"),
                        "permission": _can("payments.view_webhookevent"),
                        "badge": "novacart.dashboard.webhook_failures_badge",
                        "badge_variant": "danger",
                    },
                ],
            },
            {
                "title": "People",
                "separator": True,
                "items": [
                    {
                        "title": "Users",
                        "icon": "person",
                        "link": reverse_lazy("admin:accounts_user_changelist"),
                        "permission": _can("accounts.view_user"),
                    },
                    {
                        "title": "Staff groups",
                        "icon": "group",
                        "link": reverse_lazy("admin:auth_group_changelist"),
                        "permission": _can("auth.view_group"),
                    },
                ],
            },
        ],
    },
}
