"""A client with its remittance settings and cases, payments posted on chosen days
through the real posting path, and periods closed as an admin would."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from sqlalchemy.orm import Session

from agency.cases.models import Case
from agency.clients.models import Client
from agency.commission.kinds import Frequency, RemittanceMethod
from agency.commission.models import ClientRemittance, CommissionPeriod, Statement
from agency.commission.statements import periods
from agency.kit import clock
from agency.payments.models import PaymentMethod, ReversalKind
from agency.payments.posting.post import post_payment
from agency.payments.posting.reverse import reverse_payment
from agency.payments.schemas import PaymentInput
from tests.fixtures.factories import CaseFactory, ClientFactory, ContractFactory


def noon(day: date) -> datetime:
    return datetime.combine(day, time(15, 0), tzinfo=UTC)


@pytest.fixture
def merchant(db: Session) -> Client:
    client = ClientFactory()
    db.add(
        ClientRemittance(
            client_id=client.id,
            frequency=Frequency.MONTHLY,
            method=RemittanceMethod.ACH,
            account_name="CLIENT ONE LLC",
            routing_number="021000021",
            account_number="123456789",
        )
    )
    db.flush()
    return client


@pytest.fixture
def case(db: Session, merchant: Client) -> Case:
    contract = ContractFactory(client=merchant)  # a flat 25 %, no schedule
    return CaseFactory(
        contract=contract,
        principal_minor=1_000_000,
        placed_at=datetime(2026, 10, 1, 15, 0, tzinfo=UTC),
    )


def post(
    db: Session,
    case: Case,
    amount_minor: int,
    on: date,
    method: PaymentMethod = PaymentMethod.CARD,
    **changes: Any,
) -> int:
    """A payment received on ``on`` (posted that day) → its id."""
    payment = PaymentInput(
        amount_minor=amount_minor,
        currency=case.currency,
        method=method,
        received_on=on,
        **changes,
    )
    with clock.frozen(noon(on)):
        return post_payment(db, case_id=case.id, payment=payment, by_user_id=None).id


def reverse(db: Session, payment_id: int, *, on: date, posted: date) -> None:
    """Reverse a payment with effect on ``on``, posted on ``posted``."""
    with clock.frozen(noon(posted)):
        reverse_payment(
            db,
            payment_id=payment_id,
            kind=ReversalKind.NSF,
            reason="bounced",
            effective_on=on,
            by_user_id=None,
        )


def close(db: Session, merchant: Client, period: CommissionPeriod, today: date) -> list[Statement]:
    with clock.frozen(noon(today)):
        return periods.close(
            db,
            client_id=merchant.id,
            period_id=period.id,
            client_currency=merchant.currency,
            today=today,
            by_user_id=None,
        )
