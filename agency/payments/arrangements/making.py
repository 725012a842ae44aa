"""Making a case's promise, plan or settlement: previewed (computed, nothing written),
proposed (active within the client's authority, pending a supervisor beyond it),
cancelled, and the consumer's next date moved.

The schedule is always ``agency.payments.schedule.rules.compute`` on the case's balance,
its consumer's today and the contract's authority, so the agent's page, the consumer's
page and the API agree.  One open arrangement at a time: a promise is replaced by a
newer promise, plan or settlement when that one becomes active; a plan or a settlement
(active or waiting for approval) must be cancelled before another is made.  What the
case does (status, queue) is ``agency.cases.arrangement_effects``.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from agency.cases import arrangement_effects as effects
from agency.cases.models import Case
from agency.clients import service as clients_service
from agency.clients.models import Contract
from agency.kit import clock
from agency.payments.models import (
    Frequency,
    Installment,
    InstallmentStatus,
    PaymentPlan,
    PlanKind,
    PlanStatus,
)
from agency.payments.receipts import sending
from agency.payments.repository import arrangements as repo
from agency.payments.schedule import authority as schedule_authority
from agency.payments.schedule import rules
from agency.payments.schemas import Offer, PaymentError, PlanSummary, Schedule

REASON_MAX = 500


@dataclass(frozen=True, slots=True)
class Terms:
    """What an offer on a case is computed under."""

    case: Case
    contract: Contract
    today: date


def terms_of(db: Session, case_id: int, *, lock: bool) -> Terms:
    """The case (locked when ``lock``), its contract and its consumer's today; refuses a
    closed case."""
    case = effects.case_locked(db, case_id) if lock else db.get(Case, case_id)
    if case is None:
        raise PaymentError("case", "no such case")
    if not case.status.is_open:
        raise PaymentError("case", f"the case is {case.status.value}; no arrangement can be made")
    contract = clients_service.get_contract(db, contract_id=case.contract_id)
    if contract is None:  # a case always has its contract (foreign key)
        raise LookupError(f"contract {case.contract_id} does not exist")
    return Terms(case, contract, effects.consumer_today(db, case))


def compute(terms: Terms, offer: Offer) -> Schedule:
    """``offer`` computed on the case; a settlement refused when the client takes none."""
    if offer.kind is PlanKind.SETTLEMENT and not terms.contract.settlements_allowed:
        raise PaymentError("kind", "this client accepts no settlements")
    return rules.compute(
        today=terms.today,
        balance_minor=terms.case.balance.minor,
        currency=terms.case.currency,
        country=terms.case.country,
        region=terms.case.region,
        authority=schedule_authority.authority_of(terms.contract),
        offer=offer,
    )


def preview(db: Session, *, case_id: int, offer: Offer) -> Schedule:
    """What ``offer`` would be on the case, and whether it needs approval; writes nothing."""
    return compute(terms_of(db, case_id, lock=False), offer)


def propose(
    db: Session,
    *,
    case_id: int,
    offer: Offer,
    by_user_id: int | None,
    by_consumer: bool = False,
    form_key: str | None = None,
) -> PlanSummary:
    """Make ``offer`` the case's arrangement: active when within the client's authority,
    else pending for a supervisor with the reasons.  Raises ``PaymentError``.
    ``form_key``: the posting form's token; the same token again answers with the
    arrangement it made (the form posted twice makes one)."""
    terms = terms_of(db, case_id, lock=True)
    if form_key is not None and (made := repo.plan_by_form_key(db, form_key)) is not None:
        if made.case_id != case_id:
            raise PaymentError("token", "this form was for another case: reload the page")
        return summary(made, tuple(i.due_date for i in made.installments))
    schedule = compute(terms, offer)
    for other in repo.open_arrangements(db, case_id):
        if other.kind is not PlanKind.PROMISE:
            state = "waits for approval" if other.status is PlanStatus.PENDING else "is active"
            raise PaymentError(
                "kind", f"the case's {other.kind.value} {state}: cancel the current plan first"
            )
    plan = PaymentPlan(
        case_id=case_id,
        kind=offer.kind,
        status=PlanStatus.PENDING if schedule.needs_approval else PlanStatus.ACTIVE,
        currency=schedule.currency,
        total_minor=schedule.total_minor,
        balance_minor=terms.case.balance.minor,
        frequency=offer.frequency,
        reasons=list(schedule.reasons),
        created_by_id=by_user_id,
        by_consumer=by_consumer,
        form_key=form_key,
        created_at=clock.now(),
    )
    db.add(plan)
    db.flush()
    for payment in schedule.payments:
        db.add(
            Installment(
                plan_id=plan.id,
                due_date=payment.due,
                amount_minor=payment.amount_minor,
                down_payment=payment.down_payment,
            )
        )
    db.flush()
    if plan.status is PlanStatus.ACTIVE:
        activate(db, case=terms.case, plan=plan, by_user_id=by_user_id)
    return summary(plan, tuple(p.due for p in schedule.payments))


def activate(db: Session, *, case: Case, plan: PaymentPlan, by_user_id: int | None) -> None:
    """``plan`` is now the case's arrangement: any other open promise is cancelled, the
    case's status and queue follow, and the consumer is sent the confirmation."""
    now = clock.now()
    replaced = [
        other
        for other in repo.open_arrangements(db, case.id)
        if other.id != plan.id and other.kind is PlanKind.PROMISE
    ]
    for other in replaced:
        other.status, other.ended_at, other.ended_by_id = PlanStatus.CANCELLED, now, by_user_id
        other.end_reason = f"replaced by a {plan.kind.value}"
    if replaced:
        repo.cancel_due_installments(db, [other.id for other in replaced])
    plan.status = PlanStatus.ACTIVE
    first_due = min(i.due_date for i in _installments(db, plan))
    effects.arrangement_made(
        db,
        case=case,
        promise=plan.kind is PlanKind.PROMISE,
        first_due=first_due,
        reason=f"{plan.kind.value} of {plan.total.format()} from {first_due.isoformat()}",
        by_user_id=by_user_id,
    )
    db.flush()
    _after_activation(db, plan)


def _after_activation(db: Session, plan: PaymentPlan) -> None:
    """Send the consumer the confirmation of ``plan``, now active: the receipts package
    queues it through outreach (the gate decides; the job runs after the commit), once
    per plan."""
    sending.plan_confirmation(db, plan_id=plan.id)


def cancel(
    db: Session,
    *,
    plan_id: int,
    by_user_id: int | None,
    reason: str,
    by_consumer: bool = False,
) -> PlanSummary:
    """End an active or pending arrangement, recording who and why; the consumer may
    withdraw only their own offer still waiting for approval.  An active one's case goes
    back to the queue."""
    text = " ".join(reason.split())
    if not text:
        raise PaymentError("reason", "say why the arrangement is cancelled")
    if len(text) > REASON_MAX:
        raise PaymentError("reason", f"at most {REASON_MAX} characters")
    case_id = repo.case_of_plan(db, plan_id)
    case = effects.case_locked(db, case_id) if case_id is not None else None
    plan = repo.plan_locked(db, plan_id) if case is not None else None
    if case is None or plan is None:
        raise PaymentError("plan", "no such arrangement")
    if plan.status not in repo.OPEN:
        raise PaymentError("plan", f"the {plan.kind.value} is already {plan.status.value}")
    if by_consumer and not (plan.by_consumer and plan.status is PlanStatus.PENDING):
        raise PaymentError("plan", "only your own offer waiting for approval can be withdrawn")
    was_active = plan.status is PlanStatus.ACTIVE
    plan.status, plan.ended_at, plan.ended_by_id = PlanStatus.CANCELLED, clock.now(), by_user_id
    plan.end_reason = text
    repo.cancel_due_installments(db, [plan.id])
    if was_active:
        effects.arrangement_ended(
            db, case=case, reason=f"{plan.kind.value} cancelled: {text}", by_user_id=by_user_id
        )
    db.flush()
    return summary(plan, tuple(i.due_date for i in plan.installments))


def active_plan(db: Session, *, case_id: int) -> PlanSummary | None:
    """The case's active promise, plan or settlement, if it has one."""
    plan = repo.active_plan(db, case_id)
    return None if plan is None else summary(plan, tuple(i.due_date for i in plan.installments))


def summary(plan: PaymentPlan, due_dates: tuple[date, ...]) -> PlanSummary:
    return PlanSummary.of(plan, tuple(sorted(due_dates)))


def _installments(db: Session, plan: PaymentPlan) -> list[Installment]:
    if "installments" in plan.__dict__:
        return list(plan.installments)
    return repo.installments_of(db, plan.id)


# ---- the consumer's page -----------------------------------------------------------------

# The plans the consumer's page offers (monthly payments), and when their first is due.
CONSUMER_PLAN_COUNTS = (2, 3, 6, 12)
CONSUMER_FIRST_DUE_DAYS = 7
# With no following installment and no max_months, how far a date may move.
MOVE_MAX_DAYS = 31


def consumer_choices(db: Session, *, case_id: int) -> list[tuple[Offer, Schedule]]:
    """The plans and the settlement the consumer's page offers, each computed: 2, 3, 6
    and 12 monthly payments whose last falls within the contract's ``max_months``, and,
    when the client takes settlements and has set one, a one-payment settlement at
    ``consumer_settlement_percent`` of the balance (rounded up to the minor unit).  The
    first payment is due a week from the consumer's today."""
    terms = terms_of(db, case_id, lock=False)
    first_due = terms.today + timedelta(days=CONSUMER_FIRST_DUE_DAYS)
    offers = [
        Offer(kind=PlanKind.PLAN, first_due=first_due, frequency=Frequency.MONTHLY, count=n)
        for n in CONSUMER_PLAN_COUNTS
    ]
    percent = terms.contract.consumer_settlement_percent
    if terms.contract.settlements_allowed and percent is not None:
        total = -(-terms.case.balance.minor * percent // 100)
        if 0 < total < terms.case.balance.minor:
            offers.append(
                Offer(kind=PlanKind.SETTLEMENT, first_due=first_due, total_minor=int(total))
            )
    choices = []
    for offer in offers:
        try:
            schedule = compute(terms, offer)
        except PaymentError:
            continue  # e.g. more installments than the balance has minor units
        if not any(reason.startswith("max_months") for reason in schedule.reasons):
            choices.append((offer, schedule))
    return choices


def options_for_consumer(db: Session, *, case_id: int) -> list[Offer]:
    """The offers of ``consumer_choices`` (the page computes each with ``preview``)."""
    return [offer for offer, _ in consumer_choices(db, case_id=case_id)]


def move_next_date(
    db: Session, *, plan_id: int, new_due: date, by_consumer: bool, by_user_id: int | None
) -> PlanSummary:
    """Move the active arrangement's next installment still due to ``new_due``.

    Limits: from the consumer's today; not after the following installment's date; not
    after the contract's ``max_months`` from today (without one, not more than
    ``MOVE_MAX_DAYS`` after the date it was due); once per installment (``moved_from``
    keeps the first date).  Staff may move a date the consumer already moved."""
    case_id = repo.case_of_plan(db, plan_id)
    if case_id is None:
        raise PaymentError("plan", "no active arrangement to move")
    terms = terms_of(db, case_id, lock=True)  # the case first, as every writer locks
    plan = repo.plan_locked(db, plan_id)
    if plan is None or plan.status is not PlanStatus.ACTIVE:
        raise PaymentError("plan", "no active arrangement to move")
    due = [i for i in plan.installments if i.status is InstallmentStatus.DUE]
    if not due:
        raise PaymentError("plan", "nothing is left to pay on it")
    nxt, following = due[0], (due[1] if len(due) > 1 else None)
    original = nxt.moved_from or nxt.due_date
    if by_consumer and nxt.moved_from is not None:
        raise PaymentError("new_due", "this payment's date was moved once already")
    if new_due < terms.today:
        raise PaymentError("new_due", "cannot be before today")
    if following is not None and new_due > following.due_date:
        raise PaymentError(
            "new_due", f"cannot be after the next payment's date, {following.due_date.isoformat()}"
        )
    months = terms.contract.max_months
    latest = (
        add_months(terms.today, months)
        if months is not None
        else original + timedelta(days=MOVE_MAX_DAYS)
    )
    if new_due > latest:
        raise PaymentError("new_due", f"at most {latest.isoformat()}")
    if new_due == nxt.due_date:
        raise PaymentError("new_due", "that is already its date")
    nxt.moved_from, nxt.due_date = original, new_due
    db.flush()
    return summary(plan, tuple(i.due_date for i in plan.installments))


def add_months(day: date, months: int) -> date:
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))
