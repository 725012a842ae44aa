from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    false,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agency.db import Base, BigIntKey, ExactDecimal, IdMixin
from agency.kit import clock


class Client(IdMixin, Base):
    """A merchant that places accounts with us and pays us commission."""

    __tablename__ = "clients"

    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    legal_name: Mapped[str] = mapped_column(String(200))
    industry: Mapped[str] = mapped_column(String(60))
    country: Mapped[str] = mapped_column(String(2))
    currency: Mapped[str] = mapped_column(String(3))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    contracts: Mapped[list[Contract]] = relationship(
        back_populates="client", lazy="raise", order_by="Contract.effective_from.desc()"
    )

    def contract_on(self, day: date) -> Contract | None:
        """The contract in force on ``day`` (contracts of a client never overlap)."""
        for contract in self.contracts:
            if contract.effective_from <= day and (
                contract.effective_to is None or day <= contract.effective_to
            ):
                return contract
        return None

    @property
    def current_contract(self) -> Contract | None:
        return self.contract_on(clock.now().date())


class Contract(IdMixin, Base):
    """The commercial terms under which a client's placements are worked.

    ``contingency_rate`` is our fee as a percentage of what we collect (25.000 = 25 %);
    ``settlement_floor`` is the lowest share of the balance, in percent, we may accept in
    settlement without asking the client.  Tiered schedules come with the commission work.
    """

    __tablename__ = "contracts"
    __table_args__ = (
        # CAST: on SQLite the exact decimal is stored as text (see ExactDecimal).
        CheckConstraint(
            "CAST(contingency_rate AS NUMERIC) BETWEEN 0 AND 100", name="rate_is_percent"
        ),
        CheckConstraint(
            "CAST(settlement_floor AS NUMERIC) BETWEEN 0 AND 100", name="floor_is_percent"
        ),
        CheckConstraint(
            "effective_to IS NULL OR effective_to >= effective_from", name="dates_ordered"
        ),
        CheckConstraint(
            "max_months IS NULL OR max_months BETWEEN 1 AND 120", name="max_months_range"
        ),
        CheckConstraint("grace_days BETWEEN 0 AND 60", name="grace_days_range"),
        CheckConstraint("missed_to_break BETWEEN 1 AND 12", name="missed_to_break_range"),
    )

    client_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("clients.id", ondelete="RESTRICT"), index=True
    )
    reference: Mapped[str] = mapped_column(String(40))
    currency: Mapped[str] = mapped_column(String(3))
    contingency_rate: Mapped[Decimal] = mapped_column(ExactDecimal(6, 3))
    settlement_floor: Mapped[Decimal] = mapped_column(ExactDecimal(6, 3))
    effective_from: Mapped[date]
    effective_to: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    # Settlement authority beyond the floor (agency.payments.schedule): a missing limit is
    # no limit.  An offer past one goes to a supervisor's approval queue.
    settlements_allowed: Mapped[bool] = mapped_column(default=True, server_default=true())
    max_months: Mapped[int | None] = mapped_column(Integer)
    min_installment_minor: Mapped[int | None] = mapped_column(BigInteger)
    min_down_payment_percent: Mapped[Decimal | None] = mapped_column(ExactDecimal(6, 3))
    # The least a consumer may pay at once on their page (None: any amount above zero).
    min_payment_minor: Mapped[int | None] = mapped_column(BigInteger)
    # The settlement the consumer's page offers, as a share of the balance (None: none).
    consumer_settlement_percent: Mapped[Decimal | None] = mapped_column(ExactDecimal(6, 3))
    # Broken arrangements: an installment unpaid ``grace_days`` after it was due is
    # missed; ``missed_to_break`` missed installments break the plan.  With
    # ``roll_missed_to_end`` a first miss moves its amount to a new last installment and
    # only a second consecutive miss breaks the plan.
    grace_days: Mapped[int] = mapped_column(Integer, default=5, server_default=text("5"))
    missed_to_break: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    roll_missed_to_end: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The client sends the Reg F validation notice itself: this contract's strategies
    # need not start with it (agency.outreach.strategies).
    client_sends_validation_notice: Mapped[bool] = mapped_column(
        default=False, server_default=false()
    )
    # The order a payment is allocated across the balance buckets.
    allocation_order: Mapped[str] = mapped_column(
        String(40), default="fees,interest,principal", server_default="fees,interest,principal"
    )

    client: Mapped[Client] = relationship(back_populates="contracts", lazy="raise")


class ApiKey(IdMixin, Base):
    """A client's key for the JSON API.  Only its SHA-256 is kept; the key itself is shown
    once, when an admin creates it.  ``prefix`` (its first characters) names it on screens
    and finds it quickly."""

    __tablename__ = "api_keys"

    client_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    @property
    def active(self) -> bool:
        return self.revoked_at is None
