from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
    true,
)
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
# The statuses an agent's "next case" may offer (a promise is worked when it falls due).
QUEUE_STATUSES = (CaseStatus.NEW, CaseStatus.ACTIVE, CaseStatus.CONTACTED, CaseStatus.PROMISE)
QUEUE_STATUSES_SQL = ", ".join(f"'{status.value}'" for status in QUEUE_STATUSES)


class CloseReason(StrEnum):
    PAID_IN_FULL = "paid_in_full"
    SETTLED = "settled"
    RECALLED = "recalled"
    DECEASED = "deceased"
    BANKRUPTCY = "bankruptcy"
    UNCOLLECTIBLE = "uncollectible"
    FRAUD = "fraud"
    CLIENT_REQUEST = "client_request"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


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
    only for matching), and the location fields the contact rules need.  Name, location
    and language are the first placement's; each case keeps them as its own client placed
    them (``Case.first_name`` …), and only those reach that client's screens.
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
    """A phone number, e-mail address or postal address of a consumer.  Its compliance
    flags (consent, opted out, do not call …) are compliance's: ``compliance.flags_of``."""

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
        # The queue's picks: an agent's workable book, and a team's unassigned pool, each
        # read backwards (highest priority, freshest placement first) by
        # agency.cases.queue.  Partial: only cases ready to be offered, in the statuses
        # the queue offers.
        Index(
            "ix_cases_queue_agent",
            "assigned_agent_id",
            "priority",
            "placed_at",
            "id",
            postgresql_where=text(f"ready AND status IN ({QUEUE_STATUSES_SQL})"),
            sqlite_where=text(f"ready AND status IN ({QUEUE_STATUSES_SQL})"),
        ),
        Index(
            "ix_cases_queue_team",
            "team_id",
            "priority",
            "placed_at",
            "id",
            postgresql_where=text(
                f"assigned_agent_id IS NULL AND ready AND status IN ({QUEUE_STATUSES_SQL})"
            ),
            sqlite_where=text(
                f"assigned_agent_id IS NULL AND ready AND status IN ({QUEUE_STATUSES_SQL})"
            ),
        ),
        # The cases the wake job returns to the queue, by when.
        Index(
            "ix_cases_waiting",
            "workable_at",
            postgresql_where=text(f"NOT ready AND status IN ({QUEUE_STATUSES_SQL})"),
            sqlite_where=text(f"NOT ready AND status IN ({QUEUE_STATUSES_SQL})"),
        ),
        Index("ix_cases_client_id_status", "client_id", "status"),
        # The partner reports: a client's vintage (placed in a month), and what changed
        # since their last refresh (agency.reporting.refresh).
        Index("ix_cases_client_id_placed_at", "client_id", "placed_at"),
        Index("ix_cases_updated_at", "updated_at"),
        Index("ix_cases_client_id_closed_at", "client_id", "closed_at"),  # return files
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
    # The consumer as this case's client placed them: what every screen about the case
    # shows.  The consumer row, shared by every client that placed the same person, keeps
    # the first placement's values (for matching, the gate and staff's consumer list).
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    country: Mapped[str] = mapped_column(String(2))
    region: Mapped[str | None] = mapped_column(String(3))
    postal_code: Mapped[str | None] = mapped_column(String(12))
    language: Mapped[str | None] = mapped_column(String(2))
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
    next_action_at: Mapped[datetime | None]  # the callback or promise date the agent set
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)
    close_reason: Mapped[CloseReason | None] = mapped_column(db_enum(CloseReason, "close_reason"))
    # The queue (agency.cases.queue): a team's shared pool when no agent holds the case;
    # not offered before ``workable_at`` (the gate's next_allowed_at when it deferred the
    # case, with the rules that did in ``hold_rules``); ``priority`` is kept by the
    # actions; a pick is a lease that lapses at ``lease_expires_at``.
    team_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("teams.id", ondelete="SET NULL")
    )
    workable_at: Mapped[datetime] = mapped_column(default=clock.now)
    # In the queue's indexes.  False while the case is leased or held back (its
    # ``workable_at`` ahead), so a pick never walks past cases it may not offer; the wake
    # job (``queue.wake``) sets it again once ``workable_at`` has passed.
    ready: Mapped[bool] = mapped_column(default=True, server_default=true())
    hold_rules: Mapped[list[str]] = mapped_column(Json, default=list)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    lease_agent_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="SET NULL")
    )
    lease_expires_at: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]  # last call placed (any outcome)
    last_contact_at: Mapped[datetime | None]  # last time we reached the consumer

    client: Mapped[Client] = relationship(lazy="raise")
    contract: Mapped[Contract] = relationship(lazy="raise")
    consumer: Mapped[Consumer] = relationship(lazy="raise")
    assigned_agent: Mapped[User | None] = relationship(
        lazy="raise", foreign_keys=[assigned_agent_id]
    )
    team: Mapped[Team | None] = relationship(lazy="raise")

    @property
    def consumer_name(self) -> str:
        """The consumer's name as this case's client placed it."""
        return f"{self.first_name} {self.last_name}"

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


# ---- assignment, queue, case history ---------------------------------------------------


class Team(IdMixin, Base):
    """A group of agents.  Assignment rules can target a team (its members, or its shared
    pool); supervisors see queue depth per team."""

    __tablename__ = "teams"

    name: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class AgentProfile(Base):
    """What assignment needs to know about an agent: team, capacity (most open cases
    held at once; None = no limit) and skills (languages, regions such as ``US``,
    ``US-CA``, ``AU-NSW``, ``GB``)."""

    __tablename__ = "agent_profiles"

    user_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    team_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("teams.id", ondelete="SET NULL"), index=True
    )
    capacity: Mapped[int | None] = mapped_column(Integer)
    languages: Mapped[list[str]] = mapped_column(Json, default=list)
    regions: Mapped[list[str]] = mapped_column(Json, default=list)

    user: Mapped[User] = relationship(lazy="raise")
    team: Mapped[Team | None] = relationship(lazy="raise")


class AssignmentStrategy(StrEnum):
    ROUND_ROBIN = "round_robin"
    LEAST_COUNT = "least_count"  # fewest open cases
    LEAST_BALANCE = "least_balance"  # least open balance
    SKILL_MATCH = "skill_match"  # speaks the language / covers the region, then fewest
    TEAM_POOL = "team_pool"  # into the team's shared pool; members take it with Next case

    @property
    def label(self) -> str:
        return {
            "round_robin": "Round robin",
            "least_count": "Least loaded (open cases)",
            "least_balance": "Least loaded (open balance)",
            "skill_match": "Skill match",
            "team_pool": "Team's shared pool",
        }[self.value]


class AssignmentRule(IdMixin, Base):
    """Which new cases go to whom, and how.  Rules are tried in ``position`` order; the
    first that matches a case and has an agent under capacity (or a pool) takes it.

    Conditions left empty match anything.  A balance band is in ``balance_currency``'s
    minor units and takes only cases in that currency.  Targets: ``agent_ids`` and/or the
    members of ``team_id``.  ``last_agent_id`` is the round-robin cursor.
    """

    __tablename__ = "assignment_rules"
    __table_args__ = (
        CheckConstraint(
            "min_balance_minor IS NULL OR max_balance_minor IS NULL "
            "OR min_balance_minor <= max_balance_minor",
            name="balance_band_ordered",
        ),
        CheckConstraint(
            "(min_balance_minor IS NULL AND max_balance_minor IS NULL) "
            "OR balance_currency IS NOT NULL",
            name="balance_band_currency",
        ),
    )

    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    client_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("clients.id", ondelete="CASCADE")
    )
    min_balance_minor: Mapped[int | None] = mapped_column(BigInteger)
    max_balance_minor: Mapped[int | None] = mapped_column(BigInteger)
    balance_currency: Mapped[str | None] = mapped_column(String(3))
    country: Mapped[str | None] = mapped_column(String(2))
    region: Mapped[str | None] = mapped_column(String(3))
    language: Mapped[str | None] = mapped_column(String(2))
    min_age_days: Mapped[int | None] = mapped_column(Integer)
    max_age_days: Mapped[int | None] = mapped_column(Integer)
    team_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("teams.id", ondelete="CASCADE")
    )
    agent_ids: Mapped[list[int]] = mapped_column(Json, default=list)
    strategy: Mapped[AssignmentStrategy] = mapped_column(
        db_enum(AssignmentStrategy, "assignment_strategy")
    )
    last_agent_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)
    updated_by_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="SET NULL")
    )

    client: Mapped[Client | None] = relationship(lazy="raise")
    team: Mapped[Team | None] = relationship(lazy="raise")

    @property
    def balance_band(self) -> tuple[Money | None, Money | None]:
        """The band's edges as money (None: open on that side, or no band)."""
        currency = self.balance_currency

        def edge(minor: int | None) -> Money | None:
            return None if minor is None or currency is None else Money(minor, currency)

        return edge(self.min_balance_minor), edge(self.max_balance_minor)


class RuleEdit(StrEnum):
    CREATED = "created"
    EDITED = "edited"
    SWITCHED_OFF = "switched_off"
    SWITCHED_ON = "switched_on"
    MOVED_UP = "moved_up"
    MOVED_DOWN = "moved_down"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


class AssignmentRuleEdit(IdMixin, Base):
    """One change to an assignment rule: who, when, what, and the whole rule as it stood
    afterwards (``rule``: its fields by name), so what a rule said when it assigned a
    case can be read back."""

    __tablename__ = "assignment_rule_edits"
    __table_args__ = (Index("ix_assignment_rule_edits_rule_id_at", "rule_id", "at"),)

    rule_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("assignment_rules.id", ondelete="CASCADE")
    )
    action: Mapped[RuleEdit] = mapped_column(db_enum(RuleEdit, "rule_edit"))
    rule: Mapped[dict[str, Any]] = mapped_column(Json)
    by_user_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="SET NULL")
    )
    at: Mapped[datetime] = mapped_column(default=clock.now)


class MoveBatch(IdMixin, Base):
    """One "move these cases" by a supervisor: the filters it took (in words), where the
    cases went, how many, and when it was undone (its ``AssignmentChange`` rows carry its
    id, so "undo this move" finds exactly its cases)."""

    __tablename__ = "move_batches"

    by_user_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="SET NULL")
    )
    to_agent_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="SET NULL")
    )
    to_team_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("teams.id", ondelete="SET NULL")
    )
    filters: Mapped[list[str]] = mapped_column(Json, default=list)
    reason: Mapped[str] = mapped_column(String(500))
    cases: Mapped[int] = mapped_column(Integer, default=0)
    at: Mapped[datetime] = mapped_column(default=clock.now)
    undone_at: Mapped[datetime | None]
    undone_by_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="SET NULL")
    )


class AssignmentChange(IdMixin, Base):
    """Who held a case, who holds it now, who decided (a user, or a rule) and why; a
    supervisor's bulk move names its ``batch`` and the team pool the case was in."""

    __tablename__ = "assignment_changes"
    __table_args__ = (Index("ix_assignment_changes_case_id_at", "case_id", "at"),)

    case_id: Mapped[int] = mapped_column(BigIntKey, ForeignKey("cases.id", ondelete="CASCADE"))
    from_agent_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="SET NULL")
    )
    to_agent_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="SET NULL")
    )
    to_team_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("teams.id", ondelete="SET NULL")
    )
    from_team_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("teams.id", ondelete="SET NULL")
    )
    batch_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("move_batches.id", ondelete="SET NULL"), index=True
    )
    rule_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("assignment_rules.id", ondelete="SET NULL")
    )
    by_user_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="SET NULL")
    )
    reason: Mapped[str] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(default=clock.now)


class StatusChange(IdMixin, Base):
    """One transition of a case's status (agency.cases.status), with who and why."""

    __tablename__ = "status_changes"
    __table_args__ = (
        Index("ix_status_changes_case_id_at", "case_id", "at"),
        # The merchants' webhook events: the changes since the last minute's run.
        Index("ix_status_changes_at", "at"),
    )

    case_id: Mapped[int] = mapped_column(BigIntKey, ForeignKey("cases.id", ondelete="CASCADE"))
    from_status: Mapped[CaseStatus | None] = mapped_column(db_enum(CaseStatus, "from_status"))
    to_status: Mapped[CaseStatus] = mapped_column(db_enum(CaseStatus, "to_status"))
    reason: Mapped[str] = mapped_column(String(500))
    by_user_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="SET NULL")
    )
    at: Mapped[datetime] = mapped_column(default=clock.now)


class CaseNote(IdMixin, Base):
    """Free text about a case.  Kept forever and never edited: a correction is a new note
    (on PostgreSQL a trigger refuses UPDATE and DELETE, migration 0005)."""

    __tablename__ = "case_notes"
    __table_args__ = (Index("ix_case_notes_case_id_at", "case_id", "at"),)

    case_id: Mapped[int] = mapped_column(BigIntKey, ForeignKey("cases.id", ondelete="RESTRICT"))
    # None: the consumer's own, from their self-service page (cases.self_service_effects).
    author_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="RESTRICT")
    )
    body: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=clock.now)


class Callback(IdMixin, Base):
    """A time the consumer asked (and agreed) to be called back."""

    __tablename__ = "callbacks"
    __table_args__ = (Index("ix_callbacks_case_id_due_at", "case_id", "due_at"),)

    case_id: Mapped[int] = mapped_column(BigIntKey, ForeignKey("cases.id", ondelete="CASCADE"))
    due_at: Mapped[datetime]
    contact_point_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("contact_points.id", ondelete="SET NULL")
    )
    agent_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="SET NULL")
    )
    created_by_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="RESTRICT")
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    done_at: Mapped[datetime | None]


class PairDecision(StrEnum):
    SAME = "same"  # confirmed: the accounts belong to one consumer
    APART = "apart"  # kept apart: two people; not asked again


class ConsumerPair(IdMixin, Base):
    """A "possible same person": an account placed as a new consumer although it shares a
    phone or e-mail with another case of the client, because the names and dates of
    birth disagree (``cases.matching``).  Staff confirm it (the account's cases join the
    other case's consumer) or keep the two apart; who decided and when is kept."""

    __tablename__ = "consumer_pairs"
    __table_args__ = (
        UniqueConstraint("case_id", "other_case_id"),
        Index("ix_consumer_pairs_placement_id", "placement_id"),
    )

    client_id: Mapped[int] = mapped_column(BigIntKey, ForeignKey("clients.id", ondelete="RESTRICT"))
    placement_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("placements.id", ondelete="SET NULL")
    )
    case_id: Mapped[int] = mapped_column(BigIntKey, ForeignKey("cases.id", ondelete="CASCADE"))
    other_case_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("cases.id", ondelete="CASCADE")
    )
    channel: Mapped[str] = mapped_column(String(5))  # what they share: phone or email
    decision: Mapped[str | None] = mapped_column(String(5))  # a PairDecision; None: open
    decided_by_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
