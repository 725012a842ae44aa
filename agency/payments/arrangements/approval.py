"""The supervisors' decision on an offer beyond the client's authority: approved, it
becomes the case's arrangement (status, queue, confirmation); refused, it ends with the
reason.  Either is recorded with who and when.

The decision locks the case and then the offer, and reads the offer afresh: of two
supervisors deciding at once one wins and the other is told who decided.  It re-checks
what the offer was computed on: the case still open, its balance unchanged, and its
first payment not yet past.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from agency.auth import service as auth_service
from agency.cases import arrangement_effects as effects
from agency.kit import clock
from agency.payments.arrangements import making
from agency.payments.models import PaymentPlan, PlanKind, PlanStatus
from agency.payments.repository import arrangements as repo
from agency.payments.schemas import PaymentError, PlanSummary


def decide(
    db: Session, *, plan_id: int, approve: bool, by_user_id: int, reason: str | None
) -> PlanSummary:
    """Approve or refuse the pending offer ``plan_id``; a refusal needs a reason.
    Raises ``PaymentError`` naming what stops it."""
    text = " ".join((reason or "").split())
    if not approve and not text:
        raise PaymentError("reason", "say why the offer is refused")
    if len(text) > making.REASON_MAX:
        raise PaymentError("reason", f"at most {making.REASON_MAX} characters")
    case_id = repo.case_of_plan(db, plan_id)
    case = effects.case_locked(db, case_id) if case_id is not None else None
    plan = repo.plan_locked(db, plan_id) if case is not None else None
    if case is None or plan is None:
        raise PaymentError("plan", "no such offer")
    if plan.status is not PlanStatus.PENDING:
        raise PaymentError("plan", _already(db, plan))
    now = clock.now()
    if approve:
        if not case.status.is_open:
            raise PaymentError("plan", f"the case is {case.status.value}: it cannot be approved")
        if case.balance.minor != plan.balance_minor:
            was = case.bucket(plan.balance_minor)
            raise PaymentError(
                "plan",
                f"the case's balance changed since the offer ({was.format() if was else '?'} "
                f"then, {case.balance.format()} now): refuse it and make a new one",
            )
        today = effects.consumer_today(db, case)
        if min(i.due_date for i in plan.installments) < today:
            raise PaymentError("plan", "its first payment date has passed: refuse it")
        others = [p for p in repo.open_arrangements(db, case.id) if p.id != plan.id]
        if any(p.kind is not PlanKind.PROMISE for p in others):
            raise PaymentError("plan", "the case has another plan now: cancel it first")
    plan.decided_by_id, plan.decided_at = by_user_id, now
    plan.decision_reason = text or None
    if approve:
        making.activate(db, case=case, plan=plan, by_user_id=by_user_id)
    else:
        plan.status, plan.ended_at, plan.ended_by_id = PlanStatus.REFUSED, now, by_user_id
        plan.end_reason = text
        repo.cancel_due_installments(db, [plan.id])
    db.flush()
    return making.summary(plan, tuple(i.due_date for i in plan.installments))


def _already(db: Session, plan: PaymentPlan) -> str:
    """Why ``plan`` cannot be decided: who decided it, or how it ended."""
    if plan.decided_by_id is not None:
        users = auth_service.users_by_ids(db, [plan.decided_by_id])
        name = users[0].full_name if users else "another supervisor"
        verdict = "approved" if plan.status is not PlanStatus.REFUSED else "refused"
        return f"already decided by {name} ({verdict})"
    return f"the offer is {plan.status.value}: nothing to decide"
