"""Fixtures for outreach: Twilio in process (the real SDK over ``FakeTwilio``), and a
debtor committed to the test database (the sending job runs in sessions of its own)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from twilio.request_validator import RequestValidator

from agency.config import get_settings
from agency.db import session_scope
from agency.outreach import providers
from agency.outreach.channels.twilio_sms import TwilioSms
from tests.fixtures import factories
from tests.fixtures.compliance import make_debtor
from tests.fixtures.twilio import ACCOUNT_SID, AUTH_TOKEN, MESSAGING_SERVICE_SID, FakeTwilio
from tests.outreach.pool import POOL, Person

PUBLIC_URL = "https://collect.example.com"


def post_signed(
    client: TestClient, path: str, params: dict[str, str], *, url: str | None = None
) -> object:
    """A webhook as Twilio posts it: signed for ``url`` (the public address by default)."""
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url or PUBLIC_URL + path, params)
    return client.post(path, data=params, headers={"X-Twilio-Signature": signature})


@pytest.fixture
def fake_twilio(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTwilio]:
    """Texts go through the real Twilio SDK, its HTTP client answering in process."""
    settings = get_settings()
    monkeypatch.setattr(settings, "public_url", PUBLIC_URL)
    monkeypatch.setattr(settings, "twilio_account_sid", ACCOUNT_SID)
    monkeypatch.setattr(settings, "twilio_auth_token", AUTH_TOKEN)
    monkeypatch.setattr(settings, "twilio_messaging_service_sid", MESSAGING_SERVICE_SID)
    fake = FakeTwilio()
    providers.install(
        "twilio",
        TwilioSms(
            account_sid=ACCOUNT_SID,
            auth_token=AUTH_TOKEN,
            messaging_service_sid=MESSAGING_SERVICE_SID,
            http_client=fake,
        ),
    )
    yield fake
    providers.forget()


@dataclass(frozen=True)
class Committed:
    """Ids of a debtor committed to the database (``make_debtor``'s)."""

    case_id: int
    consumer_id: int
    client_id: int
    phone_id: int
    phone: str
    email_id: int
    email: str


@pytest.fixture
def committed_debtor(bound_engine: Engine) -> Committed:
    with session_scope() as db:
        factories.bind(db)
        debtor = make_debtor(phone="+13125550142")
        db.flush()
        made = Committed(
            case_id=debtor.case.id,
            consumer_id=debtor.consumer.id,
            client_id=debtor.client.id,
            phone_id=debtor.phone.id,
            phone=debtor.phone.value,
            email_id=debtor.email.id,
            email=debtor.email.value,
        )
    return made


@pytest.fixture
def pool(fake_twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch) -> FakeTwilio:
    """Texts through Twilio from the agency's pool of three numbers (no Messaging
    Service)."""
    settings = get_settings()
    monkeypatch.setattr(settings, "twilio_messaging_service_sid", "")
    monkeypatch.setattr(settings, "twilio_from_numbers", ",".join(POOL))
    providers.install(
        "twilio", TwilioSms(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, http_client=fake_twilio)
    )
    return fake_twilio


@pytest.fixture
def people(bound_engine: Engine) -> list[Person]:
    """Four debtors committed (the gate allows three texts a week to each)."""
    with session_scope() as db:
        factories.bind(db)
        made = [make_debtor(phone=f"+1312555{n:04d}") for n in range(4)]
        db.flush()
        return [
            Person(d.case.id, d.consumer.id, d.client.id, d.phone.id, d.phone.value) for d in made
        ]
