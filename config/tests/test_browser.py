"""The merchant's admin, and a storefront on another origin calling the API (CORS), in a
real browser against the live test server.

Playwright drives Debian's chromium (`/usr/bin/chromium`, never a browser Playwright
downloads). Without it, or without the playwright package, these tests are skipped,
unless REQUIRE_BROWSER_TESTS=1 (CI), which makes them fail. A test that fails in the
browser leaves a screenshot in test-artifacts/. SAVE_DOCS_SCREENSHOTS=1 also writes the
README's screenshots to docs/.

Each test writes its data, then browses, then checks the database. Nothing touches the
database while the browser is open: Playwright's sync API runs an event loop in this
thread, and Django would hand the test another connection there (one the test's
teardown never sees), besides refusing it as async-unsafe.
"""

import functools
import importlib.util
import io
import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from PIL import Image

from accounts.groups import CATALOG_MANAGERS, ORDER_MANAGERS
from accounts.management.commands.seed_demo import DEMO_ADMIN
from accounts.models import User
from accounts.tests.factories import PASSWORD, user_make
from catalog.inventory import Reason, stock_reserve
from catalog.models import Variant
from catalog.tests.factories import category_make, default_variant, product_make
from shop.models import Order, OrderStatus
from shop.order_flow import order_mark_paid
from shop.tests.factories import order_place

if TYPE_CHECKING:
    from playwright.sync_api import Page

# Committed data for the live server's thread; the staff groups that migrations create
# come back after each test's flush.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    # No internet here: keep chromium from phoning home.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1440, "height": 900}  # wide enough for Unfold's sidebar
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
DOCS = Path(settings.BASE_DIR) / "docs"

Browse = Callable[[], AbstractContextManager["Page"]]


def _missing() -> str:
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is not installed (pip install -r requirements-dev.txt)"
    if not CHROMIUM.exists():
        return f"no chromium at {CHROMIUM} (apt-get install chromium)"
    return ""


@pytest.fixture
def browse(request: pytest.FixtureRequest, live_server: Any) -> Browse:
    """`with browse() as page:` a fresh chromium page; a failure inside is screenshotted."""
    if reason := _missing():
        if os.environ.get("REQUIRE_BROWSER_TESTS") == "1":
            pytest.fail(f"REQUIRE_BROWSER_TESTS=1 but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    @contextmanager
    def session() -> Iterator["Page"]:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport=VIEWPORT)
            page.set_default_timeout(10_000)
            try:
                yield page
            except BaseException:
                ARTIFACTS.mkdir(exist_ok=True)
                page.screenshot(path=ARTIFACTS / f"{request.node.name}.png", full_page=True)
                raise
            finally:
                browser.close()

    return session


@pytest.fixture
def merchant(transactional_db: None) -> User:
    """A staff user of both staff groups: the catalog and the orders."""
    user = user_make("merchant@example.com", is_staff=True, first_name="Mia")
    user.groups.set(Group.objects.filter(name__in=[CATALOG_MANAGERS, ORDER_MANAGERS]))
    return user


def log_in(page: "Page", base_url: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/admin/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/admin/")


def docs_screenshot(page: "Page", name: str) -> None:
    """With SAVE_DOCS_SCREENSHOTS=1: the visible page as docs/<name>.png, in 256 colours."""
    if os.environ.get("SAVE_DOCS_SCREENSHOTS") != "1":
        return
    image = Image.open(io.BytesIO(page.screenshot()))
    DOCS.mkdir(exist_ok=True)
    image.convert("RGB").quantize(colors=256).save(DOCS / f"{name}.png", optimize=True)


def test_staff_log_in_and_land_on_the_dashboard(
    browse: Browse, live_server: Any, merchant: User
) -> None:
    with browse() as page:
        page.goto(f"{live_server.url}/admin/")
        assert "/admin/login/" in page.url
        page.fill("#id_username", merchant.email)
        page.fill("#id_password", "not the password")
        page.click("button[type=submit]")
        page.get_by_text("Please enter the correct email address and password").wait_for()

        log_in(page, live_server.url, merchant.email)
        assert page.get_by_text("Revenue today").is_visible()
        sidebar = page.locator("#nav-sidebar")
        assert sidebar.get_by_role("link", name=re.compile(r"Orders$")).is_visible()
        assert sidebar.get_by_role("link", name=re.compile(r"Products$")).is_visible()


def test_import_a_product_csv_preview_then_confirm(
    browse: Browse, live_server: Any, merchant: User, tmp_path: Path
) -> None:
    category_make(name="Mugs", slug="mugs")
    csv = tmp_path / "products.csv"
    csv.write_text(
        "sku,name,description,price,stock,category,is_active\n"
        "MUG-RED,Red Mug,Stoneware,12.50,20,mugs,true\n"
        "MUG-BLUE,Blue Mug,Stoneware,13.00,4,mugs,true\n"
    )

    with browse() as page:
        log_in(page, live_server.url, merchant.email)
        page.goto(f"{live_server.url}/admin/catalog/product/")
        page.get_by_role("link", name="Import").click()
        page.set_input_files("#id_import_file", csv)
        page.select_option("#id_format", label="csv")
        page.get_by_role("button", name="Submit").click()

        preview = page.locator("#content")
        preview.get_by_text("Red Mug").wait_for()
        assert preview.get_by_text("Blue Mug").is_visible()
        docs_screenshot(page, "product-import")

        page.get_by_role("button", name="Confirm import").click()
        page.wait_for_url(f"{live_server.url}/admin/catalog/product/")
        listing = page.locator("#result_list")
        assert listing.get_by_text("Red Mug").is_visible()
        assert listing.get_by_text("Blue Mug").is_visible()

    skus = dict(Variant.objects.filter(sku__startswith="MUG-").values_list("sku", "stock"))
    assert skus == {"MUG-RED": 20, "MUG-BLUE": 4}


def _sell_meanwhile(variant_id: int, quantity: int) -> None:
    """A checkout while the page is open (in a thread: playwright's loop forbids the ORM)."""

    def sell() -> None:
        try:
            stock_reserve(lines=[(variant_id, quantity)], reason=Reason.CHECKOUT)
        finally:
            connection.close()

    thread = threading.Thread(target=sell)
    thread.start()
    thread.join()


def test_adjust_stock_from_the_product_page(
    browse: Browse, live_server: Any, merchant: User
) -> None:
    """The variants inline's Adjust link opens the stock dialog over the page; a figure
    that moved meanwhile is refused inside the dialog, and the retry starts from it."""
    lamp = default_variant(product_make(name="Desk lamp", sku="LAMP-1", stock=5))

    with browse() as page:
        log_in(page, live_server.url, merchant.email)
        page.goto(f"{live_server.url}/admin/catalog/product/{lamp.product_id}/change/")
        _sell_meanwhile(lamp.pk, 2)  # 3 left
        page.get_by_role("link", name="Adjust").click()
        dialog = page.locator("#dialog")
        dialog.get_by_text("Desk lamp, SKU LAMP-1: 5 in stock as shown").wait_for()
        dialog.locator("#id_delta").fill("10")
        dialog.get_by_role("button", name="Adjust stock").click()

        dialog.get_by_text("changed from 5 to 3").wait_for()  # refused, the dialog stays open
        dialog.get_by_role("button", name="Adjust stock").click()  # again, from 3
        page.get_by_text("The stock of LAMP-1 is now 13.").wait_for()
        assert page.url.endswith(f"/admin/catalog/product/{lamp.product_id}/change/")

    lamp.refresh_from_db()
    assert lamp.stock == 13
    assert lamp.movements.get(reason=Reason.ADMIN).actor == merchant


def test_ship_a_paid_order_with_its_tracking_number(
    browse: Browse, live_server: Any, merchant: User, customer: User
) -> None:
    mug = product_make(name="Stoneware Mug", sku="MUG-1", price="12.50", stock=10)
    order = order_mark_paid(order=order_place(user=customer, items=[(mug, 2)]))

    with browse() as page:
        log_in(page, live_server.url, merchant.email)
        page.locator("#nav-sidebar").get_by_role("link", name=re.compile(r"Orders")).click()
        page.get_by_role("link", name=order.number).click()
        page.get_by_role("link", name="Mark processing").click()
        page.get_by_role("button", name="Mark processing").click()  # the confirmation dialog
        page.get_by_text(f"Order {order.number} is now processing.").wait_for()
        page.get_by_role("link", name="Ship").click()
        page.locator("#dialog").wait_for()  # Unfold's dialog, over the order's page
        assert page.url.endswith(f"/admin/shop/order/{order.pk}/change/")
        page.fill("#id_tracking_number", "1Z999AA10123456784")
        page.get_by_role("button", name="Ship order").click()

        page.get_by_text(f"Order {order.number} is now shipped.").wait_for()
        event = "Status changed from Processing to Shipped. Tracking number 1Z999AA10123456784."
        timeline = page.get_by_text(event)
        assert timeline.is_visible()
        timeline.scroll_into_view_if_needed()
        docs_screenshot(page, "order")

    order.refresh_from_db()
    assert (order.status, order.tracking_number) == (OrderStatus.SHIPPED, "1Z999AA10123456784")


def test_the_dashboard_draws_its_chart_from_the_demo_data(
    browse: Browse, live_server: Any, transactional_db: None
) -> None:
    for command in ("seed_demo", "seed_catalog", "seed_orders"):
        call_command(command, stdout=io.StringIO())
    assert Order.objects.exclude(paid_at=None).exists()

    with browse() as page:
        log_in(page, live_server.url, *DEMO_ADMIN)
        page.locator("canvas.chart").wait_for()
        drawn = page.evaluate(
            """() => {
                const canvas = document.querySelector("canvas.chart");
                const chart = Chart.getChart(canvas);
                const pixels = canvas.getContext("2d")
                    .getImageData(0, 0, canvas.width, canvas.height).data;
                let painted = 0;
                for (let i = 3; i < pixels.length; i += 4) if (pixels[i]) painted++;
                return {
                    width: canvas.width,
                    height: canvas.height,
                    days: chart ? chart.data.labels.length : 0,
                    datasets: chart ? chart.data.datasets.length : 0,
                    painted,
                };
            }"""
        )
        assert drawn["width"] > 0
        assert drawn["height"] > 0
        assert (drawn["days"], drawn["datasets"]) == (30, 2)
        assert drawn["painted"] > 1000  # bars and a line, not an empty canvas
        assert page.get_by_text("Orders to ship").is_visible()
        docs_screenshot(page, "dashboard")


@pytest.fixture
def storefront(tmp_path: Path, settings: Any) -> Iterator[str]:
    """A storefront's origin (`http://localhost:<port>`, an empty page) the API allows."""
    (tmp_path / "index.html").write_text("<!doctype html><title>Storefront</title>")
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("localhost", 0), handler)
    origin = f"http://localhost:{server.server_address[1]}"
    settings.CORS_ALLOWED_ORIGINS = [origin]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield origin
    server.shutdown()
    server.server_close()


def test_a_storefront_on_another_origin_calls_the_api(
    browse: Browse, live_server: Any, storefront: str, customer: User
) -> None:
    product_make(name="Stoneware Mug", sku="MUG-1", price="12.50", stock=10)

    with browse() as page:
        page.goto(f"{storefront}/index.html")
        answers = page.evaluate(
            """async ({api, email, password}) => {
                const products = await (await fetch(`${api}/api/products/`)).json();
                // JSON and a bearer token: preflighted requests
                const login = await fetch(`${api}/api/token/`, {
                    method: "POST",
                    headers: {"Content-Type": "application/json"},
                    body: JSON.stringify({email, password}),
                });
                const {access} = await login.json();
                const me = await fetch(`${api}/api/auth/me/`, {
                    headers: {"Authorization": `Bearer ${access}`},
                });
                const refused = await fetch(`${api}/api/auth/me/`);
                return {
                    origin: location.origin,
                    names: products.items.map((product) => product.name),
                    login: login.status,
                    me: (await me.json()).email,
                    refused: [refused.status, (await refused.json()).code],
                };
            }""",
            {"api": live_server.url, "email": customer.email, "password": PASSWORD},
        )

    assert answers["origin"] == storefront != live_server.url
    assert answers["names"] == ["Stoneware Mug"]
    assert answers["login"] == 200
    assert answers["me"] == customer.email
    assert answers["refused"] == [401, "token_missing"]
