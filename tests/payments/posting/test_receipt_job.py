"""A payment we take queues its receipt as a job after the posting commits; a direct
payment the client reports queues none (the client gives its own receipt)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from agency.payments.models import PaymentMethod
from tests.fixtures.factories import CaseFactory
from tests.payments.posting.conftest import pay

RECEIPT_JOB = "agency.payments.tasks.send_payment_receipt"


def queued(db: Session) -> list[tuple[str, tuple[object, ...]]]:
    return [(name, args) for name, args, *_ in db.info.get("agency.jobs", [])]


def test_a_payment_we_take_queues_its_receipt(db: Session) -> None:
    case = CaseFactory(principal_minor=10_000)
    posted = pay(db, case, 2_500)
    assert (RECEIPT_JOB, (posted.id,)) in queued(db)


def test_a_direct_payment_to_the_client_queues_no_receipt(db: Session) -> None:
    case = CaseFactory(principal_minor=10_000)
    pay(db, case, 2_500, method=PaymentMethod.DIRECT, to_client=True, provider="client")
    assert not [job for job in queued(db) if job[0] == RECEIPT_JOB]
