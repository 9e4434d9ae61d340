"""More than one app server: two gunicorn processes on the same PostgreSQL database.

Checkouts of a scarce product race through both servers: the row locks, not anything
in one process's memory, must keep stock from being oversold. The rate limits of login
(and register, password reset) count in Redis when REDIS_URL is set, so the servers
share one budget per client.
"""

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
import redis
from django.conf import settings
from django.db import connection

from accounts.tests.factories import bearer, user_make
from catalog.inventory import Reason
from catalog.models import StockMovement
from catalog.tests.factories import product_make, stock_of
from core.testing import race
from shop.cart import cart_line_add
from shop.models import Order
from shop.tests.factories import address_make

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: two gunicorn processes share one database",
    ),
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(settings.BASE_DIR)
RATE_LIMIT = 5  # per minute, for the servers started here
REDIS_URL = "redis://127.0.0.1:6379/9"  # a database number of its own


@dataclass(frozen=True)
class Servers:
    urls: tuple[str, str]
    shared_cache: bool  # REDIS_URL was given to both


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _redis_up() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except redis.RedisError:
        return False


def _database_url() -> str:
    db = connection.settings_dict  # the test database pytest-django made
    credentials = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{credentials}@{host}/{db['NAME']}"


def _wait_healthy(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/api/health/", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"gunicorn at {url} did not become healthy:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def servers(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """Two gunicorn servers (2 workers each) on the test database; Redis shared if up."""
    shared_cache = _redis_up()
    if not shared_cache and os.environ.get("REQUIRE_POSTGRES_TESTS"):
        pytest.fail(f"REQUIRE_POSTGRES_TESTS is set but Redis at {REDIS_URL} is down.")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": _database_url(),
        "DEBUG": "true",
        "AUTH_RATE_LIMIT": f"{RATE_LIMIT}/min",
        "CACHE_KEY_PREFIX": f"novacart-test-{uuid.uuid4().hex}",  # parallel runs never meet
        "LOG_LEVEL": "WARNING",
    }
    if shared_cache:
        env["REDIS_URL"] = REDIS_URL
    else:
        env.pop("REDIS_URL", None)
    logs = tmp_path_factory.mktemp("gunicorn")
    started: list[tuple[str, subprocess.Popen, Path]] = []
    try:
        for name in ("one", "two"):
            port = _free_port()
            log = logs / f"{name}.log"
            command = [sys.executable, "-m", "gunicorn", "config.wsgi", "--workers", "2"]
            command += ["--bind", f"127.0.0.1:{port}", "--log-level", "warning"]
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=log.open("wb"),
                stderr=subprocess.STDOUT,
            )
            started.append((f"http://127.0.0.1:{port}", process, log))
        for url, process, log in started:
            _wait_healthy(url, process, log)
        yield Servers(urls=(started[0][0], started[1][0]), shared_cache=shared_cache)
    finally:
        for _, process, _ in started:
            process.terminate()
        for _, process, _ in started:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_checkouts_racing_through_two_servers_never_oversell(servers: Servers) -> None:
    product = product_make(stock=5)
    buyers = []
    for i in range(24):
        user = user_make(f"buyer{i}@example.com")
        cart_line_add(user=user, product_id=product.pk, quantity=1)
        url = servers.urls[i % 2]  # half of them through each server
        buyers.append((url, bearer(user)["HTTP_AUTHORIZATION"], address_make(user=user).pk))

    def checkout(buyer: tuple[str, str, int]) -> httpx.Response:
        url, token, address_id = buyer
        return httpx.post(
            f"{url}/api/orders/create/",
            json={"address_id": address_id},
            headers={"Authorization": token},
            timeout=60,
        )

    responses = race(lambda i: checkout(buyers[i]), len(buyers))

    statuses = [getattr(r, "status_code", r) for r in responses]
    assert sorted(statuses) == [201] * 5 + [409] * 19, statuses
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"out_of_stock"}
    winners = {r.json()["id"] for r in responses if r.status_code == 201}
    assert set(Order.objects.values_list("id", flat=True)) == winners
    assert stock_of(product) == 0
    assert StockMovement.objects.filter(reason=Reason.CHECKOUT).count() == 5
    assert {buyers[i][0] for i, s in enumerate(statuses) if s == 201} <= set(servers.urls)


def test_login_rate_limit_is_shared_by_both_servers(servers: Servers) -> None:
    if not servers.shared_cache:
        pytest.skip(f"Redis is not running at {REDIS_URL}: no shared rate-limit counters")
    wrong = {"email": "nobody@example.com", "password": "wrong-password"}

    statuses = [
        httpx.post(f"{servers.urls[i % 2]}/api/token/", json=wrong, timeout=30).status_code
        for i in range(RATE_LIMIT * 2)
    ]

    # One budget for the client, whichever server (and worker) answered.
    assert statuses == [401] * RATE_LIMIT + [429] * RATE_LIMIT, statuses
