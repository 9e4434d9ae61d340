"""The product page in a real browser: the variants inline's Adjust link opens the stock
dialog over the page (Unfold's modal, loaded by htmx), and a refusal stays in the dialog.

Skipped without playwright and chromium, like config/tests/test_browser.py, whose
browser fixtures these are.
"""

import threading
from typing import Any

from django.db import connection

from accounts.models import User
from catalog.inventory import Reason, stock_reserve
from catalog.tests.factories import default_variant, product_make
from config.tests import test_browser as kit

browse, merchant = kit.browse, kit.merchant  # the fixtures, shared


def sell_meanwhile(variant_id: int, quantity: int) -> None:
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
    browse: kit.Browse, live_server: Any, merchant: User
) -> None:
    lamp = default_variant(product_make(name="Desk lamp", sku="LAMP-1", stock=5))

    with browse() as page:
        kit.log_in(page, live_server.url, merchant.email)
        page.goto(f"{live_server.url}/admin/catalog/product/{lamp.product_id}/change/")
        sell_meanwhile(lamp.pk, 2)  # 3 left
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
