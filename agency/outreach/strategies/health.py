"""The runner's health, for supervisors: the steps due now (and how late the oldest
is), and over the last hour and the last day what the runner did — queued, deferred by
the gate (by which rule), skipped, tasks, hand-overs — and how many of its messages
failed or came back, with the latest of each kind's cases.  Read-only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, true
from sqlalchemy.orm import Session

from agency.outreach.models import MessageStatus, OutboxMessage
from agency.outreach.strategies.models import (
    EnrolmentState,
    StrategyEnrolment,
    StrategyEvent,
    StrategySend,
)

WINDOWS = (("hour", timedelta(hours=1)), ("day", timedelta(days=1)))
KINDS = ("queued", "deferred", "skipped", "task", "handed", "fallback")
LATEST = 20


@dataclass(frozen=True, slots=True)
class Window:
    name: str
    counts: dict[str, int]  # event kind -> how many
    failed: int  # messages of strategy steps that failed or came back
    rules: list[tuple[str, int]]  # the rules that deferred or refused steps, most first


@dataclass(frozen=True, slots=True)
class Health:
    due_now: int
    oldest_due: datetime | None
    waiting: int  # steps waiting for their anchor's event
    windows: list[Window]
    latest: list[StrategyEvent]  # the latest deferrals and skips, for their cases


def health(db: Session, *, now: datetime) -> Health:
    active = StrategyEnrolment.state == EnrolmentState.ACTIVE
    due_now, oldest = db.execute(
        select(func.count(), func.min(StrategyEnrolment.due_at)).where(
            active, StrategyEnrolment.due_at.is_not(None), StrategyEnrolment.due_at <= now
        )
    ).one()
    waiting = db.scalar(
        select(func.count()).where(active, StrategyEnrolment.waiting_for.is_not(None))
    )
    windows = [_window(db, name, now - span) for name, span in WINDOWS]
    latest = db.scalars(
        select(StrategyEvent)
        .where(StrategyEvent.at >= now - timedelta(days=1),
               StrategyEvent.kind.in_(("deferred", "skipped")))
        .order_by(StrategyEvent.at.desc(), StrategyEvent.id.desc())
        .limit(LATEST)
    )  # fmt: skip
    return Health(due_now, oldest, waiting or 0, windows, list(latest))


def _window(db: Session, name: str, since: datetime) -> Window:
    counted = dict(
        db.execute(
            select(StrategyEvent.kind, func.count())
            .where(StrategyEvent.at >= since, StrategyEvent.kind.in_(KINDS))
            .group_by(StrategyEvent.kind)
        ).all()
    )
    rules = _rule_counts(db, since)
    failed = db.scalar(
        select(func.count())
        .select_from(StrategySend)
        .join(OutboxMessage, OutboxMessage.id == StrategySend.message_id)
        .where(
            StrategySend.at >= since,
            OutboxMessage.status.in_((MessageStatus.FAILED, MessageStatus.UNDELIVERED)),
        )
    )
    return Window(
        name=name,
        counts={kind: counted.get(kind, 0) for kind in KINDS},
        failed=failed or 0,
        rules=rules,
    )


def _rule_counts(db: Session, since: datetime) -> list[tuple[str, int]]:
    """How many steps each rule deferred or refused since ``since``, most first — counted
    by the database over the events' rule lists (a night's deferrals are hundreds of
    thousands of events), not by reading them."""
    if db.get_bind().dialect.name == "postgresql":
        rule = func.jsonb_array_elements_text(StrategyEvent.rule_ids).table_valued("value")
    else:
        rule = func.json_each(StrategyEvent.rule_ids).table_valued("value")
    query = (
        select(rule.c.value, func.count())
        .select_from(StrategyEvent)
        .join(rule, true())
        .where(StrategyEvent.at >= since, StrategyEvent.kind.in_(("deferred", "skipped")))
        .group_by(rule.c.value)
        .order_by(func.count().desc(), rule.c.value)
    )
    return [(str(rule_id), int(n)) for rule_id, n in db.execute(query)]
