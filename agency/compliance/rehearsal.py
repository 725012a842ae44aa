"""The gate rehearsed: its decisions for a run of contacts with one consumer at moments
to come, written nowhere — each contact it would allow counted in the history the later
ones are decided on, as if it had been sent (and, like an attempt with no outcome yet,
delivered).  What a strategy's dry run asks ("what would happen over the next 30 days").
The facts are read once per channel; nothing else the future may bring is guessed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session

from agency.compliance import engine, gather
from agency.compliance.errors import ComplianceError
from agency.compliance.facts import AttemptChannel, Decision, HistoryEvent
from agency.compliance.templates import Template


class Rehearsal:
    """One consumer's contacts about ``case_ids``, decided in turn."""

    def __init__(self, db: Session, *, consumer_id: int, case_ids: Sequence[int]) -> None:
        self._db = db
        self._consumer_id = consumer_id
        self._case_ids = tuple(case_ids)
        self._records: dict[str, gather.Record] = {}
        self._rehearsed: list[HistoryEvent] = []

    def decide(
        self,
        *,
        channel: AttemptChannel,
        contact_point_id: int,
        at: datetime,
        automated: bool = False,
        template: str | Template | None = None,
    ) -> Decision:
        """The gate's decision for this contact at ``at``, after the ones allowed before
        it in this rehearsal; allowed, it counts for the next."""
        record = self._record(channel)
        point = next((p for p in record.consumer.contact_points if p.id == contact_point_id), None)
        if point is None:
            raise ComplianceError("contact point: not one of this consumer's")
        history = sorted([*record.history, *self._rehearsed], key=lambda event: event.at)
        facts = gather.facts_for(
            replace(record, history=history),
            point=point,
            channel=channel,
            at=at,
            automated=automated,
            template=template,
        )
        decision = engine.evaluate(facts)
        if decision.allowed:
            self._rehearsed.append(
                HistoryEvent(
                    at=at,
                    channel=channel,
                    direction="outbound",
                    contact_point=str(point.id),
                    case_ids=tuple(str(c) for c in self._case_ids),
                    outcome="delivered",
                )
            )
        return decision

    def _record(self, channel: AttemptChannel) -> gather.Record:
        if channel not in self._records:
            self._records[channel] = gather.read(
                self._db, consumer_id=self._consumer_id, channel=channel, case_ids=self._case_ids
            )
        return self._records[channel]
