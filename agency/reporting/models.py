"""The partner reports' read model: daily aggregates of what the other domains own,
kept by ``reporting.refresh`` and read by every report, so no page scans a client's
history.  Every key starts with the client (partition-ready: by client, then month)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from agency.db import Base, BigIntKey, IdMixin, Json
from agency.kit import clock

# What a ReportDay counts and sums, in the order the refresh writes them.
DAY_MEASURES = (
    "placed_cases",  # cases placed that day …
    "placed_minor",  # … and their balance at placement
    "contacted",  # cases first contacted that day (a conversation, or the consumer wrote)
    "reached",  # cases first reached that day (right-party contact)
    "promises",  # promises made that day (not refused)
    "plans",  # plans and settlements made that day (not refused)
    "payments",  # payments posted that day (by their effective day, as the statements) …
    "payments_minor",
    "reversals",  # … and reversals, their amount positive
    "reversals_minor",
    "direct_minor",  # of the payments less reversals, what was paid to the client directly
    "commission_minor",  # our commission on them, less what reversals clawed back
)


class ReportDay(Base):
    """One day's figures for the cases a client placed in one month (its vintage), in
    one currency.  Days and months are the agency's (``AGENCY_TIME_ZONE``), as the
    statements'."""

    __tablename__ = "report_days"
    # Recoveries read a client's days by day across its vintages.
    __table_args__ = (Index("ix_report_days_client_currency_day", "client_id", "currency", "day"),)

    client_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True
    )
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    placed_month: Mapped[date] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    placed_cases: Mapped[int] = mapped_column(Integer, default=0)
    placed_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    contacted: Mapped[int] = mapped_column(Integer, default=0)
    reached: Mapped[int] = mapped_column(Integer, default=0)
    promises: Mapped[int] = mapped_column(Integer, default=0)
    plans: Mapped[int] = mapped_column(Integer, default=0)
    payments: Mapped[int] = mapped_column(Integer, default=0)
    payments_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    reversals: Mapped[int] = mapped_column(Integer, default=0)
    reversals_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    direct_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    commission_minor: Mapped[int] = mapped_column(BigInteger, default=0)


class ReportInventory(Base):
    """How many of a vintage's cases are in each status now, and their balance."""

    __tablename__ = "report_inventory"

    client_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True
    )
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    placed_month: Mapped[date] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(12), primary_key=True)
    cases: Mapped[int] = mapped_column(Integer, default=0)
    balance_minor: Mapped[int] = mapped_column(BigInteger, default=0)


class ReportRefresh(IdMixin, Base):
    """One run of the refresh: when it started (the next run looks for changes from a
    little before that), how many vintages it rebuilt, and whether it rebuilt them all."""

    __tablename__ = "report_refreshes"

    started_at: Mapped[datetime] = mapped_column(default=clock.now, index=True)
    finished_at: Mapped[datetime] = mapped_column(default=clock.now)
    vintages: Mapped[int] = mapped_column(Integer, default=0)
    full: Mapped[bool] = mapped_column(default=False)


class ReportSubscription(IdMixin, Base):
    """A merchant user's scheduled e-mail of its reports: how often, with which files,
    and the last period sent (so each is sent once, and a missed one is sent late)."""

    __tablename__ = "report_subscriptions"

    user_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    client_id: Mapped[int] = mapped_column(BigIntKey, ForeignKey("clients.id", ondelete="CASCADE"))
    frequency: Mapped[str] = mapped_column(String(8))  # daily, weekly, monthly
    attachments: Mapped[list[str]] = mapped_column(Json, default=list)  # csv, xlsx, pdf
    last_sent_for: Mapped[date | None]  # the last day of the last period sent
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)
