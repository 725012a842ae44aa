"""Reversing a payment (a bounced cheque or debit, a returned ACH, a lost card dispute,
a staff correction): a new ``Reversal`` row, never an edit of the payment.

The payment's allocation goes back to the case's buckets, its arrangement's installments
give back what it brought (missed again; ``installments.debit``), a kept plan is active
again, and a case the payment had closed as paid or settled reopens through the status
machine (``agency.cases.status.reopen``).  If the client has since placed another open
case with the same reference, the case cannot reopen (one open case per client
reference): the reversal stands, the balance is given back on the closed case, and the
reversal's reason and summary say so.

One reversal per payment: the case is locked first, so a second reversal waits and then
finds the first; the unique key on ``payment_id`` backs it under any race, and both paths
give the same ``PaymentError("payment", "already reversed on <date>")``.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agency.cases import balances
from agency.cases.errors import CaseError
from agency.cases.models import Case, CaseStatus
from agency.commission import service as commission
from agency.commission.schemas import CommissionError
from agency.kit import clock
from agency.outreach.strategies import stepping
from agency.payments.models import Payment, Reversal, ReversalKind
from agency.payments.posting import installments
from agency.payments.posting.post import office_today
from agency.payments.repository import posting as repo
from agency.payments.schemas import PaymentError, ReversalSummary

REASON_MAX = 500
_REOPENABLE = frozenset({CaseStatus.PAID, CaseStatus.SETTLED})


def reverse_payment(
    db: Session,
    *,
    payment_id: int,
    kind: ReversalKind,
    reason: str,
    effective_on: date | None,
    by_user_id: int | None,
    provider_reference: str | None = None,
) -> ReversalSummary:
    """Reverse the payment whole (see the module's docstring).  Raises ``PaymentError``
    for no such payment, no reason, or a payment already reversed.  Flushes only."""
    reason = " ".join(reason.split())
    if not reason:
        raise PaymentError("reason", "say why the payment is reversed")
    if len(reason) > REASON_MAX:
        raise PaymentError("reason", f"must be at most {REASON_MAX} characters")
    payment = repo.payment(db, payment_id)
    if payment is None:
        raise PaymentError("payment", "no such payment")
    case = balances.lock(db, case_id=payment.case_id)
    assert case is not None  # a payment's case is never deleted (RESTRICT)
    _refuse_if_reversed(db, payment.id)
    now = clock.now()
    reversal = Reversal(
        payment_id=payment.id,
        case_id=case.id,
        kind=kind,
        amount_minor=payment.amount_minor,
        currency=payment.currency,
        reason=reason,
        effective_on=effective_on or office_today(),
        provider_reference=provider_reference,
        by_user_id=by_user_id,
        created_at=now,
    )
    try:
        with db.begin_nested():
            db.add(reversal)
            db.flush()
            # The reversal's commission entry: the payment's negated (agency.commission).
            commission.record_reversal(
                db, payment_id=payment.id, reversal_id=reversal.id, on=reversal.effective_on
            )
            db.flush()
    except IntegrityError:
        _refuse_if_reversed(db, payment.id)
        raise
    except CommissionError as exc:
        raise PaymentError(exc.field, exc.message) from None
    balances.undo(
        case,
        fees_minor=payment.fees_minor,
        interest_minor=payment.interest_minor,
        principal_minor=payment.principal_minor,
        effective_on=payment.effective_on,
    )
    _give_back_installments(db, payment)
    reopened, notes = _reopen(db, case, payment, kind, by_user_id)
    stepping.happened(db, case_ids=[case.id], anchor="payment_reversed", at=now)
    if notes:
        reversal.reason = f"{reason} ({'; '.join(notes)})"[:REASON_MAX]
    db.flush()
    return ReversalSummary(
        id=reversal.id,
        payment_id=payment.id,
        case_id=case.id,
        kind=kind,
        amount=payment.amount,
        balance_after=case.balance,
        reopened=reopened,
        notes=tuple(notes),
    )


def _refuse_if_reversed(db: Session, payment_id: int) -> None:
    earlier = repo.reversal_of(db, payment_id)
    if earlier is not None:
        on = earlier.created_at.astimezone(clock.office_zone()).date().isoformat()
        raise PaymentError("payment", f"already reversed on {on}")


def _give_back_installments(db: Session, payment: Payment) -> None:
    """Lower the arrangement's paid installments by what this payment had brought."""
    if payment.plan_id is None:
        return
    plan = repo.plan_with_installments(db, payment.plan_id)
    if plan is None:
        return
    held = sum(i.paid_minor for i in plan.installments)
    others = repo.plan_payments_total(db, plan.id, excluding=payment.id)
    lower = max(0, held - min(others, sum(i.amount_minor for i in plan.installments)))
    installments.debit(plan, payment.installment_id, lower, today=office_today(), now=clock.now())


def _reopen(
    db: Session, case: Case, payment: Payment, kind: ReversalKind, by_user_id: int | None
) -> tuple[bool, list[str]]:
    """Reopen the case if the payment's reversal leaves a closed paid or settled case
    owing again; the notes say why it stays closed when it may not reopen."""
    if case.status not in _REOPENABLE:
        if not case.status.is_open:
            return False, [f"the case stays {case.status.value}"]
        return False, []
    label = kind.value.replace("_", " ")
    label = label.upper() if kind is ReversalKind.NSF else label
    try:
        balances.reopen(
            db,
            case=case,
            reason=f"payment of {payment.amount} reversed: {label}",
            by_user_id=by_user_id,
        )
    except CaseError as refused:
        return False, [refused.message]
    return True, []
