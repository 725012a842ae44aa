"""A contract's fee schedule, in versions, and the commission ledger: one entry per
payment and per reversal, written in the posting's own transaction, never changed."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from agency.commission.kinds import PaidTo, Remittance
from agency.db import Base, BigIntKey, ExactDecimal, IdMixin, Json
from agency.kit import clock
from agency.kit.enums import db_enum

__all__ = ["CommissionEntry", "FeeScheduleVersion", "PaidTo", "Remittance"]


class FeeScheduleVersion(IdMixin, Base):
    """One version of a contract's fee schedule, in force from ``effective_from`` until
    the next version's day.  Versions are never edited: a change is a new version, with
    who made it and why.  ``tiers`` is the scenario format's list
    (``[{"rate": "25.000", "placement_age_days": [91, 180]}, ...]``)."""

    __tablename__ = "fee_schedule_versions"
    __table_args__ = (
        UniqueConstraint("contract_id", "version"),
        Index("ix_fee_schedule_versions_in_force", "contract_id", "effective_from"),
        CheckConstraint("minimum_fee_minor >= 0", name="minimum_fee_not_negative"),
        CheckConstraint(
            "legal_rate IS NULL OR CAST(legal_rate AS NUMERIC) BETWEEN 0 AND 100",
            name="legal_rate_is_percent",
        ),
    )

    contract_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("contracts.id", ondelete="RESTRICT")
    )
    version: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[date]
    currency: Mapped[str] = mapped_column(String(3))
    tiers: Mapped[list[dict[str, Any]]] = mapped_column(Json)
    legal_rate: Mapped[Decimal | None] = mapped_column(ExactDecimal(6, 3))
    minimum_fee_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    remittance: Mapped[Remittance] = mapped_column(db_enum(Remittance, "remittance"))
    reason: Mapped[str] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class CommissionEntry(IdMixin, Base):
    """Our commission on one payment, or on its reversal (``reversal_id`` set: the
    payment's amount and commission negated, its rate and tier kept).  ``schedule_id``
    is the fee schedule version that rated it (None: the contract's flat rate, from
    before it had a schedule); ``why`` says which tier and why, in words."""

    __tablename__ = "commission_entries"
    __table_args__ = (
        # One entry per payment and one per reversal, whatever two postings at once do.
        Index(
            "uq_commission_entries_payment",
            "payment_id",
            unique=True,
            postgresql_where=text("reversal_id IS NULL"),
            sqlite_where=text("reversal_id IS NULL"),
        ),
        Index("ix_commission_entries_client_on", "client_id", "on"),
        Index("ix_commission_entries_case_id", "case_id"),
        CheckConstraint(
            "(reversal_id IS NULL AND amount_minor > 0 AND commission_minor >= 0) OR "
            "(reversal_id IS NOT NULL AND amount_minor < 0 AND commission_minor <= 0)",
            name="signs",
        ),
        CheckConstraint("abs(commission_minor) <= abs(amount_minor)", name="within_amount"),
    )

    client_id: Mapped[int] = mapped_column(BigIntKey, ForeignKey("clients.id", ondelete="RESTRICT"))
    contract_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("contracts.id", ondelete="RESTRICT")
    )
    case_id: Mapped[int] = mapped_column(BigIntKey, ForeignKey("cases.id", ondelete="RESTRICT"))
    payment_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("payments.id", ondelete="RESTRICT")
    )
    reversal_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("payment_reversals.id", ondelete="RESTRICT"), unique=True
    )
    schedule_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("fee_schedule_versions.id", ondelete="RESTRICT")
    )
    on: Mapped[date]
    paid_to: Mapped[PaidTo] = mapped_column(db_enum(PaidTo, "commission_paid_to"))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    rate: Mapped[Decimal] = mapped_column(ExactDecimal(6, 3))
    tier: Mapped[str] = mapped_column(String(8))  # "0", "1", …, or "legal"
    commission_minor: Mapped[int] = mapped_column(BigInteger)
    why: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
