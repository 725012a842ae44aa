"""Posting a payment on a case: checked, allocated across the balance buckets by the
contract's order, credited to the arrangement's installments, and closing the case as
paid or settled when it should.

The case is locked first (``agency.cases.balances.lock``), so two postings at once wait
for each other and the second sees the first's balance: never more allocated than owed.
A provider's payment is posted once: the same (provider, provider reference) again
returns the earlier posting with ``already_posted``.  It is looked for once the case is
locked, so a second posting on the same case finds the first, committed; the unique
index ``uq_payments_provider_reference`` settles the rest (the reference already posted
on another case: the insert does nothing and the earlier payment is the answer).
Round trips are what a posting costs (``bench/payments.py``): lock, lookup, plan, one
``INSERT … ON CONFLICT DO NOTHING``, the updates, commit.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from agency.cases import balances
from agency.cases.models import Case
from agency.commission import service as commission
from agency.commission.kinds import PaidTo
from agency.commission.schemas import CommissionError, PaymentFacts, Rating
from agency.kit import clock
from agency.kit.money import Money
from agency.payments.models import Installment, Payment, PaymentPlan, PlanKind, PlanStatus
from agency.payments.posting import installments
from agency.payments.posting.allocation import allocate, order_of
from agency.payments.repository import posting as repo
from agency.payments.schemas import Allocation, PaymentError, PaymentInput, PostedPayment
from agency.worker import enqueue


def office_today() -> date:
    """Today on the agency's clock (a date received may not be after it)."""
    return clock.now().astimezone(clock.office_zone()).date()


def post_payment(
    db: Session, *, case_id: int, payment: PaymentInput, by_user_id: int | None
) -> PostedPayment:
    """Post ``payment`` on the case: refused with ``PaymentError(field, message)`` when
    the amount is not positive or above the open balance, in another currency than the
    case's, on a closed case, received in the future, or for an installment that is not
    the case's; else written with its allocation, and the case and its arrangement moved
    on (see the module's docstring).  Flushes, never commits."""
    if payment.amount_minor <= 0:
        raise PaymentError("amount", "must be more than zero")
    case = balances.lock(db, case_id=case_id)
    if case is None:
        raise PaymentError("case", "no such case")
    if payment.provider_reference is not None:
        earlier = repo.by_provider_reference(db, payment.provider, payment.provider_reference)
        if earlier is not None:
            return _already(db, earlier, held=case)
    effective_on = _check(case, payment)
    allocation = allocate(
        payment.amount_minor,
        {
            "fees": case.fees_minor,
            "interest": case.interest_minor,
            "principal": case.principal_minor,
        },
        order_of(case.contract.allocation_order),
    )
    plan = repo.active_plan(db, case.id)
    first = installments.target(plan, payment.installment_id)
    rating = _rated(db, case, payment, effective_on)
    row = repo.insert_once(
        db,
        _payment_fields(
            case, payment, effective_on, allocation, plan if first is not None else None, first
        )
        | {"posted_by_id": by_user_id},
    )
    if row is None:  # the provider's reference is posted already, on another case
        assert payment.provider_reference is not None
        earlier = repo.by_provider_reference(db, payment.provider, payment.provider_reference)
        assert earlier is not None
        return _already(db, earlier, held=case)
    commission.record_payment(db, rating, payment_id=row.id)
    balances.apply(
        case,
        fees_minor=allocation.fees_minor,
        interest_minor=allocation.interest_minor,
        principal_minor=allocation.principal_minor,
        effective_on=effective_on,
    )
    closed_as = _move_on(db, case, row, plan, first, by_user_id)
    db.flush()
    _after_posting(db, row)
    return PostedPayment(
        id=row.id,
        case_id=case.id,
        amount=row.amount,
        allocation=allocation,
        balance_after=case.balance,
        installment_id=row.installment_id,
        plan_id=row.plan_id,
        case_closed_as=closed_as,
    )


def _check(case: Case, payment: PaymentInput) -> date:
    """The payment's effective date, once it is known it may be posted on ``case``."""
    if payment.currency != case.currency:
        raise PaymentError("currency", f"is {payment.currency}; the case is in {case.currency}")
    if not case.status.is_open:
        raise PaymentError("case", f"the case is {case.status.value}: no payment can be posted")
    if payment.received_on > office_today():
        raise PaymentError("received_on", "cannot be in the future")
    if payment.amount_minor > case.balance.minor:
        raise PaymentError(
            "amount",
            f"{Money(payment.amount_minor, case.currency)} is more than the open balance "
            f"of {case.balance}",
        )
    return payment.effective_on or payment.received_on


def _rated(db: Session, case: Case, payment: PaymentInput, effective_on: date) -> Rating:
    """The payment's commission by the client's fee schedule, before anything is
    written: a payment no tier covers is refused (a contract never charges nothing)."""
    facts = PaymentFacts(
        case_id=case.id,
        client_id=case.client_id,
        contract_id=case.contract_id,
        on=effective_on,
        amount_minor=payment.amount_minor,
        currency=case.currency,
        paid_to=PaidTo.CLIENT if payment.to_client else PaidTo.AGENCY,
        placed_on=case.placed_at.astimezone(clock.office_zone()).date(),
        placed_balance_minor=case.placed_minor,
        flat_rate=case.contract.contingency_rate,
        method=payment.method.value,
        region=case.region,
    )
    try:
        return commission.rate_payment(db, facts)
    except CommissionError as exc:
        raise PaymentError(exc.field, exc.message) from None


def _payment_fields(
    case: Case,
    payment: PaymentInput,
    effective_on: date,
    allocation: Allocation,
    plan: PaymentPlan | None,
    first: Installment | None,
) -> dict[str, object]:
    return {
        "case_id": case.id,
        "plan_id": plan.id if plan is not None else None,
        "installment_id": first.id if first is not None else None,
        "amount_minor": payment.amount_minor,
        "currency": case.currency,
        "method": payment.method,
        "to_client": payment.to_client,
        "received_on": payment.received_on,
        "effective_on": effective_on,
        "reference": payment.reference,
        "provider": payment.provider,
        "provider_reference": payment.provider_reference,
        "fees_minor": allocation.fees_minor,
        "interest_minor": allocation.interest_minor,
        "principal_minor": allocation.principal_minor,
        "placement_id": payment.placement_id,
        "posted_at": clock.now(),
    }


def _move_on(
    db: Session,
    case: Case,
    row: Payment,
    plan: PaymentPlan | None,
    first: Installment | None,
    by_user_id: int | None,
) -> str | None:
    """Credit the arrangement and move the case: settled when a settlement is kept, paid
    when nothing is owed, active again when a promise or plan is kept with a balance
    left.  Returns "paid" or "settled" when the case closed."""
    kept = False
    if plan is not None and first is not None:
        installments.credit(plan, first, row.amount_minor)
        if installments.all_paid(plan):
            plan.status, plan.ended_at = PlanStatus.KEPT, clock.now()
            plan.end_reason = "every installment paid"
            kept = True
    if kept and plan is not None and plan.kind is PlanKind.SETTLEMENT:
        balances.close_settled(
            db,
            case=case,
            reason=f"settled: the settlement of {plan.total} is paid",
            by_user_id=by_user_id,
        )
        return "settled"
    if case.balance.minor == 0:
        balances.close_paid(db, case=case, reason=_paid_reason(row), by_user_id=by_user_id)
        return "paid"
    if kept and plan is not None:
        balances.promise_kept(
            db,
            case=case,
            reason=f"{plan.kind.value} kept: {case.balance} still owed",
            by_user_id=by_user_id,
        )
    return None


def _paid_reason(row: Payment) -> str:
    if row.to_client:
        return "paid in full: a direct payment to the client cleared the balance"
    return f"paid in full: a payment of {row.amount} cleared the balance"


def _already(db: Session, earlier: Payment, *, held: Case) -> PostedPayment:
    """The earlier posting, with its case's balance now (``held``: the case this posting
    locked, which is usually the earlier one's)."""
    case = held if held.id == earlier.case_id else balances.lock(db, case_id=earlier.case_id)
    assert case is not None
    return PostedPayment(
        id=earlier.id,
        case_id=earlier.case_id,
        amount=earlier.amount,
        allocation=Allocation(
            fees_minor=earlier.fees_minor,
            interest_minor=earlier.interest_minor,
            principal_minor=earlier.principal_minor,
        ),
        balance_after=case.balance,
        installment_id=earlier.installment_id,
        plan_id=earlier.plan_id,
        already_posted=True,
    )


def _after_posting(db: Session, payment: Payment) -> None:
    """The consumer's receipt for money we took, sent by a job once the posting commits
    (``agency.payments.receipts.sending.payment_receipt``: the gate's cost stays off the
    posting path).  A direct payment the client reports gets none from us: the client
    took the money and gives its own receipt."""
    if not payment.to_client:
        enqueue(db, "agency.payments.tasks.send_payment_receipt", payment.id)
