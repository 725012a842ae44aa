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
    LargeBinary,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from agency.commission.kinds import (
    AccountType,
    Frequency,
    LineRole,
    PaidTo,
    PeriodStatus,
    Remittance,
    RemittanceMethod,
    RemittanceStatus,
)
from agency.db import Base, BigIntKey, ExactDecimal, IdMixin, Json
from agency.kit import clock
from agency.kit.enums import db_enum

__all__ = [
    "ClientRemittance",
    "CommissionEntry",
    "CommissionPeriod",
    "FeeScheduleVersion",
    "PaidTo",
    "PeriodEvent",
    "Remittance",
    "RemittanceFile",
    "RemittancePayout",
    "Statement",
    "StatementLine",
]


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
        CheckConstraint(
            "clearing_card_days BETWEEN 0 AND 30 AND clearing_ach_days BETWEEN 0 AND 30",
            name="clearing_days_in_range",
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
    # Cleared funds: business days after it is received that money taken by card, and
    # by ACH (and cheque or bank transfer), may be remitted; cash clears at once.
    clearing_card_days: Mapped[int] = mapped_column(Integer, default=2, server_default=text("2"))
    clearing_ach_days: Mapped[int] = mapped_column(Integer, default=5, server_default=text("5"))
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
        # What the partner reports' refresh has not seen yet (agency.reporting.refresh).
        Index("ix_commission_entries_created_at", "created_at"),
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
    # The day its money may be remitted: the payment's method's clearing days after it
    # (``on`` for a direct payment); a reversal's, its payment's or its own if later.
    clears_on: Mapped[date]
    paid_to: Mapped[PaidTo] = mapped_column(db_enum(PaidTo, "commission_paid_to"))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    rate: Mapped[Decimal] = mapped_column(ExactDecimal(6, 3))
    tier: Mapped[str] = mapped_column(String(8))  # "0", "1", …, or "legal"
    commission_minor: Mapped[int] = mapped_column(BigInteger)
    why: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class ClientRemittance(IdMixin, Base):
    """How a client is paid what we remit and how often its statements come: one
    statement a period for the whole client, paid one way.  For ACH, the client's
    account (shown masked; only the remittance file carries it whole)."""

    __tablename__ = "client_remittances"

    client_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("clients.id", ondelete="RESTRICT"), unique=True
    )
    frequency: Mapped[Frequency] = mapped_column(db_enum(Frequency, "statement_frequency"))
    method: Mapped[RemittanceMethod] = mapped_column(db_enum(RemittanceMethod, "remittance_method"))
    account_name: Mapped[str] = mapped_column(String(22), default="")
    routing_number: Mapped[str] = mapped_column(String(9), default="")
    account_number: Mapped[str] = mapped_column(String(17), default="")
    account_type: Mapped[AccountType] = mapped_column(
        db_enum(AccountType, "bank_account_type"), default=AccountType.CHECKING
    )
    sec_code: Mapped[str] = mapped_column(String(3), default="CCD")
    cheque_payee: Mapped[str] = mapped_column(String(120), default="")
    cheque_address: Mapped[str] = mapped_column(String(300), default="")
    updated_by_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)


class CommissionPeriod(IdMixin, Base):
    """One of a client's statement periods, both ends included.  A client's periods
    follow one another without overlapping; a closed period's statement never changes
    (an entry posted later for one of its days goes on the next as an adjustment)."""

    __tablename__ = "commission_periods"
    __table_args__ = (
        UniqueConstraint("client_id", "starts_on"),
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
    )

    client_id: Mapped[int] = mapped_column(BigIntKey, ForeignKey("clients.id", ondelete="RESTRICT"))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    status: Mapped[PeriodStatus] = mapped_column(
        db_enum(PeriodStatus, "period_status"), default=PeriodStatus.OPEN
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class PeriodEvent(IdMixin, Base):
    """A period closed or re-opened: who, when, and (re-opened) why."""

    __tablename__ = "commission_period_events"
    __table_args__ = (Index("ix_commission_period_events_period", "period_id", "id"),)

    period_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("commission_periods.id", ondelete="RESTRICT")
    )
    action: Mapped[str] = mapped_column(String(8))  # "closed" | "reopened"
    reason: Mapped[str] = mapped_column(String(500), default="")
    by_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="SET NULL")
    )
    at: Mapped[datetime] = mapped_column(default=clock.now)


class Statement(IdMixin, Base):
    """A closed period's statement for one currency: its totals, kept as issued.
    Re-closing a re-opened period issues the next ``issue``, which ``replaces`` the
    one before (that one is then no longer ``current``)."""

    __tablename__ = "commission_statements"
    __table_args__ = (
        UniqueConstraint("period_id", "currency", "issue"),
        Index("ix_commission_statements_client", "client_id", "id"),
    )

    period_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("commission_periods.id", ondelete="RESTRICT")
    )
    client_id: Mapped[int] = mapped_column(BigIntKey, ForeignKey("clients.id", ondelete="RESTRICT"))
    currency: Mapped[str] = mapped_column(String(3))
    issue: Mapped[int] = mapped_column(Integer, default=1)
    # NO ACTION, not RESTRICT: SQLite checks RESTRICT row by row, so even emptying the
    # table (the tests do) would be refused by a re-issue's reference to its first.
    replaces_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("commission_statements.id")
    )
    current: Mapped[bool] = mapped_column(default=True)
    reference: Mapped[str] = mapped_column(String(15), unique=True)
    lines: Mapped[int] = mapped_column(BigInteger, default=0)
    # Paid to us: everything listed, the part still uncleared (remitted later), and the
    # money remitted now (cleared: this period's and earlier periods' released) with
    # our commission on it.
    to_us_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    uncleared_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    released_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    released_commission_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    # Paid to the client directly, and our commission on it (always invoiced).
    direct_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    direct_commission_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    remit_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    invoice_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    carried_in_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    remittance_due_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    carried_out_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    issued_by_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="SET NULL")
    )
    issued_at: Mapped[datetime] = mapped_column(default=clock.now)


class StatementLine(IdMixin, Base):
    """An entry on a statement: in its period, an adjustment to a closed one, or money
    listed before and released now that it has cleared.  ``remitted``: its money is in
    this statement's remittance (money paid to us, and cleared).

    A line carries its entry's payer, amount and commission and its schedule's net or
    gross (all of them never change), so a statement's totals are a GROUP BY over its
    own lines, with no join back to the ledger: ``bench/commission.py`` measured the
    join at a fifth of the speed.  The nightly check compares them with the ledger."""

    __tablename__ = "commission_statement_lines"
    __table_args__ = (
        Index("ix_commission_statement_lines_statement", "statement_id", "id"),
        Index("ix_commission_statement_lines_entry", "entry_id"),
    )

    statement_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("commission_statements.id", ondelete="RESTRICT")
    )
    entry_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("commission_entries.id", ondelete="RESTRICT")
    )
    role: Mapped[LineRole] = mapped_column(db_enum(LineRole, "statement_line_role"))
    remitted: Mapped[bool] = mapped_column(default=False)
    paid_to: Mapped[PaidTo] = mapped_column(db_enum(PaidTo, "commission_paid_to"))
    remittance: Mapped[Remittance] = mapped_column(db_enum(Remittance, "remittance"))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    commission_minor: Mapped[int] = mapped_column(BigInteger)


class RemittanceFile(IdMixin, Base):
    """An ACH credit file (NACHA) or a cheque run: the remittances it pays, kept as
    written so that it is downloaded again, never written twice."""

    __tablename__ = "commission_remittance_files"

    method: Mapped[RemittanceMethod] = mapped_column(db_enum(RemittanceMethod, "remittance_method"))
    effective_on: Mapped[date]
    count: Mapped[int] = mapped_column(Integer)
    total_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_by_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class RemittancePayout(IdMixin, Base):
    """What a statement's remittance pays the client, and, once the bank has it,
    when and with which bank reference."""

    __tablename__ = "commission_remittances"

    statement_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("commission_statements.id", ondelete="RESTRICT"), unique=True
    )
    client_id: Mapped[int] = mapped_column(BigIntKey, ForeignKey("clients.id", ondelete="RESTRICT"))
    method: Mapped[RemittanceMethod] = mapped_column(db_enum(RemittanceMethod, "remittance_method"))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    reference: Mapped[str] = mapped_column(String(15))
    status: Mapped[RemittanceStatus] = mapped_column(
        db_enum(RemittanceStatus, "remittance_status"), default=RemittanceStatus.DUE
    )
    file_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("commission_remittance_files.id", ondelete="RESTRICT"), index=True
    )
    bank_reference: Mapped[str] = mapped_column(String(60), default="")
    paid_on: Mapped[date | None]
    paid_by_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="SET NULL")
    )
