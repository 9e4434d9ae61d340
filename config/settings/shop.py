"""NovaCart's own settings: the API's limits, the shop's rules, imports and Stripe.

Every value comes from the environment (README's configuration table, `.env.example`).
"""

import os
import tempfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

from corsheaders.defaults import default_headers

from config.settings.infrastructure import SECRET_KEY, env

# --- Spreadsheet import in the admin (catalog/import_limits.py; the command has none) ---
IMPORT_MAX_FILE_BYTES = env.int("IMPORT_MAX_FILE_BYTES", default=5_000_000)
IMPORT_MAX_UNPACKED_BYTES = env.int("IMPORT_MAX_UNPACKED_BYTES", default=25_000_000)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=10_000)

# --- API: tokens, rate limits, pagination ----------------------------------------------
# Lifetimes and key only: refresh rotation, blacklisting and last_login are done by
# accounts/services.py itself (ninja_jwt's own token routes are not mounted).
NINJA_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=60),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=7),
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default=SECRET_KEY),
}
AUTH_RATE_LIMIT = env.str("AUTH_RATE_LIMIT", default="10/min")
# Login attempts per account from all addresses together (core/throttling.py).
LOGIN_ACCOUNT_RATE_LIMIT = env.str("LOGIN_ACCOUNT_RATE_LIMIT", default="20/hour")
# Passwords hashed at once on the host (all workers), and the seconds a login waits for a
# slot (then 503). Keep it below the number of workers: the rest keep serving the shop.
PASSWORD_HASHING_CONCURRENCY = env.int("PASSWORD_HASHING_CONCURRENCY", default=1)
PASSWORD_HASHING_WAIT = env.float("PASSWORD_HASHING_WAIT", default=0.0)
# Where the host's hashing slots are (one locked file per slot, core/host_slots.py).
PASSWORD_HASHING_LOCK_DIR = env.str(
    "PASSWORD_HASHING_LOCK_DIR",
    default=str(Path(tempfile.gettempdir()) / f"novacart-hashing-{os.getuid()}"),
)
# Proxies in front of the app that append to X-Forwarded-For (Render: 1). The client
# address used by rate limits is read that many hops from the right.
NINJA_NUM_PROXIES = env.int("TRUSTED_PROXY_COUNT", default=0)
FRONTEND_URL = env.str("FRONTEND_URL", default="http://localhost:3000").rstrip("/")
# CORS (django-cors-headers), for the API only: a storefront on these origins may call it.
_frontend = urlsplit(FRONTEND_URL)
# Unset or empty (a blank value in Render's dashboard): the storefront's own origin.
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[]) or [
    f"{_frontend.scheme}://{_frontend.netloc}"
]
CORS_URLS_REGEX = r"^/api/"
CORS_ALLOW_HEADERS = (*default_headers, "idempotency-key", "x-cart-token", "x-order-token")
CORS_EXPOSE_HEADERS = ["Retry-After", "Idempotent-Replayed", "X-Cart-Token"]
# Lists: {"items", "count"}; ?limit= 1-100 (default 20), ?offset= bounded; else 422.
NINJA_PAGINATION_CLASS = "core.pagination.BoundedLimitOffsetPagination"

# --- Shop -----------------------------------------------------------------------------
NOVACART_CURRENCY = env.str("NOVACART_CURRENCY", default="usd").lower()
# false: prices are net and tax is added on top (US style); true: prices are gross and the
# tax is the part of them that is tax (EU style). Rates, zones and vouchers: the admin.
PRICES_INCLUDE_TAX = env.bool("PRICES_INCLUDE_TAX", default=False)
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
