"""localstripe, a Stripe-compatible server run locally (never the real one), for the suites
that pay end to end (a pytest plugin: the root conftest loads it for every app's tests).

Skipped when localstripe is not installed, unless REQUIRE_LOCALSTRIPE=1 (CI): then it fails.
"""

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from payments.tests.helpers import WEBHOOK_SECRET

LOCALSTRIPE_SECRET_KEY = "sk_test_localstripe"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/js.stripe.com/v3/", timeout=1) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="session")
def localstripe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """localstripe on a free port for the session; its base URL."""
    if importlib.util.find_spec("localstripe") is None:
        reason = "localstripe is not installed (pip install -r requirements-dev.txt)"
        if os.environ.get("REQUIRE_LOCALSTRIPE") == "1":
            pytest.fail(f"REQUIRE_LOCALSTRIPE=1 but {reason}.")
        pytest.skip(reason)
    port = _free_port()
    log_path: Path = tmp_path_factory.mktemp("localstripe") / "localstripe.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "localstripe", "--port", str(port), "--from-scratch"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while not _answers(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"localstripe did not start:\n{log_path.read_text()}")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def shop_at_localstripe(localstripe: str, settings: pytest.FixtureRequest) -> str:
    """The shop's Stripe settings pointed at localstripe; its base URL."""
    settings.STRIPE_API_BASE = localstripe
    settings.STRIPE_SECRET_KEY = LOCALSTRIPE_SECRET_KEY
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_localstripe"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    return localstripe


def webhook_to(localstripe: str, url: str, events: list[str] | None = None) -> None:
    """Tell localstripe where to send its signed events (replacing the previous target)."""
    body = json.dumps({"url": url, "secret": WEBHOOK_SECRET, "events": events}).encode()
    request = urllib.request.Request(
        f"{localstripe}/_config/webhooks/novacart",
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200
