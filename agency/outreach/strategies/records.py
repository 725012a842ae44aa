"""What the runner writes of a batch besides the ledger and the outbox: its strategy
events and send records, as plain rows — a batch makes a thousand of them, nothing reads
them again in its transaction, and a mapped object costs more to make than the row
costs to write — each kind in one statement (``kit.bulk.insert_rows``: COPY on
PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from agency.kit.bulk import insert_rows
from agency.outreach.strategies.models import StrategyEvent, StrategySend


@dataclass(frozen=True, slots=True)
class EventRow:
    """A strategy event to write (``events.event`` makes them)."""

    case_id: int
    kind: str
    words: str
    step_key: str | None
    channel: str | None
    rule_ids: list[str]
    until: datetime | None
    message_id: int | None
    by_user_id: int | None
    at: datetime


@dataclass(frozen=True, slots=True)
class SendRow:
    """A send record to write (``stepping.send_record`` makes them): unique per case,
    version, step and attempt."""

    case_id: int
    version_id: int
    step_key: str
    attempt: int
    channel: str
    outcome: str
    message_id: int | None
    watch: bool
    retry_at: datetime | None
    at: datetime


Row = EventRow | SendRow
_NAMES = {kind: tuple(f.name for f in fields(kind)) for kind in (EventRow, SendRow)}


def write(db: Session, rows: Sequence[Row]) -> None:
    """Write ``rows``: the send records first (a second send of a step breaks their
    uniqueness, and the batch with it), then the events."""
    for kind, model in ((SendRow, StrategySend), (EventRow, StrategyEvent)):
        names = _NAMES[kind]
        values: list[dict[str, Any]] = [
            {name: getattr(row, name) for name in names} for row in rows if type(row) is kind
        ]
        insert_rows(db, model, values)
