from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agency.db import Base, BigIntKey, IdMixin, Json
from agency.kit import clock
from agency.kit.enums import db_enum
from agency.kit.money import Money

if TYPE_CHECKING:
    from agency.auth.models import User
    from agency.clients.models import Client, Contract


class CaseStatus(StrEnum):
    NEW = "new"
    ACTIVE = "active"
    CONTACTED = "contacted"
    PROMISE = "promise"
    PLAN = "plan"
    DISPUTED = "disputed"
    HOLD = "hold"
    PAID = "paid"
    SETTLED = "settled"
    RECALLED = "recalled"
    CLOSED = "closed"

    @property
    def is_open(self) -> bool:
        return self not in CLOSED_STATUSES


CLOSED_STATUSES = frozenset(
    {CaseStatus.PAID, CaseStatus.SETTLED, CaseStatus.RECALLED, CaseStatus.CLOSED}
)


class ItemizationType(StrEnum):
    LAST_STATEMENT = "last_statement"
    CHARGE_OFF = "charge_off"
    LAST_PAYMENT = "last_payment"
    TRANSACTION = "transaction"
    JUDGMENT = "judgment"


class Channel(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    ADDRESS = "address"


class Consumer(IdMixin, Base):
    """The person who owes.  One consumer may owe several clients (one case each).

    Stores the minimum: no clear national id (``national_id_hash`` is a keyed hash used
    only for matching), and the location fields the contact rules need.
    """

    __tablename__ = "consumers"
    __table_args__ = (
        Index("ix_consumers_last_name_first_name", "last_name", "first_name"),
        # Matching at intake looks up (national id hash, date of birth) pairs.
        Index("ix_consumers_national_id_hash_date_of_birth", "national_id_hash", "date_of_birth"),
    )

    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    date_of_birth: Mapped[date | None]
    national_id_hash: Mapped[str | None] = mapped_column(String(64))
    country: Mapped[str] = mapped_column(String(2))
    region: Mapped[str | None] = mapped_column(String(3))
    postal_code: Mapped[str | None] = mapped_column(String(12))
    language: Mapped[str | None] = mapped_column(String(2))
    stated_timezone: Mapped[str | None] = mapped_column(String(64))
    # Every zone the consumer may be in (postal code, geographical phones, stated zone),
    # derived once at intake so the compliance gate does not recompute it.
    timezones: Mapped[list[str]] = mapped_column(Json, default=list)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    contact_points: Mapped[list[ContactPoint]] = relationship(
        back_populates="consumer", lazy="raise", order_by="ContactPoint.id"
    )
    # Read-only: cases are written through Case.consumer.
    cases: Mapped[list[Case]] = relationship(lazy="raise", viewonly=True, order_by="Case.id")

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class ContactPoint(IdMixin, Base):
    """A phone number, e-mail address or postal address of a consumer, with its own state.

    ``consent``: prior express consent for automated calls/texts (TCPA); ``opted_out``:
    no electronic messages here; ``do_not_call``: no calls to this number; ``do_not_use``:
    no contact here at all; ``workplace``: the point is at the consumer's work.
    """

    __tablename__ = "contact_points"
    __table_args__ = (Index("ix_contact_points_channel_value", "channel", "value"),)

    consumer_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("consumers.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[Channel] = mapped_column(db_enum(Channel, "channel"))
    kind: Mapped[str] = mapped_column(String(10))
    value: Mapped[str] = mapped_column(String(320))
    # phones: mobile, fixed_line, fixed_line_or_mobile (the plan cannot tell), voip, ...
    line_type: Mapped[str | None] = mapped_column(String(24))
    # The client whose placement gave us this point: other merchants never see it.
    source_client_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("clients.id", ondelete="SET NULL")
    )
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_at: Mapped[datetime | None]
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    do_not_call: Mapped[bool] = mapped_column(Boolean, default=False)
    do_not_use: Mapped[bool] = mapped_column(Boolean, default=False)
    workplace: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    consumer: Mapped[Consumer] = relationship(back_populates="contact_points", lazy="raise")


class Case(IdMixin, Base):
    """One referred debt that we work for one client.

    Balance buckets are kept apart in minor units of ``currency``; ``placed_minor`` is the
    total at placement (the base of liquidation rates).  The Reg F itemization date and
    amount are what the validation notice shows.
    """

    __tablename__ = "cases"
    __table_args__ = (
        # A client reference is unique per client among open cases (re-placement rule).
        Index(
            "uq_cases_open_client_reference",
            "client_id",
            "client_reference",
            unique=True,
            postgresql_where=text("status NOT IN ('paid', 'settled', 'recalled', 'closed')"),
            sqlite_where=text("status NOT IN ('paid', 'settled', 'recalled', 'closed')"),
        ),
        Index("ix_cases_assigned_agent_id_status", "assigned_agent_id", "status"),
        Index("ix_cases_client_id_status", "client_id", "status"),
        CheckConstraint(
            "principal_minor >= 0 AND interest_minor >= 0 AND fees_minor >= 0",
            name="buckets_not_negative",
        ),
    )

    client_id: Mapped[int] = mapped_column(BigIntKey, ForeignKey("clients.id", ondelete="RESTRICT"))
    contract_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("contracts.id", ondelete="RESTRICT"), index=True
    )
    consumer_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("consumers.id", ondelete="RESTRICT"), index=True
    )
    client_reference: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3))
    principal_minor: Mapped[int] = mapped_column(BigInteger)
    interest_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    fees_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    placed_minor: Mapped[int] = mapped_column(BigInteger)
    itemization_date: Mapped[date | None]
    itemization_type: Mapped[ItemizationType | None] = mapped_column(
        db_enum(ItemizationType, "itemization_type")
    )
    itemization_amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    # Reg F itemization since the itemization date (Model Form B-1).
    interest_since_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    fees_since_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    payments_since_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    credits_since_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    original_creditor: Mapped[str | None] = mapped_column(String(200))
    current_creditor: Mapped[str | None] = mapped_column(String(200))
    product: Mapped[str | None] = mapped_column(String(40))
    delinquency_date: Mapped[date | None]
    charge_off_date: Mapped[date | None]
    last_payment_date: Mapped[date | None]
    open_date: Mapped[date | None]
    statute_of_limitations_date: Mapped[date | None]
    notes: Mapped[str | None] = mapped_column(Text)
    # Where the case came from: the placement and the row of its file (row 1 = header).
    placement_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("placements.id", ondelete="SET NULL"), index=True
    )
    placement_row: Mapped[int | None]
    closed_at: Mapped[datetime | None]
    status: Mapped[CaseStatus] = mapped_column(
        db_enum(CaseStatus, "case_status"), default=CaseStatus.NEW
    )
    assigned_agent_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="SET NULL")
    )
    placed_at: Mapped[datetime] = mapped_column(default=clock.now)
    next_action_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)

    client: Mapped[Client] = relationship(lazy="raise")
    contract: Mapped[Contract] = relationship(lazy="raise")
    consumer: Mapped[Consumer] = relationship(lazy="raise")
    assigned_agent: Mapped[User | None] = relationship(lazy="raise")

    @property
    def balance(self) -> Money:
        return Money(self.principal_minor + self.interest_minor + self.fees_minor, self.currency)

    @property
    def placed(self) -> Money:
        return Money(self.placed_minor, self.currency)

    def bucket(self, minor: int | None) -> Money | None:
        return None if minor is None else Money(minor, self.currency)


class AdjustmentKind(StrEnum):
    ADJUST = "adjust"  # the client changed the balance (with a reason)
    DIRECT_PAYMENT = "direct_payment"  # the consumer paid the client directly


class BalanceAdjustment(IdMixin, Base):
    """A change to a case's balance that did not come through our own payments.

    ``amount_minor`` is signed: negative lowers the balance.  Direct payments are kept
    here so that commission (earned on them too) can be computed from them later.
    """

    __tablename__ = "balance_adjustments"

    case_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[AdjustmentKind] = mapped_column(db_enum(AdjustmentKind, "adjustment_kind"))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    effective_date: Mapped[date]
    reason: Mapped[str | None] = mapped_column(String(500))
    placement_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("placements.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
