"""Fixtures for the payment providers: Stripe configured, its SDK over ``FakeStripe``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from agency.config import get_settings
from agency.payments.providers import configured
from agency.payments.providers.stripe_provider import StripeProvider
from tests.payments.providers.fake_stripe import (
    PUBLISHABLE_KEY,
    SECRET_KEY,
    WEBHOOK_SECRET,
    FakeStripe,
)


@pytest.fixture
def fake_stripe(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeStripe]:
    """Payments go through Stripe (its keys set), the real SDK answered in process."""
    settings = get_settings()
    monkeypatch.setattr(settings, "stripe_secret_key", SECRET_KEY)
    monkeypatch.setattr(settings, "stripe_publishable_key", PUBLISHABLE_KEY)
    monkeypatch.setattr(settings, "stripe_webhook_secret", WEBHOOK_SECRET)
    monkeypatch.setattr(settings, "public_url", "https://collect.example.com")
    fake = FakeStripe()
    configured.install(StripeProvider(SECRET_KEY, http_client=fake))
    yield fake
    configured.forget()


@pytest.fixture(autouse=True)
def _fresh_providers() -> Iterator[None]:
    yield
    configured.forget()
