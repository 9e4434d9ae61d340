"""The TypeScript SDK's storefront journey (clients/typescript) against the live server.

Django's live server and localstripe run here, localstripe's webhooks reach the server;
`npm run journey` compiles the SDK and the journey under strict tsc and runs it with
node's test runner. Skipped without node or clients/typescript/node_modules (`npm ci`
there), unless REQUIRE_SDK_JOURNEY=1 (CI): then it fails.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from catalog.tests.factories import category_make, product_make
from payments.tests.helpers import WEBHOOK_URL
from payments.tests.localstripe import LOCALSTRIPE_SECRET_KEY, webhook_to

SDK = Path(settings.BASE_DIR) / "clients" / "typescript"
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def npm() -> str:
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        reason = "node and npm are not installed"
    elif not (SDK / "node_modules").is_dir():
        reason = f"the SDK's packages are not installed (npm ci in {SDK})"
    else:
        return npm
    if os.environ.get("REQUIRE_SDK_JOURNEY") == "1":
        pytest.fail(f"REQUIRE_SDK_JOURNEY=1 but {reason}.")
    pytest.skip(reason)


def test_the_storefront_journey_runs_through_the_typescript_sdk(
    npm: str, live_server: object, shop_at_localstripe: str
) -> None:
    server = live_server.url  # type: ignore[attr-defined]
    webhook_to(shop_at_localstripe, f"{server}{WEBHOOK_URL}")
    shirts = category_make(name="Shirts")
    product_make(name="Linen shirt", price="24.50", stock=5, category=shirts)
    product_make(name="Wool socks", price="8.00", stock=9)
    product_make(name="Canvas bag", price="15.00", stock=3)

    journey = subprocess.run(
        [npm, "run", "--silent", "journey"],
        cwd=SDK,
        env={
            **os.environ,
            "NOVACART_API_URL": server,
            "LOCALSTRIPE_URL": shop_at_localstripe,
            "LOCALSTRIPE_SECRET_KEY": LOCALSTRIPE_SECRET_KEY,
        },
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert journey.returncode == 0, f"npm run journey:\n{journey.stdout}\n{journey.stderr}"
