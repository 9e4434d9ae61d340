"""The merchant's order screens: list, page, state-machine actions, export, carts."""

import csv
import io

import openpyxl
import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.groups import ORDER_MANAGERS
from accounts.models import User
from accounts.tests.factories import user_make
from catalog.inventory import stock_drift
from catalog.tests.factories import (
    default_variant,
    product_make,
    product_with_options_make,
    stock_of,
)
from core.testing import dialog_post
from shop import order_flow
from shop.cart import cart_line_add
from shop.models import Order, OrderEvent, OrderStatus
from shop.order_flow import order_mark_paid
from shop.tests.factories import order_movements, order_place

pytestmark = pytest.mark.django_db
S = OrderStatus


@pytest.fixture
def order_manager(db: None) -> User:
    user = user_make("orders@example.com", is_staff=True)
    user.groups.add(Group.objects.get(name=ORDER_MANAGERS))
    return user


@pytest.fixture
def merchant(client: Client, order_manager: User) -> Client:
    client.force_login(order_manager)
    return client


@pytest.fixture
def paid_order(customer: User) -> Order:
    order = order_place(user=customer, items=[(product_make(name="Mug", sku="MUG-1", stock=5), 2)])
    return order_mark_paid(order=order)


def detail_url(order: Order, action: str) -> str:
    return reverse(f"admin:shop_order_detail_{action}", args=[order.pk])


def test_changelist_lists_filters_and_searches(
    merchant: Client, customer: User, paid_order: Order
) -> None:
    pending = order_place(user=customer, items=[(product_make(sku="TEE-9", stock=5), 1)])
    response = merchant.get("/admin/shop/order/")
    assert response.status_code == 200
    assert paid_order.number.encode() in response.content
    assert pending.number.encode() in response.content

    only_paid = merchant.get("/admin/shop/order/?status__exact=PAID")
    assert paid_order.number.encode() in only_paid.content
    assert pending.number.encode() not in only_paid.content
    by_sku = merchant.get("/admin/shop/order/?q=TEE-9")
    assert pending.number.encode() in by_sku.content
    assert paid_order.number.encode() not in by_sku.content
    by_email = merchant.get("/admin/shop/order/?q=ann@example")
    assert by_email.content.count(b"ann@example.com") >= 2


def test_order_page_shows_lines_timeline_and_only_allowed_actions(
    merchant: Client, paid_order: Order
) -> None:
    response = merchant.get(f"/admin/shop/order/{paid_order.pk}/change/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "MUG-1" in content
    assert "Status changed from Pending payment to Paid." in content
    assert detail_url(paid_order, "mark_processing") in content
    assert detail_url(paid_order, "ship") not in content
    assert detail_url(paid_order, "cancel") not in content
    assert 'name="_save"' not in content  # orders are never saved from a form


def test_merchant_ships_then_delivers(
    merchant: Client, paid_order: Order, order_manager: User, django_capture_on_commit_callbacks
) -> None:
    dialog_post(merchant, detail_url(paid_order, "mark_processing"))
    paid_order.refresh_from_db()
    assert paid_order.status == S.PROCESSING

    form = merchant.get(detail_url(paid_order, "ship"))
    assert form.status_code == 200
    assert b"tracking_number" in form.content
    empty = dialog_post(merchant, detail_url(paid_order, "ship"), {"tracking_number": ""})
    assert empty.status_code == 200  # the form again, with its error
    paid_order.refresh_from_db()
    assert paid_order.status == S.PROCESSING

    with django_capture_on_commit_callbacks(execute=True):
        shipped = dialog_post(
            merchant, detail_url(paid_order, "ship"), {"tracking_number": "1Z-42"}
        )
    assert shipped.status_code == 302
    paid_order.refresh_from_db()
    assert paid_order.status == S.SHIPPED
    assert paid_order.tracking_number == "1Z-42"
    event = paid_order.events.filter(to_status=S.SHIPPED).get()
    assert event.actor == order_manager
    assert "1Z-42" in event.message
    assert any("1Z-42" in m.body for m in mail.outbox)
    page = merchant.get(f"/admin/shop/order/{paid_order.pk}/change/", follow=True)
    assert b"1Z-42" in page.content

    dialog_post(merchant, detail_url(paid_order, "mark_delivered"))
    paid_order.refresh_from_db()
    assert paid_order.status == S.DELIVERED


def test_detail_action_not_allowed_from_status_is_refused(
    merchant: Client, paid_order: Order
) -> None:
    response = merchant.get(detail_url(paid_order, "cancel"))
    assert response.status_code == 403
    paid_order.refresh_from_db()
    assert paid_order.status == S.PAID


def test_bulk_cancel_cancels_pending_and_reports_the_rest(
    merchant: Client, customer: User, paid_order: Order
) -> None:
    product = product_make(stock=5)
    pending = order_place(user=customer, items=[(product, 2)])
    response = merchant.post(
        "/admin/shop/order/",
        {"action": "bulk_order_cancel", "_selected_action": [pending.pk, paid_order.pk]},
        follow=True,
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert f"Cancelled 1 order(s): {pending.number}" in text
    assert paid_order.number in text
    pending.refresh_from_db()
    paid_order.refresh_from_db()
    assert (pending.status, paid_order.status) == (S.CANCELLED, S.PAID)
    assert stock_of(product) == 5
    sku = default_variant(product).sku
    assert order_movements(pending) == [(sku, "checkout", -2, 3), (sku, "cancel", 2, 5)]
    assert stock_drift() == []


def test_bulk_mark_processing_records_events(merchant: Client, paid_order: Order) -> None:
    merchant.post(
        "/admin/shop/order/",
        {"action": "bulk_order_mark_processing", "_selected_action": [paid_order.pk]},
    )
    paid_order.refresh_from_db()
    assert paid_order.status == S.PROCESSING
    assert paid_order.events.filter(type=OrderEvent.Type.STATUS).count() == 2


def test_staff_without_order_permissions_cannot_act(client: Client, paid_order: Order) -> None:
    client.force_login(user_make("intern@example.com", is_staff=True))
    assert client.get(f"/admin/shop/order/{paid_order.pk}/change/").status_code == 403
    assert client.get(detail_url(paid_order, "mark_processing")).status_code == 403
    paid_order.refresh_from_db()
    assert paid_order.status == S.PAID


def test_export_csv_has_one_row_per_line_with_formulae_escaped(
    merchant: Client, customer: User
) -> None:
    evil = product_make(name='=HYPERLINK("http://x")', sku="EVIL-1", price="3.00", stock=5)
    order = order_place(user=customer, items=[(evil, 1), (product_make(sku="OK-1", stock=5), 2)])
    response = merchant.post(
        "/admin/shop/order/export/", {"format": "0", "resource": "0", "export_items": [order.pk]}
    )
    assert response.status_code == 200, response.content[:500]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["sku"] for row in rows] == ["EVIL-1", "OK-1"]
    assert rows[0]["name"] == '\'=HYPERLINK("http://x")'
    assert rows[0]["order_number"] == order.number
    assert rows[1]["quantity"] == "2"
    assert rows[0]["customer_email"] == "ann@example.com"


def test_export_xlsx(merchant: Client, paid_order: Order) -> None:
    formats = merchant.get("/admin/shop/order/export/").content.decode()
    xlsx_index = formats.split(">xlsx<")[0].rsplit('value="', 1)[1].split('"')[0]
    response = merchant.post("/admin/shop/order/export/", {"format": xlsx_index, "resource": "0"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header, *rows = list(sheet.values)
    assert header[0] == "order_number"
    assert rows[0][header.index("sku")] == "MUG-1"


def test_cart_admin_is_read_only(client: Client, superuser: User, customer: User) -> None:
    cart_line_add(user=customer, product_id=product_make(name="Lamp", stock=5).pk, quantity=2)
    client.force_login(superuser)
    listing = client.get("/admin/shop/cart/")
    assert listing.status_code == 200
    assert b"ann@example.com" in listing.content
    cart = customer.cart
    page = client.get(f"/admin/shop/cart/{cart.pk}/change/")
    assert page.status_code == 200
    assert b"Lamp" in page.content
    assert b'name="_save"' not in page.content


def test_order_page_shows_which_variant_each_line_is(merchant: Client, customer: User) -> None:
    tee = product_with_options_make(name="Tee", options={"Size": ["M"], "Colour": ["Red"]})
    order = order_place(user=customer, items=[(default_variant(tee), 1)])

    content = merchant.get(f"/admin/shop/order/{order.pk}/change/").content.decode()

    assert default_variant(tee).sku in content
    assert "M / Red" in content


def test_address_admin_lists(client: Client, superuser: User, paid_order: Order) -> None:
    client.force_login(superuser)
    assert client.get("/admin/shop/address/?q=ann").status_code == 200


def test_order_list_links_customer_and_shows_flags_only_when_set(
    merchant: Client, customer: User, paid_order: Order
) -> None:
    order_flow.order_flag(order=paid_order, reason="Dispute dp_9 opened.")
    other = order_place(user=customer, items=[(product_make(stock=5), 1)])
    content = merchant.get("/admin/shop/order/").content.decode()
    assert reverse("admin:accounts_user_change", args=[customer.pk]) in content
    assert content.count("Dispute dp_9 opened.") == 1  # the flagged order's label, on hover
    assert other.number in content


def test_clear_flag_unflags_and_records_who(
    merchant: Client, order_manager: User, paid_order: Order
) -> None:
    page = merchant.get(f"/admin/shop/order/{paid_order.pk}/change/").content.decode()
    assert detail_url(paid_order, "clear_flag") not in page  # nothing to clear

    order_flow.order_flag(order=paid_order, reason="Dispute dp_9 opened.")
    page = merchant.get(f"/admin/shop/order/{paid_order.pk}/change/").content.decode()
    assert detail_url(paid_order, "clear_flag") in page
    response = dialog_post(merchant, detail_url(paid_order, "clear_flag"), follow=True)
    assert "is no longer flagged" in response.content.decode()
    paid_order.refresh_from_db()
    assert paid_order.flagged is False
    event = paid_order.events.order_by("-id").first()
    assert event.type == OrderEvent.Type.NOTE
    assert event.actor == order_manager
    assert "Dispute dp_9 opened." in event.message


def test_clearing_a_flag_needs_the_order_permissions(client: Client, paid_order: Order) -> None:
    order_flow.order_flag(order=paid_order, reason="Dispute dp_9 opened.")
    viewer = user_make("viewer@example.com", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_order"))
    client.force_login(viewer)
    assert client.get(detail_url(paid_order, "clear_flag")).status_code == 403
    paid_order.refresh_from_db()
    assert paid_order.flagged is True


def test_empty_order_list_explains_itself(merchant: Client) -> None:
    content = merchant.get("/admin/shop/order/").content.decode()
    assert "No orders yet" in content
    assert "as customers check out" in content
    filtered = merchant.get("/admin/shop/order/?status__exact=PAID").content.decode()
    assert "Nothing matches this search or these filters." in filtered


def test_user_list_links_to_the_users_orders(
    client: Client, superuser: User, customer: User, paid_order: Order
) -> None:
    client.force_login(superuser)
    content = client.get("/admin/accounts/user/").content.decode()
    url = f"/admin/shop/order/?user__id__exact={customer.pk}"
    assert url in content
    listing = client.get(url)
    assert listing.status_code == 200
    assert paid_order.number in listing.content.decode()


def _shipped(order: Order) -> Order:
    order_flow.order_mark_processing(order=order, actor=None)
    return order_flow.order_ship(order=order, actor=None, tracking_number="1Z-1")


def _flagged(order: Order) -> Order:
    return order_flow.order_flag(order=order, reason="Dispute dp_9 opened.")


def _pending(order: Order) -> Order:
    return order_place(user=order.user, items=[(product_make(sku="PEN-1"), 1)])


# action → (how to bring the paid order where the action applies, (status, flagged) after)
CONFIRMED_ACTIONS = {
    "mark_processing": (lambda order: order, (S.PROCESSING, False)),
    "mark_delivered": (_shipped, (S.DELIVERED, False)),
    "cancel": (_pending, (S.CANCELLED, False)),
    "clear_flag": (_flagged, (S.PAID, False)),
}


def _state(order: Order) -> tuple[str, bool]:
    order.refresh_from_db()
    return order.status, order.flagged


@pytest.fixture
def csrf_merchant(order_manager: User) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(order_manager)
    return client


@pytest.mark.parametrize("action", sorted(CONFIRMED_ACTIONS))
def test_a_get_only_asks_for_confirmation(
    csrf_merchant: Client, paid_order: Order, action: str
) -> None:
    """A cross-site link (a GET) to an action changes nothing: it shows a POST form."""
    order = CONFIRMED_ACTIONS[action][0](paid_order)
    before = _state(order)

    page = csrf_merchant.get(detail_url(order, action))

    assert page.status_code == 200
    content = page.content.decode()
    assert 'method="post"' in content
    assert 'name="csrfmiddlewaretoken"' in content
    assert order.number in content
    assert _state(order) == before


@pytest.mark.parametrize("action", sorted(CONFIRMED_ACTIONS))
def test_a_post_without_the_csrf_token_is_refused(
    csrf_merchant: Client, paid_order: Order, action: str
) -> None:
    order = CONFIRMED_ACTIONS[action][0](paid_order)
    before = _state(order)

    assert dialog_post(csrf_merchant, detail_url(order, action)).status_code == 403
    assert _state(order) == before


@pytest.mark.parametrize("action", sorted(CONFIRMED_ACTIONS))
def test_the_confirmed_post_acts(csrf_merchant: Client, paid_order: Order, action: str) -> None:
    prepare, after = CONFIRMED_ACTIONS[action]
    order = prepare(paid_order)
    csrf_merchant.get(detail_url(order, action))
    token = csrf_merchant.cookies["csrftoken"].value

    response = dialog_post(csrf_merchant, detail_url(order, action), {"csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert response.url == reverse("admin:shop_order_change", args=[order.pk])
    assert _state(order) == after


def test_actions_open_as_unfold_dialogs_and_reload_the_order(
    merchant: Client, paid_order: Order
) -> None:
    page = merchant.get(f"/admin/shop/order/{paid_order.pk}/change/").content.decode()
    assert f'hx-get="{detail_url(paid_order, "mark_processing")}"' in page

    dialog = merchant.get(detail_url(paid_order, "mark_processing"), HTTP_HX_REQUEST="true")
    assert 'id="dialog"' in dialog.content.decode()

    done = dialog_post(merchant, detail_url(paid_order, "mark_processing"), HTTP_HX_REQUEST="true")

    assert done.status_code == 200
    assert done["HX-Redirect"] == reverse("admin:shop_order_change", args=[paid_order.pk])
    assert _state(paid_order) == (S.PROCESSING, False)


def test_a_dialog_confirmed_after_the_order_moved_on_is_refused(
    merchant: Client, paid_order: Order
) -> None:
    url = detail_url(paid_order, "mark_processing")
    merchant.get(url)  # the dialog is open while the order moves on elsewhere
    order_flow.order_mark_processing(order=paid_order, actor=None)
    order_flow.order_ship(order=paid_order, actor=None, tracking_number="1Z-1")

    response = dialog_post(merchant, url)

    assert response.status_code == 403  # the action is no longer allowed from SHIPPED
    assert _state(paid_order) == (S.SHIPPED, False)


@pytest.mark.parametrize("path", ["abc/change/", "abc/refund/", "abc/ship/", "99999/ship/"])
def test_an_order_url_with_no_such_order_is_no_500(superuser: User, path: str) -> None:
    client = Client()
    client.force_login(superuser)
    response = client.get(f"/admin/shop/order/{path}")
    assert response.status_code in (302, 403, 404)
