"""Fixtures of the payments suites: Stripe settings that reach nothing, a fake gateway, orders."""

import pytest
from django.test import Client

from accounts.models import User
from catalog.models import Product
from catalog.tests.factories import product_make
from payments.models import Payment
from payments.services import payment_intent_create
from payments.stripe_gateway import StripeGateway
from payments.tests.helpers import WEBHOOK_SECRET, FakeGateway, post_webhook, succeeded_event
from shop.models import Order
from shop.tests.factories import order_place


@pytest.fixture(autouse=True)
def _stripe_settings(settings: pytest.FixtureRequest) -> None:
    settings.STRIPE_SECRET_KEY = "sk_test_novacart"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_novacart"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens: never the real Stripe


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch) -> FakeGateway:
    fake = FakeGateway()
    monkeypatch.setattr(StripeGateway, "from_settings", classmethod(lambda cls: fake))
    return fake


@pytest.fixture
def product(db: None) -> Product:
    return product_make(price="12.50", stock=5)


@pytest.fixture
def order(customer: User, product: Product) -> Order:
    """PENDING, 2 x 12.50 = 25.00 USD, stock reserved (3 left)."""
    return order_place(user=customer, items=[(product, 2)])


@pytest.fixture
def payment(order: Order, gateway: FakeGateway) -> Payment:
    payment_intent_create(user=order.user, order_id=order.pk)
    return Payment.objects.select_related("order").get(order=order)


@pytest.fixture
def paid(payment: Payment, client: Client) -> Payment:
    """The payment succeeded (webhook applied): the order is PAID."""
    assert post_webhook(client, succeeded_event(payment.intent_id, amount=2500)).status_code == 200
    payment.refresh_from_db()
    payment.order.refresh_from_db()
    return payment
