"""Broken arrangements, found by a daily job (``agency.payments.tasks``).

An installment still unpaid when its contract's ``grace_days`` have passed since it was
due (on the day after due + grace) is missed; ``missed_to_break`` missed installments
(default 1) break the arrangement: it ends, its installments still due are cancelled,
and the case goes back to the queue with the reason (``agency.cases.arrangement_effects``).
With the contract's ``roll_missed_to_end`` a plan or settlement in installments instead
moves a missed installment's unpaid amount to a new last installment one period after
the current last, and breaks only on a second miss in a row.  A promise, or a single
payment, breaks on its miss.  Kept arrangements end when posting pays their last
installment.  Idempotent: what is already missed or broken is left alone; plans are
taken in batches by id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from agency.cases import arrangement_effects as effects
from agency.clients import service as clients_service
from agency.clients.models import Contract
from agency.kit import clock
from agency.outreach.strategies import stepping
from agency.payments.arrangements.making import add_months
from agency.payments.kinds import PlanKind
from agency.payments.models import (
    Frequency,
    Installment,
    InstallmentStatus,
    PaymentPlan,
    PlanStatus,
)
from agency.payments.repository import arrangements as repo

BATCH = 500


@dataclass(frozen=True, slots=True)
class Counts:
    """What one run did."""

    missed: int = 0
    rolled: int = 0
    broken: int = 0


def check_installments(db: Session, *, today: date | None = None, batch: int = BATCH) -> Counts:
    """Mark the installments missed and the arrangements broken as of ``today`` (the
    agency's today by default), every batch in this session."""
    total, after = Counts(), 0
    while True:
        counts, last = check_batch(db, today=today, after_id=after, batch=batch)
        total = Counts(*(a + b for a, b in zip(_values(total), _values(counts), strict=True)))
        if last is None:
            return total
        after = last


def check_batch(
    db: Session, *, today: date | None, after_id: int, batch: int = BATCH
) -> tuple[Counts, int | None]:
    """One batch of ``check_installments``: the overdue plans with an id after
    ``after_id``; with the last plan's id (None: no plan was left)."""
    today = today or agency_today()
    plans = repo.plans_overdue(db, before=today, after_id=after_id, limit=batch)
    missed = rolled = broken = 0
    contracts: dict[int, Contract] = {}
    for plan in plans:
        case = effects.case_locked(db, plan.case_id)
        if case is None:  # cases are never deleted (foreign key RESTRICT)
            continue
        if case.contract_id not in contracts:
            found = clients_service.get_contract(db, contract_id=case.contract_id)
            if found is None:
                continue
            contracts[case.contract_id] = found
        m, r, ended = _check(db, plan, contracts[case.contract_id], today)
        missed, rolled = missed + m, rolled + r
        if ended is not None:
            broken += 1
            effects.arrangement_ended(
                db, case=case, reason=f"{plan.kind.value} broken: {ended}", by_user_id=None
            )
            anchor = "promise_broken" if plan.kind is PlanKind.PROMISE else "plan_broken"
            stepping.happened(db, case_ids=[case.id], anchor=anchor, at=clock.now())
    db.flush()
    return Counts(missed, rolled, broken), (plans[-1].id if plans else None)


def agency_today() -> date:
    """The agency's date now, in its time zone."""
    return clock.now().astimezone(clock.office_zone()).date()


def _values(counts: Counts) -> tuple[int, int, int]:
    return counts.missed, counts.rolled, counts.broken


def _check(
    db: Session, plan: PaymentPlan, contract: Contract, today: date
) -> tuple[int, int, str | None]:
    """One plan: (installments missed, rolled to the end, why it broke or None)."""
    now = clock.now()
    grace = timedelta(days=contract.grace_days)
    live = [i for i in plan.installments if i.status is not InstallmentStatus.CANCELLED]
    may_roll = contract.roll_missed_to_end and len(live) > 1
    missed = rolled = 0
    for index, installment in enumerate(list(live)):
        if installment.status is not InstallmentStatus.DUE or installment.due_date + grace >= today:
            continue
        installment.status, installment.missed_at = InstallmentStatus.MISSED, now
        missed += 1
        previous = live[index - 1] if index > 0 else None
        if may_roll:
            if previous is not None and previous.status is InstallmentStatus.MISSED:
                return missed, rolled, _break(db, plan, "2 installments missed in a row")
            last = max(i.due_date for i in live)
            extra = Installment(
                plan_id=plan.id,
                due_date=_one_period_after(last, plan.frequency),
                amount_minor=installment.amount_minor - installment.paid_minor,
            )
            db.add(extra)
            live.append(extra)
            rolled += 1
            continue
        count = sum(1 for i in live if i.status is InstallmentStatus.MISSED)
        if count >= contract.missed_to_break:
            word = "installment" if count == 1 else "installments"
            return missed, rolled, _break(db, plan, f"{count} {word} missed")
    return missed, rolled, None


def _break(db: Session, plan: PaymentPlan, reason: str) -> str:
    plan.status, plan.ended_at, plan.end_reason = PlanStatus.BROKEN, clock.now(), reason
    db.flush()
    repo.cancel_due_installments(db, [plan.id])
    return reason


def _one_period_after(day: date, frequency: Frequency | None) -> date:
    if frequency is Frequency.WEEKLY:
        return day + timedelta(days=7)
    if frequency is Frequency.FORTNIGHTLY:
        return day + timedelta(days=14)
    return add_months(day, 1)
