"""Helpers for the compliance workspace tests: a consumer with a phone, an e-mail and a
case (``make_debtor``), contact attempts through the real gate at a frozen time
(``gate_at``), and a signed-in compliance officer (``workspace_officer``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from agency.auth.models import Role, User
from agency.cases.models import Case, Channel, Consumer, ContactPoint
from agency.clients.models import Client
from agency.compliance import service
from agency.compliance.models import FactKind, Source
from agency.kit import clock
from tests.fixtures.factories import (
    ClientFactory,
    ConsumerFactory,
    ContactPointFactory,
    UserFactory,
    case_for,
)
from tests.fixtures.web import sign_in

# A Monday.  15:00 UTC is 10:00 in Chicago (the debtors' zone): calls are allowed.
OFFICE_HOURS = datetime(2025, 6, 9, 15, 0, tzinfo=UTC)
# 03:00 UTC on Tuesday is 22:00 on Monday in Chicago: US-REGF-TIME blocks.
NIGHT = datetime(2025, 6, 10, 3, 0, tzinfo=UTC)
# When the validation notices went out (so US-REGF-VALIDATION never interferes).
VALIDATED = datetime(2025, 5, 1, 15, 0, tzinfo=UTC)


@dataclass
class Debtor:
    consumer: Consumer
    phone: ContactPoint
    email: ContactPoint
    case: Case
    client: Client


def make_debtor(
    *,
    client: Client | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    reference: str | None = None,
    phone: str | None = None,
    email: str | None = None,
) -> Debtor:
    """A Chicago consumer with a mobile (with consent), a personal e-mail and one case
    whose validation notice was sent (recorded through ``service.record_fact``)."""
    client = client or ClientFactory()
    names: dict[str, Any] = {}
    if first_name:
        names["first_name"] = first_name
    if last_name:
        names["last_name"] = last_name
    consumer = ConsumerFactory(timezones=["America/Chicago"], **names)
    mobile = ContactPointFactory(
        consumer=consumer, consent=True, **({"value": phone} if phone else {})
    )
    mail = ContactPointFactory(
        consumer=consumer,
        channel=Channel.EMAIL,
        kind="personal",
        value=email or f"{consumer.first_name.lower()}@example.org",
    )
    case = case_for(
        client, consumer=consumer, **({"client_reference": reference} if reference else {})
    )
    db = ConsumerFactory._meta.sqlalchemy_session
    with clock.frozen(VALIDATED):
        service.record_fact(
            db,
            consumer_id=consumer.id,
            kind=FactKind.VALIDATION_SENT,
            actor_id=None,
            source=Source.SYSTEM,
            case_id=case.id,
            effective_at=VALIDATED,
        )
    return Debtor(consumer=consumer, phone=mobile, email=mail, case=case, client=client)


def gate_at(
    db: Session,
    debtor: Debtor,
    at: datetime,
    *,
    channel: str = "call",
    actor: User | None = None,
    cases: Sequence[Case] | None = None,
    point: ContactPoint | None = None,
) -> service.GateResult:
    """One attempt through the real gate with the clock frozen at ``at``."""
    if point is None:
        point = debtor.email if channel == "email" else debtor.phone
    with clock.frozen(at):
        return service.gate(
            db,
            consumer_id=debtor.consumer.id,
            channel=channel,  # type: ignore[arg-type]
            contact_point_id=point.id,
            case_ids=[c.id for c in (cases or [debtor.case])],
            actor_id=actor.id if actor else None,
            source=Source.AGENT if actor else Source.STRATEGY,
        )


@pytest.fixture
def workspace_officer(client: TestClient, db: Session) -> User:
    """A compliance officer, signed in on ``client``."""
    user: User = UserFactory(role=Role.COMPLIANCE, full_name="Casey Officer")
    sign_in(client, db, user)
    return user
