"""A case's balance buckets as posted payments move them, for the payments domain
(``agency.payments.posting``), which may not write the cases table itself.

- ``lock``: the case a posting or a reversal changes, its row locked until the
  transaction ends (``SELECT ... FOR UPDATE`` on PostgreSQL), so two postings at once
  wait for each other and never allocate the same balance twice.
- ``apply`` / ``undo``: a payment's allocation taken off the buckets, or given back on a
  reversal; the Reg F ``payments_since_minor`` follows when the payment's effective date
  is on or after the itemization date.
- ``close_paid``, ``close_settled``, ``promise_kept`` and ``reopen``: the status moves a
  posting or a reversal implies, all through the status machine (``agency.cases.status``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from agency.cases import queue, status
from agency.cases.models import Case, CaseStatus, StatusChange
from agency.cases.repository import placing as placing_repo

# The working statuses a kept promise or plan hands back to the queue as active.
_ARRANGED = frozenset({CaseStatus.PROMISE, CaseStatus.PLAN})


def lock(db: Session, *, case_id: int) -> Case | None:
    """The case with its contract, its row locked for the rest of the transaction on
    PostgreSQL (SQLite serialises writers itself); None when there is no such case."""
    query = select(Case).options(joinedload(Case.contract)).where(Case.id == case_id)
    if db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Case)
    return db.scalar(query.execution_options(populate_existing=True))


def open_by_reference(db: Session, *, client_id: int, references: Sequence[str]) -> list[Case]:
    """The client's open cases with these references, locked (a maintenance file's)."""
    return placing_repo.open_cases_for_update(db, client_id, sorted(set(references)))


def _counts_for_reg_f(case: Case, effective_on: date) -> bool:
    return case.itemization_date is not None and effective_on >= case.itemization_date


def apply(
    case: Case, *, fees_minor: int, interest_minor: int, principal_minor: int, effective_on: date
) -> None:
    """Take a payment's allocation off the case's buckets (the caller allocated within
    them: a bucket never goes below zero, the table's check refuses it)."""
    case.fees_minor -= fees_minor
    case.interest_minor -= interest_minor
    case.principal_minor -= principal_minor
    if _counts_for_reg_f(case, effective_on):
        case.payments_since_minor += fees_minor + interest_minor + principal_minor


def undo(
    case: Case, *, fees_minor: int, interest_minor: int, principal_minor: int, effective_on: date
) -> None:
    """Give a reversed payment's allocation back to the buckets it came from."""
    case.fees_minor += fees_minor
    case.interest_minor += interest_minor
    case.principal_minor += principal_minor
    if _counts_for_reg_f(case, effective_on):
        case.payments_since_minor = max(
            0, case.payments_since_minor - (fees_minor + interest_minor + principal_minor)
        )


def close_paid(db: Session, *, case: Case, reason: str, by_user_id: int | None) -> None:
    """The balance reached zero: the case is paid (closed, paid in full)."""
    status.change(db, case=case, to=CaseStatus.PAID, reason=reason, by_user_id=by_user_id)


def close_settled(db: Session, *, case: Case, reason: str, by_user_id: int | None) -> None:
    """Every installment of an accepted settlement is paid: the case is settled."""
    status.change(db, case=case, to=CaseStatus.SETTLED, reason=reason, by_user_id=by_user_id)


def promise_kept(db: Session, *, case: Case, reason: str, by_user_id: int | None) -> None:
    """A promise or plan was kept with a balance left: the case is worked again (active,
    offered by the queue now).  A disputed or held case stays as it is."""
    if case.status in _ARRANGED:
        status.change(db, case=case, to=CaseStatus.ACTIVE, reason=reason, by_user_id=by_user_id)
        queue.make_workable(case)


def reopen(db: Session, *, case: Case, reason: str, by_user_id: int | None) -> StatusChange:
    """A paid or settled case back to work after its payment was reversed
    (``agency.cases.status.reopen``; raises ``CaseError`` when it may not)."""
    return status.reopen(db, case=case, reason=reason, by_user_id=by_user_id)
