"""The payments admin, and the Order page's payment parts (its refund action calls the
payments service)."""

import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from accounts.groups import ORDER_MANAGERS
from accounts.models import User
from accounts.tests.factories import user_make
from catalog.tests.factories import product_make
from core.testing import dialog_post
from payments.models import Payment, Refund, WebhookEvent
from payments.tests.helpers import FakeGateway, event_make, intent_object
from shop.models import Order, OrderStatus
from shop.tests.factories import order_place

pytestmark = pytest.mark.django_db


def _admin_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", ["payment", "refund", "webhookevent"])
@pytest.mark.parametrize("query", ["", "?q=pi_", "?status=succeeded"])
def test_changelists_render(superuser: User, paid: Payment, model: str, query: str) -> None:
    if model == "webhookevent":
        query = query.replace("status=succeeded", "failed=yes&processed=no")
    url = reverse(f"admin:payments_{model}_changelist") + query
    assert _admin_client(superuser).get(url).status_code == 200


def test_payment_page_links_its_order(superuser: User, paid: Payment) -> None:
    response = _admin_client(superuser).get(
        reverse("admin:payments_payment_change", args=[paid.pk])
    )
    assert response.status_code == 200
    assert reverse("admin:shop_order_change", args=[paid.order_id]) in response.content.decode()


def test_webhook_event_page_shows_the_payload(superuser: User, paid: Payment) -> None:
    event = WebhookEvent.objects.get()
    response = _admin_client(superuser).get(
        reverse("admin:payments_webhookevent_change", args=[event.pk])
    )
    assert response.status_code == 200
    assert paid.intent_id in response.content.decode()


def test_ledger_filters(superuser: User, payment: Payment) -> None:
    WebhookEvent.objects.create(
        stripe_id="evt_ok", type="a", payload={}, processed_at="2026-01-01T00:00Z"
    )
    WebhookEvent.objects.create(stripe_id="evt_bad", type="b", payload={}, error="Boom")
    client = _admin_client(superuser)
    url = reverse("admin:payments_webhookevent_changelist")

    failed = client.get(url + "?failed=yes").context["cl"].result_list
    processed = client.get(url + "?processed=yes").context["cl"].result_list
    by_type = client.get(url + "?type=b").context["cl"].result_list

    assert [e.stripe_id for e in failed] == ["evt_bad"]
    assert [e.stripe_id for e in processed] == ["evt_ok"]
    assert [e.stripe_id for e in by_type] == ["evt_bad"]


def test_process_again_applies_a_failed_event(
    superuser: User, payment: Payment, gateway: FakeGateway
) -> None:
    payload = event_make("payment_intent.succeeded", intent_object(payment.intent_id, amount=2500))
    failed = WebhookEvent.objects.create(
        stripe_id=payload["id"], type=payload["type"], payload=payload, error="RuntimeError: x"
    )

    response = _admin_client(superuser).post(
        reverse("admin:payments_webhookevent_changelist"),
        {"action": "process_again", "_selected_action": [failed.pk]},
        follow=True,
    )

    assert response.status_code == 200
    failed.refresh_from_db()
    assert failed.processed_at is not None
    assert failed.error == ""
    assert Order.objects.get(pk=payment.order_id).status == OrderStatus.PAID
    assert "order paid" in response.content.decode()


def test_payments_are_read_only_in_the_admin(superuser: User, paid: Payment) -> None:
    client = _admin_client(superuser)
    assert client.get(reverse("admin:payments_payment_add")).status_code == 403
    assert client.get(reverse("admin:payments_refund_add")).status_code == 403
    assert client.get(reverse("admin:payments_webhookevent_add")).status_code == 403


def test_order_managers_may_see_payments_and_refund() -> None:
    codenames = set(
        Group.objects.get(name=ORDER_MANAGERS)
        .permissions.filter(content_type__app_label="payments")
        .values_list("codename", flat=True)
    )
    assert codenames == {"view_payment", "view_refund", "add_refund", "view_webhookevent"}


# --- the Order page (shop's OrderAdmin): payment state, flag and refund action -------------


def _refund_url(payment: Payment) -> str:
    return reverse("admin:shop_order_detail_refund", args=[payment.order_id])


def test_order_page_shows_payment_state_flag_and_refund_action(
    superuser: User, paid: Payment
) -> None:
    client = _admin_client(superuser)
    page = client.get(reverse("admin:shop_order_change", args=[paid.order_id])).content.decode()
    assert "25.00 USD received" in page
    assert "Not flagged" in page
    assert paid.intent_id in page  # the payment inline
    assert _refund_url(paid) in page

    Order.objects.filter(pk=paid.order_id).update(flagged=True, flag_reason="Dispute dp_1")
    listing = client.get(reverse("admin:shop_order_changelist") + "?flagged__exact=1")
    assert "Dispute dp_1" in listing.content.decode()


def test_refund_form_then_partial_refund(superuser: User, paid: Payment) -> None:
    client = _admin_client(superuser)

    page = client.get(_refund_url(paid))
    assert page.status_code == 200
    assert "25.00 USD" in page.content.decode()

    unconfirmed = dialog_post(client, _refund_url(paid), {"amount": "5"})
    assert unconfirmed.status_code == 200  # the form again: confirmation needed
    assert not Refund.objects.exists()

    done = dialog_post(
        client, _refund_url(paid), {"amount": "5.00", "reason": "Scratched", "confirm": "on"}
    )

    assert done.status_code == 302
    assert done.url == reverse("admin:shop_order_change", args=[paid.order_id])
    refund = Refund.objects.get()
    assert (refund.amount, refund.reason, refund.created_by) == (
        Decimal("5.00"),
        "Scratched",
        superuser,
    )
    assert Order.objects.get(pk=paid.order_id).refunded_amount == 5
    followed = client.get(done.url)
    assert "Refund of 5.00 USD" in followed.content.decode()


def test_refund_form_without_amount_refunds_everything(superuser: User, paid: Payment) -> None:
    dialog_post(_admin_client(superuser), _refund_url(paid), {"amount": "", "confirm": "on"})

    order = Order.objects.get(pk=paid.order_id)
    assert (order.status, order.refunded_amount) == (OrderStatus.REFUNDED, 25)


def test_refund_form_reads_a_decimal_comma(superuser: User, paid: Payment) -> None:
    dialog_post(_admin_client(superuser), _refund_url(paid), {"amount": "2,50", "confirm": "on"})

    assert Refund.objects.get().amount == Decimal("2.50")


def test_refund_form_refuses_more_than_is_left(superuser: User, paid: Payment) -> None:
    response = dialog_post(
        _admin_client(superuser), _refund_url(paid), {"amount": "30", "confirm": "on"}
    )

    assert response.status_code == 200
    assert "Only 25.00 USD is left" in response.content.decode()
    assert not Refund.objects.exists()


def test_refund_action_needs_the_permission_and_money_left(superuser: User, paid: Payment) -> None:
    staff = user_make("clerk@example.com", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_order"))
    assert _admin_client(staff).get(_refund_url(paid)).status_code == 403

    staff.user_permissions.add(Permission.objects.get(codename="add_refund"))
    assert _admin_client(staff).get(_refund_url(paid)).status_code == 200

    Payment.objects.filter(pk=paid.pk).update(amount_refunded=paid.amount_received)
    assert _admin_client(superuser).get(_refund_url(paid)).status_code == 403


# --- links between orders, payments, refunds and customers ---------------------------------


def test_lists_link_orders_payments_refunds_and_customers(superuser: User, paid: Payment) -> None:
    client = _admin_client(superuser)
    dialog_post(client, _refund_url(paid), {"amount": "5.00", "confirm": "on"})
    order_url = reverse("admin:shop_order_change", args=[paid.order_id])
    payment_url = reverse("admin:payments_payment_change", args=[paid.pk])
    customer_url = reverse("admin:accounts_user_change", args=[paid.order.user_id])

    orders = client.get(reverse("admin:shop_order_changelist")).content.decode()
    assert payment_url in orders  # the payment column: its status, a link
    assert "Succeeded" in orders
    payments = client.get(reverse("admin:payments_payment_changelist")).content.decode()
    assert order_url in payments
    assert customer_url in payments
    refunds = client.get(reverse("admin:payments_refund_changelist")).content.decode()
    assert order_url in refunds
    assert payment_url in refunds
    assert customer_url in refunds


@pytest.mark.parametrize(
    ("model", "hint"),
    [
        ("payment", "No payments yet"),
        ("refund", "Refund an order from its page"),
        ("webhookevent", "/api/payments/webhook/"),
    ],
)
def test_empty_lists_say_how_they_fill_up(superuser: User, model: str, hint: str) -> None:
    url = reverse(f"admin:payments_{model}_changelist")
    assert hint in _admin_client(superuser).get(url).content.decode()


# --- labels on detail pages: the coloured label, never the (value, text) tuple -------------


def _detail(superuser: User, url: str) -> str:
    response = _admin_client(superuser).get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_detail_pages_show_labels_not_tuples(superuser: User, paid: Payment) -> None:
    dialog_post(_admin_client(superuser), _refund_url(paid), {"amount": "1.00", "confirm": "on"})
    unpaid = order_place(user=paid.order.user, items=[(product_make(sku="NO-PAY"), 1)])
    pages = {
        reverse("admin:payments_payment_change", args=[paid.pk]): ["Succeeded"],
        reverse("admin:payments_refund_change", args=[Refund.objects.get().pk]): ["Succeeded"],
        reverse("admin:payments_webhookevent_change", args=[WebhookEvent.objects.get().pk]): [
            "Processed"
        ],
        reverse("admin:shop_order_change", args=[unpaid.pk]): ["No payment started", "Not flagged"],
    }
    for url, texts in pages.items():
        page = _detail(superuser, url)
        assert "(&#x27;" not in page, url  # an escaped tuple: ('succeeded', 'Succeeded')
        for text in texts:
            assert re.search(rf"<span[^>]*>\s*{text}\s*</span>", page), (url, text)
