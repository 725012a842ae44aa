"""What the payments domain hands to other domains: a plan as values, not ORM rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from agency.kit.money import Money
from agency.payments.models import PaymentPlan, PlanKind, PlanStatus


@dataclass(frozen=True, slots=True)
class PlanSummary:
    """A promise, plan or settlement of a case, with the due dates of its installments."""

    id: int
    case_id: int
    kind: PlanKind
    status: PlanStatus
    total: Money
    due_dates: tuple[date, ...]
    created_at: datetime
    created_by_id: int | None

    @property
    def is_promise(self) -> bool:
        return self.kind is PlanKind.PROMISE

    @classmethod
    def of(cls, plan: PaymentPlan, due_dates: tuple[date, ...]) -> PlanSummary:
        return cls(
            id=plan.id,
            case_id=plan.case_id,
            kind=plan.kind,
            status=plan.status,
            total=plan.total,
            due_dates=due_dates,
            created_at=plan.created_at,
            created_by_id=plan.created_by_id,
        )
