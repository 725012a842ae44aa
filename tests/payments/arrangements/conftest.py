"""Arrangement tests: a Chicago consumer's case in an agent's book (balance $105.00,
settlement floor 60 %), and offers on it."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from agency.auth.models import Role, User
from agency.cases.models import Case, StatusChange
from agency.clients.models import Contract
from agency.payments.models import Frequency, Installment, PaymentPlan, PlanKind
from agency.payments.schemas import DownPayment, Offer
from tests.fixtures.compliance import Debtor, make_debtor
from tests.fixtures.factories import UserFactory


@pytest.fixture
def agent(db: Session) -> User:
    user: User = UserFactory(role=Role.AGENT, full_name="Alex Agent")
    return user


@pytest.fixture
def debtor(db: Session, agent: User) -> Debtor:
    made = make_debtor(first_name="Dana", last_name="Lind", reference="AC-1")
    made.case.assigned_agent_id = agent.id
    db.flush()
    return made


def contract_of(db: Session, case: Case) -> Contract:
    return db.get_one(Contract, case.contract_id)


def promise(total: int, due: date) -> Offer:
    return Offer(kind=PlanKind.PROMISE, first_due=due, total_minor=total)


def plan(
    first_due: date,
    count: int | None = 3,
    *,
    installment: int | None = None,
    down: DownPayment | None = None,
    frequency: Frequency = Frequency.MONTHLY,
) -> Offer:
    return Offer(
        kind=PlanKind.PLAN,
        first_due=first_due,
        frequency=frequency,
        count=count,
        installment_minor=installment,
        down_payment=down,
    )


def settlement(total: int, first_due: date, **kwargs: Any) -> Offer:
    return Offer(kind=PlanKind.SETTLEMENT, first_due=first_due, total_minor=total, **kwargs)


def plans(db: Session, case: Case) -> list[PaymentPlan]:
    db.expire_all()
    return list(
        db.scalars(
            select(PaymentPlan).where(PaymentPlan.case_id == case.id).order_by(PaymentPlan.id)
        )
    )


def installments(db: Session, plan_id: int) -> list[tuple[date, int, str, bool]]:
    return [
        (i.due_date, i.amount_minor, i.status.value, i.down_payment)
        for i in db.scalars(
            select(Installment)
            .where(Installment.plan_id == plan_id)
            .order_by(Installment.due_date, Installment.id)
        )
    ]


def statuses(db: Session, case: Case) -> list[tuple[str, str]]:
    return [
        (c.to_status.value, c.reason)
        for c in db.scalars(
            select(StatusChange).where(StatusChange.case_id == case.id).order_by(StatusChange.id)
        )
    ]
