"""Two people at once on PostgreSQL (SQLite has one writer): two payments on one case
never allocate more than it owes, and one payment reversed twice at once is reversed
once, the other asker told so cleanly."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from agency.cases.models import Case
from agency.db import session_scope
from agency.payments.models import Payment, PaymentMethod, Reversal, ReversalKind
from agency.payments.posting.post import office_today, post_payment
from agency.payments.posting.reverse import reverse_payment
from agency.payments.schemas import PaymentError, PaymentInput, PostedPayment
from tests.fixtures import factories
from tests.fixtures.factories import CaseFactory
from tests.fixtures.threads import at_once


@pytest.fixture(autouse=True)
def postgresql_only(bound_engine: Engine) -> None:
    if bound_engine.dialect.name != "postgresql":
        pytest.skip("row locks between two sessions are PostgreSQL's; SQLite has one writer")


def seed_case() -> int:
    with session_scope() as db:
        factories.bind(db)
        case = CaseFactory(principal_minor=10_000, interest_minor=500)
        return int(case.id)


def pay(case_id: int, amount_minor: int, reference: str | None = None) -> PostedPayment:
    with session_scope() as db:
        payment = PaymentInput(
            amount_minor=amount_minor,
            currency="USD",
            method=PaymentMethod.CASH,
            received_on=office_today(),
            provider="sandbox" if reference else "manual",
            provider_reference=reference,
        )
        return post_payment(db, case_id=case_id, payment=payment, by_user_id=None)


def test_two_payments_at_once_never_allocate_more_than_owed(bound_engine: Engine) -> None:
    case_id = seed_case()
    results = at_once(lambda: pay(case_id, 6_000), lambda: pay(case_id, 6_000))
    posted = [r for r in results if isinstance(r, PostedPayment)]
    refused = [r for r in results if isinstance(r, PaymentError)]
    assert (len(posted), len(refused)) == (1, 1)
    assert refused[0].message == "$60.00 is more than the open balance of $45.00"
    with session_scope() as db:
        case = db.get_one(Case, case_id)
        assert case.balance.minor == 4_500
        assert db.scalar(select(func.sum(Payment.amount_minor))) == 6_000


def test_one_provider_reference_posted_twice_at_once_is_one_payment(bound_engine: Engine) -> None:
    case_id = seed_case()
    results = at_once(lambda: pay(case_id, 1_000, "pi_1"), lambda: pay(case_id, 1_000, "pi_1"))
    assert sorted(r.already_posted for r in results) == [False, True]
    assert results[0].id == results[1].id
    with session_scope() as db:
        assert db.get_one(Case, case_id).balance.minor == 9_500


def test_one_payment_reversed_twice_at_once_is_reversed_once(bound_engine: Engine) -> None:
    case_id = seed_case()
    payment_id = pay(case_id, 10_500).id

    def reverse() -> object:
        with session_scope() as db:
            return reverse_payment(
                db,
                payment_id=payment_id,
                kind=ReversalKind.CHARGEBACK,
                reason="dispute lost",
                effective_on=None,
                by_user_id=None,
            )

    results = at_once(reverse, reverse)
    refused = [r for r in results if isinstance(r, PaymentError)]
    assert len(refused) == 1
    assert refused[0].message == f"already reversed on {office_today().isoformat()}"
    with session_scope() as db:
        assert db.scalar(select(func.count()).select_from(Reversal)) == 1
        case = db.get_one(Case, case_id)
        assert (case.status.value, case.balance.minor) == ("active", 10_500)
