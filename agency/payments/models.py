"""Arrangements (promises, plans, settlements) and their installments; the payments
posted against cases, their reversals, the attempts made through a payment provider, and
the consumer's self-service link state."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agency.db import Base, BigIntKey, IdMixin, Json
from agency.kit import clock
from agency.kit.enums import db_enum
from agency.kit.money import Money
from agency.payments.kinds import (
    AttemptStatus,
    Frequency,
    InstallmentStatus,
    PaymentMethod,
    PlanKind,
    PlanStatus,
    ReversalKind,
)

# The enumerations live in agency.payments.kinds (no SQLAlchemy there) and are
# re-exported here beside the tables that use them.
__all__ = [
    "AttemptStatus",
    "ConsumerUpload",
    "Frequency",
    "Installment",
    "InstallmentStatus",
    "Payment",
    "PaymentAttempt",
    "PaymentMethod",
    "PaymentPlan",
    "PlanKind",
    "PlanStatus",
    "Reversal",
    "ReversalKind",
    "SelfServiceAccess",
]


class PaymentPlan(IdMixin, Base):
    """An arrangement to pay a case: a promise (one installment), a plan or a settlement.
    Amounts in minor units of the case's currency; ``balance_minor`` is the case's balance
    when the arrangement was made (a settlement's share is of it).  An offer beyond the
    client's authority is ``pending`` with its ``reasons`` until a supervisor decides."""

    __tablename__ = "payment_plans"
    __table_args__ = (
        Index("ix_payment_plans_case_id_status", "case_id", "status"),
        Index("ix_payment_plans_status_created_at", "status", "created_at"),
        CheckConstraint("total_minor > 0", name="total_positive"),
    )

    case_id: Mapped[int] = mapped_column(BigIntKey, ForeignKey("cases.id", ondelete="RESTRICT"))
    kind: Mapped[PlanKind] = mapped_column(db_enum(PlanKind, "plan_kind"))
    status: Mapped[PlanStatus] = mapped_column(
        db_enum(PlanStatus, "plan_status"), default=PlanStatus.ACTIVE
    )
    currency: Mapped[str] = mapped_column(String(3))
    total_minor: Mapped[int] = mapped_column(BigInteger)
    balance_minor: Mapped[int | None] = mapped_column(BigInteger)
    frequency: Mapped[Frequency | None] = mapped_column(db_enum(Frequency, "plan_frequency"))
    # The limits of the client's authority the offer passed, one sentence each.
    reasons: Mapped[list[str]] = mapped_column(Json, default=list, server_default="[]")
    # Who made it: a user, or the consumer on their self-service page (no user).
    created_by_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="SET NULL")
    )
    by_consumer: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The token of the form that made it: the same form posted twice makes one.
    form_key: Mapped[str | None] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    # A supervisor's decision on a pending offer.
    decided_by_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(String(500))
    # How it ended (kept, broken, cancelled, refused): when, by whom, why.
    ended_at: Mapped[datetime | None]
    ended_by_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="SET NULL")
    )
    end_reason: Mapped[str | None] = mapped_column(String(500))

    installments: Mapped[list[Installment]] = relationship(
        back_populates="plan", lazy="raise", order_by="(Installment.due_date, Installment.id)"
    )

    @property
    def total(self) -> Money:
        return Money(self.total_minor, self.currency)


class Installment(IdMixin, Base):
    """One payment a plan expects on ``due_date``; ``paid_minor`` is what payments have
    brought to it so far (an installment is paid when it reaches ``amount_minor``)."""

    __tablename__ = "installments"
    __table_args__ = (
        Index("ix_installments_status_due_date", "status", "due_date"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint("paid_minor >= 0 AND paid_minor <= amount_minor", name="paid_in_range"),
    )

    plan_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("payment_plans.id", ondelete="CASCADE"), index=True
    )
    due_date: Mapped[date]
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    paid_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default=text("0"))
    down_payment: Mapped[bool] = mapped_column(default=False, server_default=false())
    status: Mapped[InstallmentStatus] = mapped_column(
        db_enum(InstallmentStatus, "installment_status"), default=InstallmentStatus.DUE
    )
    missed_at: Mapped[datetime | None]
    # The date it was due before the consumer moved it (a move is allowed once).
    moved_from: Mapped[date | None]

    plan: Mapped[PaymentPlan] = relationship(back_populates="installments", lazy="raise")


class Payment(IdMixin, Base):
    """Money received for a case, never edited: a reversal is its own record.  The
    amount is allocated across the case's buckets (``fees_minor`` + ``interest_minor``
    + ``principal_minor`` = ``amount_minor``) by the contract's order, and the case's
    balance is what was placed less what payments not reversed have allocated."""

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint(
            "fees_minor >= 0 AND interest_minor >= 0 AND principal_minor >= 0 "
            "AND fees_minor + interest_minor + principal_minor = amount_minor",
            name="allocation_sums",
        ),
        # A provider's payment is posted once, whatever the webhook retries.
        Index(
            "uq_payments_provider_reference",
            "provider",
            "provider_reference",
            unique=True,
            postgresql_where=text("provider_reference IS NOT NULL"),
            sqlite_where=text("provider_reference IS NOT NULL"),
        ),
        Index("ix_payments_case_id_effective_on", "case_id", "effective_on"),
        Index("ix_payments_posted_at", "posted_at"),
    )

    case_id: Mapped[int] = mapped_column(BigIntKey, ForeignKey("cases.id", ondelete="RESTRICT"))
    plan_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("payment_plans.id", ondelete="SET NULL"), index=True
    )
    installment_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("installments.id", ondelete="SET NULL"), index=True
    )
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    method: Mapped[PaymentMethod] = mapped_column(db_enum(PaymentMethod, "payment_method"))
    # Who holds the money: we took it (to the agency), or the consumer paid the client.
    to_client: Mapped[bool] = mapped_column(default=False, server_default=false())
    received_on: Mapped[date]
    effective_on: Mapped[date]
    reference: Mapped[str | None] = mapped_column(String(100))
    provider: Mapped[str] = mapped_column(String(20))  # manual, stripe, sandbox, client
    provider_reference: Mapped[str | None] = mapped_column(String(100))
    fees_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    interest_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    principal_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    posted_by_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="SET NULL")
    )
    posted_at: Mapped[datetime] = mapped_column(default=clock.now)
    placement_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("placements.id", ondelete="SET NULL")
    )

    reversal: Mapped[Reversal | None] = relationship(back_populates="payment", lazy="raise")

    @property
    def amount(self) -> Money:
        return Money(self.amount_minor, self.currency)


class Reversal(IdMixin, Base):
    """A payment taken back, whole: its allocation is undone and the balance reopens.
    One per payment (the unique key refuses a second, even from two clicks at once)."""

    __tablename__ = "payment_reversals"

    payment_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("payments.id", ondelete="RESTRICT"), unique=True
    )
    case_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("cases.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[ReversalKind] = mapped_column(db_enum(ReversalKind, "reversal_kind"))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(String(500))
    effective_on: Mapped[date]
    provider_reference: Mapped[str | None] = mapped_column(String(100))
    by_user_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now, index=True)

    payment: Mapped[Payment] = relationship(back_populates="reversal", lazy="raise")


class PaymentAttempt(IdMixin, Base):
    """A payment asked of a provider (a Stripe PaymentIntent, or the sandbox's), before
    the money is ours: it becomes a Payment when the provider says it succeeded.  The
    idempotency key makes a retried create, or two clicks, one charge."""

    __tablename__ = "payment_attempts"
    __table_args__ = (
        UniqueConstraint("provider", "intent_id"),
        Index("ix_payment_attempts_case_id", "case_id"),
    )

    case_id: Mapped[int] = mapped_column(BigIntKey, ForeignKey("cases.id", ondelete="RESTRICT"))
    installment_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("installments.id", ondelete="SET NULL")
    )
    provider: Mapped[str] = mapped_column(String(20))
    intent_id: Mapped[str] = mapped_column(String(100))
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    method: Mapped[PaymentMethod] = mapped_column(db_enum(PaymentMethod, "payment_method"))
    status: Mapped[AttemptStatus] = mapped_column(
        db_enum(AttemptStatus, "attempt_status"), default=AttemptStatus.PROCESSING
    )
    failure: Mapped[str | None] = mapped_column(String(300))
    # The provider's code for the failure (Stripe's decline code: insufficient_funds),
    # which the consumer's page words in the consumer's language.
    failure_code: Mapped[str | None] = mapped_column(String(60))
    payment_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("payments.id", ondelete="SET NULL")
    )
    by_consumer: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_by_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)


class SelfServiceAccess(IdMixin, Base):
    """The state of a case's self-service links: failed identity checks (five lock the
    links for an hour), links revoked (every link signed before ``revoked_before``), and
    when the page was last opened."""

    __tablename__ = "self_service_access"

    case_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("cases.id", ondelete="CASCADE"), unique=True
    )
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    locked_until: Mapped[datetime | None]
    revoked_before: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="SET NULL")
    )
    last_opened_at: Mapped[datetime | None]


class ConsumerUpload(IdMixin, Base):
    """A file the consumer sent with a written dispute from their page (PDF or image,
    bounded in size), kept with the case."""

    __tablename__ = "consumer_uploads"

    case_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
