"""What the payments domain hands around: offers and schedules, payments to post, and
the summaries other domains and the pages read — values, not ORM rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from agency.kit.money import Money
from agency.kit.refusals import FieldRefused
from agency.payments.kinds import Frequency, PaymentMethod, PlanKind, PlanStatus, ReversalKind

if TYPE_CHECKING:
    from agency.payments.models import PaymentPlan


class PaymentError(FieldRefused):
    """A refused arrangement, payment or reversal: ``field`` names what was wrong (a
    form field, or a scenario path such as ``offer.count``) and ``message`` says why."""


# ---- arrangements ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Authority:
    """A client contract's limits on arrangements (``../shared/payment-schedules.md``):
    a missing limit is no limit.  Percentages as exact decimals (60.000 = 60 %)."""

    settlement_floor: Decimal | None = None
    max_months: int | None = None
    min_installment_minor: int | None = None
    min_down_payment_percent: Decimal | None = None


@dataclass(frozen=True, slots=True)
class DownPayment:
    amount_minor: int
    due: date


@dataclass(frozen=True, slots=True)
class Offer:
    """A promise, plan or settlement asked for, before it is computed."""

    kind: PlanKind
    first_due: date
    total_minor: int | None = None
    frequency: Frequency | None = None
    count: int | None = None
    installment_minor: int | None = None
    down_payment: DownPayment | None = None


@dataclass(frozen=True, slots=True)
class ScheduledPayment:
    due: date
    amount_minor: int
    down_payment: bool = False


@dataclass(frozen=True, slots=True)
class Schedule:
    """An offer computed: its payments in date order (the down payment first), and
    whether it is beyond the client's authority, with one reason per limit passed."""

    kind: PlanKind
    currency: str
    total_minor: int
    needs_approval: bool
    reasons: tuple[str, ...]
    payments: tuple[ScheduledPayment, ...]

    @property
    def total(self) -> Money:
        return Money(self.total_minor, self.currency)


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


# ---- payments ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PaymentInput:
    """A payment to post on a case.  ``effective_on`` defaults to ``received_on``;
    ``installment_id`` None: the case's next installment due, if it has an arrangement."""

    amount_minor: int
    currency: str
    method: PaymentMethod
    received_on: date
    effective_on: date | None = None
    reference: str | None = None
    installment_id: int | None = None
    provider: str = "manual"
    provider_reference: str | None = None
    to_client: bool = False
    placement_id: int | None = None


@dataclass(frozen=True, slots=True)
class Allocation:
    """How much of a payment went to each balance bucket."""

    fees_minor: int = 0
    interest_minor: int = 0
    principal_minor: int = 0

    @property
    def total_minor(self) -> int:
        return self.fees_minor + self.interest_minor + self.principal_minor


@dataclass(frozen=True, slots=True)
class PostedPayment:
    """A payment posted, with what it did to the case."""

    id: int
    case_id: int
    amount: Money
    allocation: Allocation
    balance_after: Money
    installment_id: int | None
    plan_id: int | None
    case_closed_as: str | None = None  # "paid" or "settled" when this payment closed it
    already_posted: bool = False  # the provider's reference had been posted before


@dataclass(frozen=True, slots=True)
class ReversalSummary:
    id: int
    payment_id: int
    case_id: int
    kind: ReversalKind
    amount: Money
    balance_after: Money
    reopened: bool = False  # a paid or settled case came back to work
    notes: tuple[str, ...] = field(default=())
