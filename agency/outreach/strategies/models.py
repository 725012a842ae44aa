"""Strategies and their versions.  A version is never edited: editing publishes the next,
with who and why; cases keep the version they started on until a supervisor moves them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from agency.db import Base, BigIntKey, IdMixin, Json
from agency.kit import clock


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
