"""The payments domain's entry points for other domains (those above it; the domains
below never import payments): the arrangements broken since a time, for the contact
strategies, and a case's active arrangement.  Services flush, never commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from agency.payments.arrangements import making
from agency.payments.repository import arrangements as repo
from agency.payments.schemas import PlanSummary


def plans_broken_since(db: Session, since: datetime) -> list[PlanSummary]:
    """The promises, plans and settlements broken at or after ``since``, oldest first:
    the "plan broken" events a contact strategy acts on."""
    return [
        making.summary(plan, tuple(i.due_date for i in plan.installments))
        for plan in repo.plans_broken_since(db, since)
    ]


def active_plan(db: Session, *, case_id: int) -> PlanSummary | None:
    """The case's active promise, plan or settlement, if it has one."""
    return making.active_plan(db, case_id=case_id)
