"""A strategy's dry run for one case: its steps replayed from now over the next
``DAYS`` days as the runner would do them — the same due moments, conditions, contact
points and templates — with the gate rehearsed on a copy of the facts
(``compliance.Rehearsal``: no ledger writes, no sends; each message it would allow
counts for the next).  A step the gate would defer is tried again at its next allowed
time, as the runner does.

What cannot be known ahead is not guessed: a step anchored on an event (a broken
promise, a reply) ends the replay there, and a message is taken as delivered.  Read-only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from agency.cases.models import Case
from agency.compliance import service as compliance
from agency.compliance.templates import get as builtin_template
from agency.outreach import outbox, validation_notices, validation_sent
from agency.outreach.strategies import events, messages, reading
from agency.outreach.strategies.conditions import skip_reason
from agency.outreach.strategies.due import anchor_moment, due_at
from agency.outreach.strategies.notice_step import NO_POINT, notice_point
from agency.outreach.strategies.step_words import ANCHOR_WORDS
from agency.outreach.strategies.steps import Step

DAYS = 30
# A step the gate keeps deferring is tried at most this many times in a replay.
TRIES = 20


@dataclass(frozen=True, slots=True)
class Line:
    """One thing the replay says would happen."""

    at: datetime
    step_key: str
    channel: str
    outcome: str  # send, deferred, skipped, task, handed, ended, waits, later
    words: str
    rules: tuple[str, ...] = ()
    contact_point_id: int | None = None


@dataclass(slots=True)
class _Replay:
    lines: list[Line] = field(default_factory=list)
    notice_at: datetime | None = None


def for_case(
    db: Session,
    *,
    case: Case,
    batch: reading.Batch,
    steps: list[Step],
    start: datetime,
    index: int = 0,
    days: int = DAYS,
) -> list[Line]:
    """What ``steps`` (from step ``index``) would do to ``case`` from ``start`` over
    ``days`` days.  ``case``: one of ``batch``'s (``reading.read_cases``)."""
    gate = compliance.Rehearsal(db, consumer_id=case.consumer_id, case_ids=[case.id])
    templates = messages.Templates(db)
    moments = reading.moments(db, case, needs_notice=True)
    replay = _Replay(notice_at=moments.validation_sent_at)
    end, started = start + timedelta(days=days), start
    while index < len(steps):
        step = steps[index]
        anchor = anchor_moment(
            step.anchor,
            step_started_at=started,
            placed_at=moments.placed_at,
            validation_sent_at=replay.notice_at,
            last_contact_at=moments.last_contact_at,
        )
        if anchor is None:
            _say(
                replay,
                started,
                step,
                "waits",
                f"waits for {ANCHOR_WORDS[step.anchor]}: the dry run cannot tell when that happens",
            )
            break
        at = max(due_at(anchor, days=step.days, at=step.at, zones=moments.zones), started)
        if at > end:
            _say(replay, at, step, "later", f"due after the {days} days")
            break
        done = _do(db, replay, step, at, end, case, batch, gate, templates)
        if done is None:
            break
        at = done
        if step.then != "next" or index + 1 == len(steps):
            outcome = "handed" if step.then == "agent" else "ended"
            words = f"to an agent: {step.then_reason}" if step.then == "agent" else "the end"
            _say(replay, at, step, outcome, words)
            break
        index, started = index + 1, at
    return replay.lines


def _do(
    db: Session,
    replay: _Replay,
    step: Step,
    at: datetime,
    end: datetime,
    case: Case,
    batch: reading.Batch,
    gate: compliance.Rehearsal,
    templates: messages.Templates,
) -> datetime | None:
    """Step ``step`` due at ``at``: its lines; when it is done (None: not within the
    replay — the gate defers it past the end)."""
    reason = skip_reason(step, batch.now(case))
    if reason is not None:
        _say(replay, at, step, "skipped", reason)
        return at
    if step.channel == "call_task":
        _say(replay, at, step, "task", f"call the consumer: {step.reason}")
        return at
    asked = _ask(db, replay, step, case, batch, templates)
    if isinstance(asked, str):
        _say(replay, at, step, "skipped", asked)
        return at
    point_id, channel, template = asked
    for _ in range(TRIES):
        decision = gate.decide(
            channel=channel,
            contact_point_id=point_id,
            at=at,
            automated=channel == "sms",
            template=template,
        )
        rules = decision.blocked_by
        words = events.rule_words(rules)
        if decision.allowed:
            _say(
                replay,
                at,
                step,
                "send",
                f"would send the {messages.label(channel)}",
                point=point_id,
            )
            if step.channel == "validation_notice":
                replay.notice_at = at
            return at
        if decision.next_allowed_at is None:
            _say(replay, at, step, "skipped", f"the gate says no, for good: {words}", rules)
            return at
        _say(replay, at, step, "deferred", f"deferred by the gate: {words}", rules)
        at = decision.next_allowed_at
        if at > end:
            return None
    return None


def _ask(
    db: Session,
    replay: _Replay,
    step: Step,
    case: Case,
    batch: reading.Batch,
    templates: messages.Templates,
) -> tuple[int, compliance.AttemptChannel, compliance.Template] | str:
    """The point, gate channel and template the step's message would have, or why
    there is none (as the runner would say)."""
    if step.channel == "validation_notice":
        if replay.notice_at is not None or validation_notices.panel(db, case=case).again:
            return "skipped: the validation notice was already sent"
        chosen = notice_point(db, case, batch)
        if chosen is None:
            return NO_POINT
        template = builtin_template(validation_sent.TEMPLATE_ID)
        assert template is not None
        return chosen[0].id, chosen[1], template
    points = batch.points(case, step.channel)
    item = messages.step_message(case, step, points, templates, "dry-run@agency.invalid")
    if isinstance(item, str):
        return item
    ask = outbox.gate_ask(item, source=compliance.Source.STRATEGY)
    return ask.contact_point_id, ask.channel, item.draft.gate_template


def _say(
    replay: _Replay,
    at: datetime,
    step: Step,
    outcome: str,
    words: str,
    rules: tuple[str, ...] = (),
    *,
    point: int | None = None,
) -> None:
    replay.lines.append(Line(at, step.key, step.channel, outcome, words, rules, point))
