"""Delivery-aware steps: a step's message that came back undelivered or failed is
followed up — a text or e-mail by the step's fallback channel (the same template key in
that channel), a returned letter by the next postal address we may use (the returned
one is marked "do not use" by the outbox).  Each follow-up is the step's next attempt,
its own send record: never sent twice.  The gate decides each as any message; one it
defers is tried again at its next allowed time.  A message delivered, or watched for
``WATCH_DAYS``, is watched no more.  Flushes, never commits."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from agency.kit import clock
from agency.outreach import outbox
from agency.outreach.models import MessageStatus, OutboxMessage
from agency.outreach.strategies import events, messages, reading, records
from agency.outreach.strategies.models import StrategySend
from agency.outreach.strategies.records import EventRow, Row, SendRow
from agency.outreach.strategies.stepping import Plans
from agency.outreach.strategies.steps import Step

WATCH_DAYS = 60
CAME_BACK = (MessageStatus.UNDELIVERED, MessageStatus.FAILED)


@dataclass(frozen=True, slots=True)
class FollowUp:
    send: StrategySend  # the attempt that came back
    step: Step
    channel: str
    item: outbox.Addressed


def sweep(db: Session, *, limit: int) -> Counter[str]:
    """Follow up at most ``limit`` watched messages that have a final status."""
    now = clock.now()
    db.execute(
        update(StrategySend)
        .where(StrategySend.watch.is_(True), StrategySend.at < now - timedelta(days=WATCH_DAYS))
        .values(watch=False)
    )
    query = (
        select(StrategySend, OutboxMessage.status)
        .join(OutboxMessage, OutboxMessage.id == StrategySend.message_id)
        .where(
            StrategySend.watch.is_(True),
            OutboxMessage.status.in_((MessageStatus.DELIVERED, MessageStatus.BLOCKED, *CAME_BACK)),
            or_(StrategySend.retry_at.is_(None), StrategySend.retry_at <= now),
        )
        .order_by(StrategySend.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=StrategySend)
    )
    found = [(row[0], row[1]) for row in db.execute(query)]
    counts: Counter[str] = Counter()
    if not found:
        return counts
    plans = Plans(db)
    batch = reading.read_cases(db, sorted({send.case_id for send, _ in found}))
    tried = _tried(db, [send for send, _ in found])
    templates = messages.Templates(db)
    written: list[Row] = []
    ups: list[FollowUp] = []
    for send, status in found:
        if status not in CAME_BACK:
            send.watch = False
            continue
        step = plans[send.version_id].step(send.step_key)
        up = _follow_up(send, step, batch, tried, templates)
        if isinstance(up, str):
            send.watch = False
            written.append(_event(send, "fallback", up))
            counts["no fallback"] += 1
        else:
            ups.append(up)
    written += _gate_and_queue(db, ups, counts)
    records.write(db, written)
    db.flush()
    return counts


def _follow_up(
    send: StrategySend,
    step: Step,
    batch: reading.Batch,
    tried: dict[tuple[int, int, str], set[int]],
    templates: messages.Templates,
) -> FollowUp | str:
    """The follow-up of a message that came back, or why there is none."""
    case = batch.cases[send.case_id]
    came_back = f"the {messages.label(send.channel)} came back"
    channel = "letter" if send.channel == "letter" else step.fallback
    if channel is None:
        return f"{came_back}; the step has no fallback"
    assert step.template is not None
    points = batch.points(
        case, channel, tried=tried.get((send.case_id, send.version_id, step.key), ())
    )
    if not points:
        return f"{came_back}; no other {messages.label(channel)} contact point we may use"
    found = messages.template_for(templates, case, step.template, channel)
    if found is None:
        return f"{came_back}; no active {channel} template {step.template!r}"
    key = messages.message_key(case.id, send.version_id, step.key, send.attempt + 1)
    return FollowUp(send, step, channel, messages.addressed(case, points[0], found, key))


def _gate_and_queue(db: Session, ups: list[FollowUp], counts: Counter[str]) -> list[Row]:
    written: list[Row] = []
    decided = messages.gate_and_queue(db, [up.item for up in ups])
    for up, (result, message) in zip(ups, decided, strict=True):
        decision = result.decision
        rules = events.rule_words(decision.blocked_by)
        if message is not None:
            up.send.watch = False
            written.append(
                SendRow(
                    case_id=up.send.case_id,
                    version_id=up.send.version_id,
                    step_key=up.send.step_key,
                    attempt=up.send.attempt + 1,
                    channel=up.channel,
                    outcome="queued",
                    message_id=message.id,
                    watch=up.channel == "letter",
                    retry_at=None,
                    at=clock.now(),
                )
            )
            words = (
                f"the {messages.label(up.send.channel)} came back: "
                f"{messages.label(up.channel)} queued instead"
            )
            written.append(
                _event(up.send, "fallback", words, channel=up.channel, message=message.id)
            )
            counts["fallback"] += 1
        elif decision.next_allowed_at is not None:
            up.send.retry_at = decision.next_allowed_at
            written.append(_event(up.send, "deferred", f"fallback deferred by the gate: {rules}"))
            counts["fallback deferred"] += 1
        else:
            up.send.watch = False
            written.append(_event(up.send, "skipped", f"fallback refused by the gate: {rules}"))
            counts["fallback blocked"] += 1
    return written


def _tried(db: Session, sends: list[StrategySend]) -> dict[tuple[int, int, str], set[int]]:
    """The contact points each step's attempts so far went to."""
    query = (
        select(
            StrategySend.case_id,
            StrategySend.version_id,
            StrategySend.step_key,
            OutboxMessage.contact_point_id,
        )
        .join(OutboxMessage, OutboxMessage.id == StrategySend.message_id)
        .where(StrategySend.case_id.in_({s.case_id for s in sends}))
    )
    tried: dict[tuple[int, int, str], set[int]] = {}
    for case_id, version_id, key, point_id in db.execute(query):
        tried.setdefault((case_id, version_id, key), set()).add(point_id)
    return tried


def _event(
    send: StrategySend,
    kind: str,
    words: str,
    *,
    channel: str | None = None,
    message: int | None = None,
) -> EventRow:
    return events.event(
        send.case_id,
        kind,
        words,
        step_key=send.step_key,
        channel=channel or send.channel,
        message_id=message,
    )
