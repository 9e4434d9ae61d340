"""Fixtures of the whole-API suites (fuzzing, authorization matrix)."""

from typing import Any

import pytest

from payments.stripe_gateway import StripeGateway
from payments.tests.helpers import WEBHOOK_SECRET, FakeGateway


@pytest.fixture
def fake_stripe(settings: Any, monkeypatch: pytest.MonkeyPatch) -> FakeGateway:
    """Stripe configured, answered in memory (webhook signatures are checked for real)."""
    settings.STRIPE_SECRET_KEY = "sk_test_novacart"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_novacart"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    gateway = FakeGateway()
    monkeypatch.setattr(StripeGateway, "from_settings", classmethod(lambda cls: gateway))
    return gateway
