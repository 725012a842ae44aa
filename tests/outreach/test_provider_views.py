"""The provider settings' status page: the sandbox by default, the real providers with
what is configured (never a secret), the webhook addresses for Twilio's console, and a
half-done configuration named in words."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.config import get_settings
from tests.fixtures.factories import UserFactory
from tests.fixtures.twilio import ACCOUNT_SID, AUTH_TOKEN, MESSAGING_SERVICE_SID
from tests.fixtures.web import sign_in

SMTP_PASSWORD = "s3cret-smtp-pass"


@pytest.fixture
def admin(client: TestClient, db: Session) -> None:
    sign_in(client, db, UserFactory(role=Role.ADMIN))


def panel(html: str, channel: str) -> str:
    return html.split(f'id="provider-{channel}"')[1].split("</section>")[0]


def test_without_settings_every_channel_is_the_sandbox(client: TestClient, admin: None) -> None:
    page = client.get("/outreach/providers")
    assert page.status_code == 200
    for channel in ("sms", "email", "voice"):
        assert 'data-provider="sandbox"' in panel(page.text, channel)
    # Letters have no provider to call: they go to the print vendor in daily batches.
    assert 'data-provider="print"' in panel(page.text, "letter")
    assert "16:00 UTC" in panel(page.text, "letter")
    assert 'id="provider-ok"' in page.text
    assert "http://127.0.0.1:8000/webhooks/twilio/sms-status" in page.text
    assert "http://127.0.0.1:8000/webhooks/twilio/sms-inbound" in page.text
    assert "A consumer texted one of our numbers" in page.text


def test_real_providers_show_what_is_configured_and_never_a_secret(
    client: TestClient, admin: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = get_settings()
    monkeypatch.setattr(settings, "public_url", "https://collect.example.com")
    monkeypatch.setattr(settings, "twilio_account_sid", ACCOUNT_SID)
    monkeypatch.setattr(settings, "twilio_auth_token", AUTH_TOKEN)
    monkeypatch.setattr(settings, "twilio_messaging_service_sid", MESSAGING_SERVICE_SID)
    monkeypatch.setattr(settings, "twilio_from_numbers", "+13125550100, +13125550101")
    monkeypatch.setattr(settings, "twilio_voice_from", "+13125550199")
    monkeypatch.setattr(
        settings, "smtp_url", f"smtps://mailer:{SMTP_PASSWORD}@smtp.example.com:2465"
    )
    page = client.get("/outreach/providers")
    sms, email = panel(page.text, "sms"), panel(page.text, "email")
    assert 'data-provider="twilio"' in sms and 'data-provider="smtp"' in email
    assert f"AC…{ACCOUNT_SID[-4:]}" in sms
    assert MESSAGING_SERVICE_SID in sms and "+13125550100, +13125550101" in sms
    assert '<dd data-setting="Auth token">set</dd>' in sms
    assert "smtp.example.com" in email and ">2465<" in email
    assert "TLS from the start (smtps)" in email and ">mailer<" in email
    assert '<dd data-setting="Password">set</dd>' in email
    assert 'data-provider="twilio"' in panel(page.text, "voice")
    assert "+13125550199" in panel(page.text, "voice")
    for secret in (ACCOUNT_SID, AUTH_TOKEN, SMTP_PASSWORD):
        assert secret not in page.text
    assert "https://collect.example.com/webhooks/twilio/sms-inbound" in page.text
    assert 'id="provider-ok"' in page.text


@pytest.mark.parametrize(
    ("changes", "warning"),
    [
        ({"twilio_account_sid": ACCOUNT_SID}, "account SID is set without its auth token"),
        ({"twilio_auth_token": AUTH_TOKEN}, "auth token is set without the account SID"),
        (
            {"twilio_account_sid": ACCOUNT_SID, "twilio_auth_token": AUTH_TOKEN},
            "AGENCY_PUBLIC_URL is http://127.0.0.1:8000, which Twilio cannot reach",
        ),
        (
            {
                "twilio_account_sid": ACCOUNT_SID,
                "twilio_auth_token": AUTH_TOKEN,
                "public_url": "https://collect.example.com",
            },
            "neither a Messaging Service nor a pool of numbers",
        ),
        (
            {"twilio_from_numbers": "+13125550100,3125550101"},
            "not E.164 (+13125550100): 3125550101",
        ),
        ({"smtp_url": "mail.example.com"}, "AGENCY_SMTP_URL is not smtp://"),
        ({"smtp_url": "smtp://mail.example.com:25"}, "their opt-out and self-service links"),
    ],
)
def test_a_half_done_configuration_is_named_in_words(
    client: TestClient,
    admin: None,
    monkeypatch: pytest.MonkeyPatch,
    changes: dict[str, str],
    warning: str,
) -> None:
    settings = get_settings()
    for name, value in changes.items():
        monkeypatch.setattr(settings, name, value)
    page = client.get("/outreach/providers")
    warnings = page.text.split('id="provider-warnings"')[1].split("</div>")[0]
    assert warning in warnings.replace("&#39;", "'")
    assert AUTH_TOKEN not in page.text


def test_a_twilio_account_without_a_caller_id_turns_click_to_call_off_in_words(
    client: TestClient, admin: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = get_settings()
    monkeypatch.setattr(settings, "twilio_account_sid", ACCOUNT_SID)
    monkeypatch.setattr(settings, "twilio_auth_token", AUTH_TOKEN)
    monkeypatch.setattr(settings, "twilio_messaging_service_sid", MESSAGING_SERVICE_SID)
    page = client.get("/outreach/providers")
    assert 'data-provider="off"' in panel(page.text, "voice")
    assert "Click-to-call is off" in page.text and "AGENCY_TWILIO_VOICE_FROM" in page.text
