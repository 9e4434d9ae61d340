"""Load benchmark: gunicorn (2 workers) on PostgreSQL, 8 concurrent clients per scenario.

    make bench-load
    .venv/bin/python bench/load.py [--duration 10] [--clients 8] [--only "product list"]

It (re)creates a PostgreSQL database made for it (DATABASE_URL, default
postgres://root@127.0.0.1:5432/novacart_bench_load; its name must contain "bench": it
is dropped first), migrates it, seeds 1,000 products in 20 categories (one picture
each) and the customers the scenarios use, starts gunicorn as production does
(`config.wsgi`, sync workers, DEBUG off, tasks queued in the database), runs each
scenario for --duration seconds after a short warm-up, prints a table and stops
gunicorn. The floor is `GET /api/ping/` (no database) served by the same server in the
same run. Not part of the test run.
"""

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://root@127.0.0.1:5432/novacart_bench_load"
PRODUCTS = 1_000
CATEGORIES = 20
ORDERS_PER_HISTORY = 10
WEBHOOK_SECRET = "whsec_bench_not_secret"
SEARCH_TERMS = ["mug", "lamp", "blue", "42", "steel", "BNCH-0007", "wool", "zzz"]
# The server's environment: production settings, reachable over plain HTTP on loopback.
SERVER_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.base",
    "DEBUG": "false",
    "SECRET_KEY": "novacart-bench-not-a-secret-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "false",
    "TASKS_BACKEND": "database",
    # Each checkout client places an order per round and never pays: no cap on unpaid ones.
    "MAX_PENDING_ORDERS_PER_CUSTOMER": "1000000",
    "STRIPE_SECRET_KEY": "sk_test_bench",
    "STRIPE_API_BASE": "http://127.0.0.1:9",  # never reached: the events name no order
    "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
    "LOG_LEVEL": "WARNING",
    "TRUSTED_PROXY_COUNT": "1",  # the login flood comes from many addresses (X-Forwarded-For)
}

# Targets (shares of the floor's requests/s; p99 in ms for every read).
SHARE_TARGETS = {"product list": 0.4, "product detail": 0.4, "cart add": 0.3, "cart get": 0.3}
SHARE_TARGETS["order history"] = 0.3
READS = {"ping", "product list", "product detail", "search", "cart get", "order history"}
READS.add("list under login flood")  # its figures are the browsing half's
P99_TARGET_MS = 100


# --- database and seed ----------------------------------------------------------------


def database_recreate(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    maintenance = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


@dataclass(frozen=True)
class Seed:
    product_ids: list[int]
    cart_tokens: list[str]  # one customer per client
    checkout: list[tuple[str, int]]  # (token, address id) per client
    history_tokens: list[str]  # customers with ORDERS_PER_HISTORY orders each


def seed(clients: int) -> Seed:
    """Catalog and customers, written through the ORM and the shop's services."""
    from decimal import Decimal

    from django.contrib.auth.hashers import make_password

    from accounts.models import User
    from accounts.tokens import UserRefreshToken
    from catalog.inventory import Reason, StockChange, stock_adjust_many
    from catalog.models import Category, Product, ProductImage, Variant
    from shop.cart import cart_line_add
    from shop.checkout import order_create
    from shop.models import Address

    rng = random.Random(7)
    categories = Category.objects.bulk_create(
        Category(name=f"Bench category {n}", slug=f"bench-category-{n}") for n in range(CATEGORIES)
    )
    words = ["blue", "steel", "wool", "oak", "lamp", "mug", "chair", "scarf", "glass", "linen"]
    products = Product.objects.bulk_create(
        Product(
            name=f"{rng.choice(words).title()} {rng.choice(words)} {n}",
            slug=f"bench-product-{n}",
            description=" ".join(rng.choice(words) for _ in range(40)),
            category=categories[n % CATEGORIES],
        )
        for n in range(PRODUCTS)
    )
    variants = Variant.objects.bulk_create(
        Variant(
            product=product,
            sku=f"BNCH-{n:05d}",
            price=Decimal(rng.randrange(100, 50_000)) / 100,
            stock=0,
        )
        for n, product in enumerate(products)
    )
    stock_adjust_many(  # the opening stock, as movements like every stock change
        changes=[StockChange(variant_id=v.pk, set_to=1_000_000) for v in variants],
        reason=Reason.INITIAL,
    )
    ProductImage.objects.bulk_create(
        ProductImage(product=product, image="products/bench.png", alt_text=product.name)
        for product in products
    )

    password = make_password("bench-password-not-used")
    by_role = {
        role: User.objects.bulk_create(
            User(email=f"{role}{n}@bench.example", password=password) for n in range(clients)
        )
        for role in ("cart", "checkout", "history")
    }
    users = [user for role_users in by_role.values() for user in role_users]
    addresses = Address.objects.bulk_create(
        Address(
            user=user,
            full_name="Bench Buyer",
            line1="1 Load Street",
            city="Benchville",
            postal_code="12345",
            country="US",
            is_default=True,
        )
        for user in users
    )
    address_of = {address.user_id: address.pk for address in addresses}
    for user in by_role["history"]:
        for _ in range(ORDERS_PER_HISTORY):
            for product in rng.sample(products, 2):
                cart_line_add(user=user, product_id=product.pk, quantity=rng.randint(1, 3))
            order_create(user=user, address_id=address_of[user.pk])

    def token(user: User) -> str:
        return f"Bearer {UserRefreshToken.for_user(user).access_token}"

    return Seed(
        product_ids=[product.pk for product in products],
        cart_tokens=[token(user) for user in by_role["cart"]],
        checkout=[(token(user), address_of[user.pk]) for user in by_role["checkout"]],
        history_tokens=[token(user) for user in by_role["history"]],
    )


# --- server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_start(port: int, workers: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "gunicorn", "config.wsgi", "--workers", str(workers)]
    command += ["--bind", f"127.0.0.1:{port}", "--log-level", "warning"]
    # Static files are not collected: the API serves none (whitenoise would warn of it).
    env = os.environ | {"PYTHONWARNINGS": "ignore:No directory at"}
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited with status {server.returncode}")
        try:
            with urlopen(f"http://127.0.0.1:{port}/api/ping/", timeout=2):
                return server  # urlopen raises unless the answer is 2xx
        except OSError:  # not listening yet
            pass
        time.sleep(0.2)
    server.terminate()
    sys.exit("gunicorn did not answer within 60 s")


# --- scenarios ------------------------------------------------------------------------


class Client:
    """HTTP/1.1 over a fresh connection per request, as gunicorn's sync workers serve it.

    A few lines of asyncio instead of an HTTP library: the driver shares the machine with
    the server, and httpx spent more CPU per request than the server's floor endpoint
    (it capped the floor at ~300 requests/s where this client reaches ~1,700).
    """

    def __init__(self, port: int) -> None:
        self.port = port

    async def request(
        self, method: str, path: str, *, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> int:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
        lines += [f"Content-Length: {len(body)}"] if body else []
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        response = await reader.read()  # to the end: the server closes the connection
        writer.close()
        return int(response[9:12])

    async def get(self, path: str, headers: dict[str, str] | None = None) -> int:
        return await self.request("GET", path, headers=headers)

    async def post(self, path: str, data: object, headers: dict[str, str] | None = None) -> int:
        body = data if isinstance(data, bytes) else json.dumps(data).encode()
        headers = {"Content-Type": "application/json", **(headers or {})}
        return await self.request("POST", path, body=body, headers=headers)


Record = Callable[[str, float, int], None]
Step = Callable[[Client, int, random.Random, Record], Awaitable[None]]


async def timed(label: str, record: Record, request: Awaitable[int]) -> None:
    started = time.perf_counter()
    status = await request
    record(label, time.perf_counter() - started, status)


def signed_event(rng: random.Random) -> tuple[bytes, str]:
    """A payment_intent.succeeded event for an intent no order has: recorded, ignored."""
    event_id = f"evt_bench_{rng.getrandbits(64):016x}"
    intent = {"id": f"pi_bench_{event_id[-12:]}", "object": "payment_intent", "amount": 1000}
    intent |= {"amount_received": 1000, "currency": "usd", "status": "succeeded"}
    event = {"id": event_id, "object": "event", "type": "payment_intent.succeeded"}
    body = json.dumps(event | {"created": int(time.time()), "data": {"object": intent}})
    timestamp = int(time.time())
    digest = hmac.new(WEBHOOK_SECRET.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256)
    return body.encode(), f"t={timestamp},v1={digest.hexdigest()}"


def scenarios(data: Seed) -> dict[str, Step]:
    products = data.product_ids
    pages = PRODUCTS // 20

    async def ping(client: Client, i: int, rng: random.Random, record: Record) -> None:
        await timed("ping", record, client.get("/api/ping/"))

    async def product_list(client: Client, i: int, rng: random.Random, record: Record) -> None:
        offset = rng.randrange(pages) * 20
        await timed("product list", record, client.get(f"/api/products/?offset={offset}"))

    async def product_detail(client: Client, i: int, rng: random.Random, record: Record) -> None:
        path = f"/api/products/{rng.choice(products)}/"
        await timed("product detail", record, client.get(path))

    async def search(client: Client, i: int, rng: random.Random, record: Record) -> None:
        path = f"/api/products/?search={rng.choice(SEARCH_TERMS)}"
        await timed("search", record, client.get(path))

    async def cart_add(client: Client, i: int, rng: random.Random, record: Record) -> None:
        body = {"product_id": products[i * 5 + rng.randrange(5)]}  # 5 lines at most
        headers = {"Authorization": data.cart_tokens[i]}
        await timed("cart add", record, client.post("/api/cart/add/", body, headers))

    async def cart_get(client: Client, i: int, rng: random.Random, record: Record) -> None:
        headers = {"Authorization": data.cart_tokens[i]}
        await timed("cart get", record, client.get("/api/cart/", headers))

    async def checkout(client: Client, i: int, rng: random.Random, record: Record) -> None:
        token, address_id = data.checkout[i]
        headers = {"Authorization": token}
        line = {"product_id": rng.choice(products), "quantity": rng.randint(1, 3)}
        if await client.post("/api/cart/add/", line, headers) != 200:
            raise RuntimeError("could not fill the cart before checking out")
        order = client.post("/api/orders/create/", {"address_id": address_id}, headers)
        await timed("checkout", record, order)

    async def order_history(client: Client, i: int, rng: random.Random, record: Record) -> None:
        headers = {"Authorization": data.history_tokens[i]}
        await timed("order history", record, client.get("/api/orders/my/", headers))

    async def list_under_login_flood(
        client: Client, i: int, rng: random.Random, record: Record
    ) -> None:
        """Half the clients browse; the other half try passwords, each from an address and
        on an account of its own (under every rate limit), so that every try is hashed."""
        if i % 2:
            await product_list(client, i, rng, record)
            return
        address = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        body = {"email": f"flood-{rng.getrandbits(48)}@example.com", "password": "not-it-123"}
        await client.post("/api/token/", body, {"X-Forwarded-For": address})  # 401 or 503

    async def webhook(client: Client, i: int, rng: random.Random, record: Record) -> None:
        body, signature = signed_event(rng)
        request = client.post("/api/payments/webhook/", body, {"Stripe-Signature": signature})
        await timed("webhook", record, request)

    return {
        "ping": ping,
        "product list": product_list,
        "product detail": product_detail,
        "search": search,
        "cart add": cart_add,
        "cart get": cart_get,
        "checkout": checkout,
        "order history": order_history,
        "webhook": webhook,
        "list under login flood": list_under_login_flood,
    }


@dataclass
class Figures:
    latencies: list[float]
    failures: int
    seconds: float

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


async def run(port: int, step: Step, *, clients: int, seconds: float, warmup: float) -> Figures:
    latencies: list[float] = []
    failures = 0
    recording = False

    def record(label: str, elapsed: float, status: int) -> None:
        nonlocal failures
        if not recording:
            return
        if 200 <= status < 300:
            latencies.append(elapsed)
        else:
            failures += 1

    client = Client(port)

    async def loop(i: int, until: float) -> None:
        rng = random.Random(i * 7919 + int(until))
        while time.perf_counter() < until:
            await step(client, i, rng, record)

    await asyncio.gather(*(loop(i, time.perf_counter() + warmup) for i in range(clients)))
    recording = True
    started = time.perf_counter()
    await asyncio.gather(*(loop(i, started + seconds) for i in range(clients)))
    return Figures(latencies=latencies, failures=failures, seconds=time.perf_counter() - started)


def report(results: dict[str, tuple[Figures, Figures]], *, clients: int) -> bool:
    """Print the table; True if every target is met."""
    print(f"\n{clients} concurrent clients; floor = GET /api/ping/, measured just before\n")
    print("| scenario | requests/s | p50 ms | p99 ms | floor req/s | of floor | errors | target |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    met = True
    for name, (figures, floor) in results.items():
        p99 = figures.percentile(0.99)
        share = figures.per_second / floor.per_second
        wanted = []
        ok = figures.failures == 0
        if name in SHARE_TARGETS:
            wanted.append(f">= {SHARE_TARGETS[name]:.0%}")
            ok &= share >= SHARE_TARGETS[name]
        if name in READS:
            wanted.append(f"p99 < {P99_TARGET_MS} ms")
            ok &= p99 < P99_TARGET_MS
        verdict = (", ".join(wanted) + (" ok" if ok else " MISSED")) if wanted else ""
        met &= ok or not wanted
        print(
            f"| {name} | {figures.per_second:.0f} | {figures.percentile(0.5):.1f} | {p99:.1f} "
            f"| {floor.per_second:.0f} | {share:.0%} | {figures.failures} | {verdict} |"
        )
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per scenario")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before measuring")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--only", action="append", help="run this scenario (repeatable)")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    if not url.startswith("postgres") or "bench" not in urlsplit(url).path:
        sys.exit("DATABASE_URL must be a PostgreSQL database made for the benchmark ('bench').")
    os.environ.update(SERVER_ENV, DATABASE_URL=url)
    sys.path.insert(0, str(ROOT))

    print(f"recreating {urlsplit(url).path.lstrip('/')}, migrating, seeding ...", flush=True)
    database_recreate(url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    data = seed(args.clients)
    with connection.cursor() as cursor:  # planner statistics, as autovacuum would gather
        cursor.execute("VACUUM ANALYZE")
    connection.close()

    port = free_port()
    server = gunicorn_start(port, args.workers)
    steps = scenarios(data)
    chosen = args.only or [name for name in steps if name != "ping"]

    def measure(name: str, seconds: float) -> Figures:
        step = steps[name]
        return asyncio.run(
            run(port, step, clients=args.clients, seconds=seconds, warmup=args.warmup)
        )

    # Each scenario is compared with the floor measured right before it, so a change in
    # the machine's load during the run moves both figures alike.
    results: dict[str, tuple[Figures, Figures]] = {}
    try:
        for name in chosen:
            print(f"  {name} ...", flush=True)
            floor = measure("ping", args.duration / 2)
            results[name] = (measure(name, args.duration), floor)
        results = {"ping": (floor, floor), **results}
    finally:
        server.terminate()
        server.wait(timeout=30)
    met = report(results, clients=args.clients)
    print("\nall targets met" if met else "\nsome targets missed")


if __name__ == "__main__":
    main()
