"""A payment's share of an arrangement: crediting its installments when it is posted and
taking the credit back when it is reversed.

A payment pays the installment it names (or the earliest one due or missed), and what
is left over flows to the arrangement's other open installments in due-date order, so
what the installments hold together is always the smaller of their total and what the
arrangement's payments not reversed brought.  A reversal lowers that level by what the
payment had brought: its own installment first, then the latest ones.
"""

from __future__ import annotations

from datetime import date, datetime

from agency.payments.models import Installment, InstallmentStatus, PaymentPlan, PlanStatus
from agency.payments.schemas import PaymentError

OPEN = frozenset({InstallmentStatus.DUE, InstallmentStatus.MISSED})


def target(plan: PaymentPlan | None, installment_id: int | None) -> Installment | None:
    """The installment a payment pays: the one named, which must be an open installment
    of the case's active arrangement, else that arrangement's earliest one open."""
    open_ones = [i for i in plan.installments if i.status in OPEN] if plan is not None else []
    if installment_id is None:
        return open_ones[0] if open_ones else None
    for installment in open_ones:
        if installment.id == installment_id:
            return installment
    raise PaymentError(
        "installment_id", "is not an open installment of the case's active arrangement"
    )


def credit(plan: PaymentPlan, first: Installment, amount_minor: int) -> int:
    """Bring ``amount_minor`` to ``first`` and, beyond its amount, to the plan's other open
    installments in due order; an installment reaching its amount is paid.  Returns what
    the installments took (less than the amount when it pays them all off)."""
    rest = amount_minor
    for installment in [first] + [i for i in plan.installments if i is not first]:
        if rest == 0:
            break
        if installment.status not in OPEN:
            continue
        taken = min(rest, installment.amount_minor - installment.paid_minor)
        installment.paid_minor += taken
        rest -= taken
        if installment.paid_minor == installment.amount_minor:
            installment.status = InstallmentStatus.PAID
    return amount_minor - rest


def all_paid(plan: PaymentPlan) -> bool:
    """Whether nothing of the plan is left to pay (cancelled installments aside)."""
    statuses = {i.status for i in plan.installments}
    return InstallmentStatus.PAID in statuses and not statuses & OPEN


def debit(
    plan: PaymentPlan, own_id: int | None, lower_minor: int, *, today: date, now: datetime
) -> None:
    """Take ``lower_minor`` back from the plan's installments, the payment's own first and
    then the latest; each one touched is missed again (due again when its date is yet to
    come).  A kept plan with something to pay again is active again."""
    touched = [i for i in plan.installments if i.id == own_id]
    touched += [i for i in reversed(plan.installments) if i.id != own_id]
    rest = lower_minor
    for installment in touched:
        if rest == 0:
            break
        if installment.status is InstallmentStatus.CANCELLED or installment.paid_minor == 0:
            continue
        taken = min(rest, installment.paid_minor)
        installment.paid_minor -= taken
        rest -= taken
        if installment.due_date < today:
            installment.status, installment.missed_at = InstallmentStatus.MISSED, now
        else:
            installment.status = InstallmentStatus.DUE
    if plan.status is PlanStatus.KEPT and not all_paid(plan):
        plan.status, plan.ended_at, plan.ended_by_id, plan.end_reason = (
            PlanStatus.ACTIVE,
            None,
            None,
            None,
        )
