"""The trust ledger's movements and the bank statements imported against it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agency.commission.kinds import TrustKind
from agency.commission.models import CommissionEntry
from agency.db import Base, BigIntKey, IdMixin
from agency.kit import clock
from agency.kit.enums import db_enum


class TrustMovement(IdMixin, Base):
    """Money into or out of the trust account, on one client's sub-ledger: a payment to
    us (its commission entry), its reversal, a remittance paid, or our commission moved
    to operating.  Written with the event that moves the money; never changed."""

    __tablename__ = "trust_movements"
    __table_args__ = (
        Index("ix_trust_movements_on", "on", "id"),
        Index("ix_trust_movements_client_on", "client_id", "on"),
        CheckConstraint(
            "(kind = 'payment_in' AND amount_minor > 0) OR "
            "(kind <> 'payment_in' AND amount_minor < 0)",
            name="sign_of_kind",
        ),
    )

    client_id: Mapped[int] = mapped_column(BigIntKey, ForeignKey("clients.id", ondelete="RESTRICT"))
    on: Mapped[date]
    kind: Mapped[TrustKind] = mapped_column(db_enum(TrustKind, "trust_kind"))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    reference: Mapped[str] = mapped_column(String(60))
    # The consumer's state for a payment in (its deposit deadline), else None.
    region: Mapped[str | None] = mapped_column(String(3))
    entry_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("commission_entries.id", ondelete="RESTRICT"), unique=True
    )
    payout_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("commission_remittances.id", ondelete="RESTRICT"), unique=True
    )
    by_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    # Written with its entry in one flush (the entry has no id before it).
    entry: Mapped[CommissionEntry | None] = relationship(lazy="raise")


class BankImport(IdMixin, Base):
    """A bank statement of the trust account, as imported (CSV or BAI2)."""

    __tablename__ = "trust_bank_imports"

    file_name: Mapped[str] = mapped_column(String(200))
    lines: Mapped[int] = mapped_column(Integer)
    first_on: Mapped[date]
    last_on: Mapped[date]
    total_minor: Mapped[int] = mapped_column(BigInteger)
    by_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="SET NULL")
    )
    imported_at: Mapped[datetime] = mapped_column(default=clock.now)


class BankStatementLine(IdMixin, Base):
    """One line of an imported bank statement."""

    __tablename__ = "trust_bank_lines"
    __table_args__ = (Index("ix_trust_bank_lines_on", "on", "id"),)

    import_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("trust_bank_imports.id", ondelete="RESTRICT")
    )
    on: Mapped[date]
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    reference: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(200))
    type_code: Mapped[str] = mapped_column(String(3))
