from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agency.db import Base, BigIntKey, IdMixin
from agency.kit import clock
from agency.kit.enums import db_enum
from agency.kit.money import Money


class PlanKind(StrEnum):
    PROMISE = "promise"  # the consumer promised one payment on a date
    PLAN = "plan"  # a schedule of installments
    SETTLEMENT = "settlement"  # less than the balance, accepted in full settlement


class PlanStatus(StrEnum):
    ACTIVE = "active"
    KEPT = "kept"
    BROKEN = "broken"
    CANCELLED = "cancelled"


class InstallmentStatus(StrEnum):
    DUE = "due"
    PAID = "paid"
    MISSED = "missed"
    CANCELLED = "cancelled"


class PaymentPlan(IdMixin, Base):
    """An arrangement to pay a case: a promise (one installment), a plan or a settlement.
    Amounts in minor units of the case's currency."""

    __tablename__ = "payment_plans"
    __table_args__ = (
        Index("ix_payment_plans_case_id_status", "case_id", "status"),
        CheckConstraint("total_minor > 0", name="total_positive"),
    )

    case_id: Mapped[int] = mapped_column(BigIntKey, ForeignKey("cases.id", ondelete="RESTRICT"))
    kind: Mapped[PlanKind] = mapped_column(db_enum(PlanKind, "plan_kind"))
    status: Mapped[PlanStatus] = mapped_column(
        db_enum(PlanStatus, "plan_status"), default=PlanStatus.ACTIVE
    )
    currency: Mapped[str] = mapped_column(String(3))
    total_minor: Mapped[int] = mapped_column(BigInteger)
    created_by_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    ended_at: Mapped[datetime | None]

    installments: Mapped[list[Installment]] = relationship(
        back_populates="plan", lazy="raise", order_by="Installment.due_date"
    )

    @property
    def total(self) -> Money:
        return Money(self.total_minor, self.currency)


class Installment(IdMixin, Base):
    """One payment a plan expects on ``due_date``."""

    __tablename__ = "installments"
    __table_args__ = (
        Index("ix_installments_status_due_date", "status", "due_date"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
    )

    plan_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("payment_plans.id", ondelete="CASCADE"), index=True
    )
    due_date: Mapped[date]
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[InstallmentStatus] = mapped_column(
        db_enum(InstallmentStatus, "installment_status"), default=InstallmentStatus.DUE
    )

    plan: Mapped[PaymentPlan] = relationship(back_populates="installments", lazy="raise")
