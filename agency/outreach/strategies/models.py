"""Strategies and their versions.  A version is never edited: editing publishes the next,
with who and why; cases keep the version they started on until a supervisor moves them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from agency.db import Base, BigIntKey, IdMixin, Json
from agency.kit import clock
from agency.kit.enums import db_enum


class Strategy(IdMixin, Base):
    """A cadence for the cases of one country, in one currency (its amounts'), and whether
    the client sends the validation notice itself (then a US strategy need not)."""

    __tablename__ = "strategies"

    name: Mapped[str] = mapped_column(String(80), unique=True)
    country: Mapped[str] = mapped_column(String(2))
    currency: Mapped[str] = mapped_column(String(3))
    notice_by_client: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class StrategyVersion(IdMixin, Base):
    """One version of a strategy: its steps in the stored form ``steps.read_steps``
    reads."""

    __tablename__ = "strategy_versions"
    __table_args__ = (UniqueConstraint("strategy_id", "version"),)

    strategy_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("strategies.id", ondelete="RESTRICT")
    )
    version: Mapped[int] = mapped_column(Integer)
    steps: Mapped[list[dict[str, Any]]] = mapped_column(Json)
    reason: Mapped[str] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class StrategyRule(IdMixin, Base):
    """Which strategy a contract's cases of one segment get: tried in ``position`` order,
    the first active rule whose every condition holds (an empty condition holds for
    every case).  Balances are in the contract's currency, minor units; placement age
    in days."""

    __tablename__ = "strategy_rules"
    __table_args__ = (Index("ix_strategy_rules_contract", "contract_id", "position"),)

    contract_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("contracts.id", ondelete="RESTRICT")
    )
    strategy_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("strategies.id", ondelete="RESTRICT")
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    country: Mapped[str | None] = mapped_column(String(2))
    min_balance_minor: Mapped[int | None] = mapped_column(BigInteger)
    max_balance_minor: Mapped[int | None] = mapped_column(BigInteger)
    min_age_days: Mapped[int | None] = mapped_column(Integer)
    max_age_days: Mapped[int | None] = mapped_column(Integer)
    language: Mapped[str | None] = mapped_column(String(2))
    statuses: Mapped[list[str]] = mapped_column(Json, default=list)
    updated_by_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)


class StrategyRuleEdit(IdMixin, Base):
    """One change to a strategy rule: who, when, and the rule before and after (None
    before: it was added)."""

    __tablename__ = "strategy_rule_edits"
    __table_args__ = (Index("ix_strategy_rule_edits_rule", "rule_id", "at"),)

    rule_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("strategy_rules.id", ondelete="RESTRICT")
    )
    before: Mapped[dict[str, Any] | None] = mapped_column(Json)
    after: Mapped[dict[str, Any]] = mapped_column(Json)
    by_user_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="SET NULL")
    )
    at: Mapped[datetime] = mapped_column(default=clock.now)


class EnrolmentState(StrEnum):
    """Where a case stands with its strategy."""

    ACTIVE = "active"  # a step is due at ``due_at`` (None: waiting for its anchor)
    PAUSED = "paused"  # an agent paused it, with a reason
    ENDED = "ended"  # the last step done, handed to an agent, or the case closed
    NONE = "none"  # no rule of the contract took the case (looked at again on a rule's save)


class StrategyEnrolment(IdMixin, Base):
    """A case on its strategy: the version it started on (until a supervisor moves it),
    the step it is at, and when that step is due.  One a case."""

    __tablename__ = "strategy_enrolments"
    __table_args__ = (
        # The runner's pick: the active enrolments whose step is due, oldest due first.
        Index(
            "ix_strategy_enrolments_due",
            "due_at",
            postgresql_where=text("state = 'active' AND due_at IS NOT NULL"),
            sqlite_where=text("state = 'active' AND due_at IS NOT NULL"),
        ),
        # The steps waiting for their anchor's event (the notice's wake-up reads them).
        Index(
            "ix_strategy_enrolments_waiting",
            "waiting_for",
            postgresql_where=text("state = 'active' AND waiting_for IS NOT NULL"),
            sqlite_where=text("state = 'active' AND waiting_for IS NOT NULL"),
        ),
        Index("ix_strategy_enrolments_version_state", "version_id", "state"),
        Index("ix_strategy_enrolments_experiment", "experiment_id", "variant"),
    )

    case_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("cases.id", ondelete="CASCADE"), unique=True
    )
    contract_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("contracts.id", ondelete="RESTRICT")
    )
    state: Mapped[EnrolmentState] = mapped_column(db_enum(EnrolmentState, "enrolment_state"))
    version_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("strategy_versions.id", ondelete="RESTRICT")
    )
    experiment_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("strategy_experiments.id", ondelete="RESTRICT")
    )
    variant: Mapped[str | None] = mapped_column(String(10))  # champion, challenger
    step_index: Mapped[int] = mapped_column(Integer, default=0)
    enrolled_at: Mapped[datetime] = mapped_column(default=clock.now)
    step_started_at: Mapped[datetime] = mapped_column(default=clock.now)
    due_at: Mapped[datetime | None]
    waiting_for: Mapped[str | None] = mapped_column(String(20))  # the anchor awaited
    reason: Mapped[str | None] = mapped_column(String(300))  # why paused or ended
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)


class StrategySend(IdMixin, Base):
    """One step done for a case (a message queued, a task given, a step skipped): unique
    per case, version, step and attempt — the runner never does a step twice.  Attempt 0
    is the step; 1, 2 … its fallbacks (an undelivered text's e-mail, a returned letter's
    next address).  ``watch``: the message's fate decides a fallback still to come."""

    __tablename__ = "strategy_sends"
    __table_args__ = (
        UniqueConstraint("case_id", "version_id", "step_key", "attempt"),
        Index(
            "ix_strategy_sends_watch",
            "message_id",
            postgresql_where=text("watch"),
            sqlite_where=text("watch"),
        ),
    )

    case_id: Mapped[int] = mapped_column(BigIntKey, ForeignKey("cases.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("strategy_versions.id", ondelete="RESTRICT")
    )
    step_key: Mapped[str] = mapped_column(String(40))
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    channel: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(10))  # queued, task, skipped
    message_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("outbox_messages.id", ondelete="SET NULL")
    )
    watch: Mapped[bool] = mapped_column(Boolean, default=False)
    retry_at: Mapped[datetime | None]  # a fallback the gate deferred is tried again then
    at: Mapped[datetime] = mapped_column(default=clock.now)


class StrategyEvent(IdMixin, Base):
    """What happened to a case on its strategy, for its timeline and the runner's health:
    enrolled, queued, deferred (until when, by which rules), skipped (why), task, handed,
    paused, resumed, migrated, ended."""

    __tablename__ = "strategy_events"
    __table_args__ = (
        Index("ix_strategy_events_case_id_at", "case_id", "at"),
        Index("ix_strategy_events_at_kind", "at", "kind"),
    )

    case_id: Mapped[int] = mapped_column(BigIntKey, ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12))
    step_key: Mapped[str | None] = mapped_column(String(40))
    channel: Mapped[str | None] = mapped_column(String(20))
    words: Mapped[str] = mapped_column(String(300))
    rule_ids: Mapped[list[str]] = mapped_column(Json, default=list)
    until: Mapped[datetime | None]  # a deferral's
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    by_user_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="SET NULL")
    )
    at: Mapped[datetime] = mapped_column(default=clock.now)


class StrategyExperiment(IdMixin, Base):
    """A challenger tried against a rule's strategy (the champion) on a share of the
    rule's new cases; a case's side is a stable hash of its id and the experiment's, kept
    on its enrolment.  One open experiment a rule."""

    __tablename__ = "strategy_experiments"
    __table_args__ = (
        Index(
            "uq_strategy_experiments_open_rule",
            "rule_id",
            unique=True,
            postgresql_where=text("ended_at IS NULL"),
            sqlite_where=text("ended_at IS NULL"),
        ),
    )

    rule_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("strategy_rules.id", ondelete="RESTRICT")
    )
    champion_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("strategies.id", ondelete="RESTRICT")
    )
    challenger_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("strategies.id", ondelete="RESTRICT")
    )
    challenger_percent: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(300))  # what the challenger tries
    started_by_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="SET NULL")
    )
    started_at: Mapped[datetime] = mapped_column(default=clock.now)
    ended_by_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="SET NULL")
    )
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(300))
    promoted: Mapped[bool] = mapped_column(Boolean, default=False)
