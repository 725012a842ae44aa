"""The strategy events a case's timeline shows and the runner's health counts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from agency.compliance import service as compliance
from agency.kit import clock
from agency.outreach.strategies.models import StrategyEvent
from agency.outreach.strategies.records import EventRow

KINDS = (
    "enrolled",
    "queued",
    "deferred",
    "skipped",
    "task",
    "handed",
    "paused",
    "resumed",
    "migrated",
    "fallback",
    "ended",
)
WORDS_MAX = 300


def event(
    case_id: int,
    kind: str,
    words: str,
    *,
    step_key: str | None = None,
    channel: str | None = None,
    rule_ids: Sequence[str] = (),
    until: datetime | None = None,
    message_id: int | None = None,
    by_user_id: int | None = None,
    at: datetime | None = None,
) -> EventRow:
    """An event to write (``records.write``: a batch's together)."""
    assert kind in KINDS, kind
    return EventRow(
        case_id=case_id,
        kind=kind,
        step_key=step_key,
        channel=channel,
        words=words[:WORDS_MAX],
        rule_ids=list(rule_ids),
        until=until,
        message_id=message_id,
        by_user_id=by_user_id,
        at=at or clock.now(),
    )


def case_events(db: Session, case_id: int, *, limit: int | None = None) -> list[StrategyEvent]:
    """The case's strategy events, newest first (``limit`` + 1 at most, for "more")."""
    query = (
        select(StrategyEvent)
        .where(StrategyEvent.case_id == case_id)
        .order_by(StrategyEvent.at.desc(), StrategyEvent.id.desc())
    )
    if limit is not None:
        query = query.limit(limit + 1)
    return list(db.scalars(query))


def rule_words(rule_ids: Sequence[str]) -> str:
    """The rules a gate's decision names, in words."""
    return "; ".join(f"{compliance.describe(r).title} ({r})" for r in rule_ids)
