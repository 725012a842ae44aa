"""The payment provider's status page, for admins: the sandbox by default with its test
numbers, Stripe with what is configured (never a secret), the webhook URL to give Stripe,
and a half-done configuration named in words."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.config import get_settings
from tests.fixtures.factories import UserFactory
from tests.fixtures.web import sign_in
from tests.payments.providers.fake_stripe import SECRET_KEY, WEBHOOK_SECRET, FakeStripe


@pytest.fixture
def admin(client: TestClient, db: Session) -> None:
    sign_in(client, db, UserFactory(role=Role.ADMIN))


def test_without_keys_the_sandbox_is_shown_with_its_test_numbers(
    client: TestClient, admin: None
) -> None:
    page = client.get("/payments/providers")
    assert page.status_code == 200
    assert 'data-provider="sandbox"' in page.text and 'id="payment-provider-ok"' in page.text
    assert "http://127.0.0.1:8000/webhooks/stripe" in page.text
    for number in ("4242424242424242", "4000000000000259", "000111111113"):
        assert number in page.text


def test_stripe_is_shown_with_its_modes_and_never_a_secret(
    client: TestClient, admin: None, fake_stripe: FakeStripe
) -> None:
    page = client.get("/payments/providers")
    assert 'data-provider="stripe"' in page.text
    assert 'data-setting="Secret key">set (test mode)' in page.text
    assert SECRET_KEY not in page.text and WEBHOOK_SECRET not in page.text
    assert "https://collect.example.com/webhooks/stripe" in page.text
    assert "charge.dispute.created" in page.text
    assert "4242424242424242" not in page.text  # no test numbers with real keys
    assert 'id="payment-provider-ok"' in page.text


def test_a_secret_key_without_its_webhook_secret_is_named(
    client: TestClient, admin: None, fake_stripe: FakeStripe, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "stripe_webhook_secret", "")
    monkeypatch.setattr(get_settings(), "public_url", "http://127.0.0.1:8000")
    page = client.get("/payments/providers")
    assert "AGENCY_STRIPE_WEBHOOK_SECRET" in page.text
    assert "which Stripe cannot reach" in page.text


@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR, Role.COMPLIANCE])
def test_only_admins_see_it(client: TestClient, db: Session, role: Role) -> None:
    sign_in(client, db, UserFactory(role=role))
    assert client.get("/payments/providers").status_code == 403
