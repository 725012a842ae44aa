"""The runner: every minute (Celery beat) the due steps, in batches, each batch one
transaction — picked with ``FOR UPDATE SKIP LOCKED`` (PostgreSQL) so two workers never
take the same case, their conditions read, the messages' gate asked for the whole batch
at once (``compliance.gate_many``), and the allowed messages written to the outbox (the
sweep hands them to their providers after commit), each step's send record beside it.

A send record is unique per case, version, step and attempt: a step is never done
twice, and a worker killed mid-batch leaves each of its cases untouched (the batch's
transaction is lost whole) for the next tick.

A step the gate blocks is deferred to the gate's ``next_allowed_at`` — or skipped when
waiting cannot help (a cease, an opt-out) — and the case's timeline says which rules and
until when.  A skipped step's case goes on to the next step as a done one does."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from agency.cases import service as cases_service
from agency.cases.models import Case
from agency.db import session_scope
from agency.kit import clock
from agency.outreach import outbox
from agency.outreach.strategies import (
    enrolment,
    events,
    fallbacks,
    messages,
    notice_step,
    reading,
    records,
    stepping,
)
from agency.outreach.strategies.conditions import skip_reason
from agency.outreach.strategies.models import (
    EnrolmentState,
    StrategyEnrolment,
)
from agency.outreach.strategies.records import Row
from agency.outreach.strategies.stepping import (
    Moments,
    Plan,
    Plans,
    after,
    end,
    schedule,
    send_record,
    step_event,
)
from agency.outreach.strategies.steps import Step

BATCH = 500
# At most this many batches a tick (250,000 steps); the next tick carries on.
MAX_BATCHES = 500


@dataclass(slots=True)
class Ask:
    """A message step waiting for the batch's gate."""

    enrolment: StrategyEnrolment
    plan: Plan
    step: Step
    item: outbox.Addressed


def tick(*, batch: int = BATCH, max_batches: int = MAX_BATCHES) -> dict[str, int]:
    """One run, transaction after transaction: ``prepare`` then ``run_due``.  Counts
    what happened."""
    counts = Counter(prepare(batch=batch, max_batches=max_batches))
    counts.update(run_due(batch=batch, max_batches=max_batches))
    return dict(+counts)


def prepare(*, batch: int = BATCH, max_batches: int = MAX_BATCHES) -> dict[str, int]:
    """The new cases enrolled batch by batch, the steps whose notice has left woken and
    the fallbacks swept — what one worker does before the due steps, which several may
    then take at once (``run_due``)."""
    counts: Counter[str] = Counter()
    for _ in range(max_batches):
        with session_scope() as db:
            enrolled = enrolment.enrol_new(db, limit=batch)
        counts["enrolled"] += enrolled
        if enrolled < batch:
            break
    for _ in range(max_batches):
        with session_scope() as db:
            swept = _wake_and_sweep(db, batch)
        counts.update(swept)
        if not swept:
            break
    return dict(+counts)


def run_due(*, batch: int = BATCH, max_batches: int = MAX_BATCHES) -> dict[str, int]:
    """The due steps batch by batch until none is due (or ``max_batches`` have run: the
    next tick carries on); safe to run in several workers at once (each batch takes its
    cases with SKIP LOCKED)."""
    counts: Counter[str] = Counter()
    for _ in range(max_batches):
        with session_scope() as db:
            due = _due(db, batch)
            if not due:
                break
            counts.update(run_batch(db, due))
    return dict(+counts)


def work(db: Session, *, batch: int = BATCH) -> Counter[str]:
    """``tick``'s work once, in the caller's transaction: at most ``batch`` new cases
    enrolled, the notices' steps woken and fallbacks swept, one batch of due steps.
    Empty when there was nothing to do."""
    counts: Counter[str] = Counter()
    counts["enrolled"] = enrolment.enrol_new(db, limit=batch)
    counts.update(_wake_and_sweep(db, batch))
    due = _due(db, batch)
    if due:
        counts.update(run_batch(db, due))
    return +counts


def _wake_and_sweep(db: Session, batch: int) -> Counter[str]:
    counts: Counter[str] = Counter({"woken": stepping.wake_notices(db)})
    counts.update(fallbacks.sweep(db, limit=batch))
    return +counts


def _due(db: Session, limit: int) -> list[StrategyEnrolment]:
    query = (
        select(StrategyEnrolment)
        .where(
            StrategyEnrolment.state == EnrolmentState.ACTIVE,
            StrategyEnrolment.due_at.is_not(None),
            StrategyEnrolment.due_at <= clock.now(),
        )
        .order_by(StrategyEnrolment.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(db.scalars(query))


def run_batch(db: Session, due: list[StrategyEnrolment]) -> Counter[str]:
    """Do the due steps of ``due`` (their rows locked): one read, one gate, one write."""
    now = clock.now()
    plans = Plans(db)
    batch = reading.read(db, due, plans)
    templates = messages.Templates(db)
    written: list[Row] = []
    asks: list[Ask] = []
    counts: Counter[str] = Counter()
    for e in due:
        case = batch.cases[e.case_id]
        assert e.version_id is not None
        plan = plans[e.version_id]
        step = plan.steps[e.step_index]
        if not case.status.is_open:
            end(e, f"the case is {case.status.value}")
            written.append(events.event(case.id, "ended", e.reason or "", at=now))
            counts["ended"] += 1
            continue
        if step.anchor == "no_contact" and _contacted_since(case, e):
            schedule(e, step, reading.moments(db, case, needs_notice=False))
            if e.due_at is not None and e.due_at > now:
                counts["waiting"] += 1  # a contact since: the quiet days count from it
                continue
        reason = skip_reason(step, batch.now(case))
        if reason is None and step.channel == "call_task":
            cases_service.needs_agent(db, case_id=case.id)
            words = f"call the consumer: {step.reason}"
            written += [send_record(e, step, "task"), step_event(e, step, "task", words, now)]
            written += after(db, e, plan, step, now, _moments(db, plan, case, e))
            counts["task"] += 1
            continue
        if reason is None and step.channel == "validation_notice":
            done = notice_step.run(db, case, e, step, now, batch)
            written += done.written
            if not done.deferred:
                written += after(db, e, plan, step, now, _moments(db, plan, case, e))
            counts[done.outcome] += 1
            continue
        if reason is None:
            found = _addressed(case, step, e, batch, templates)
            if isinstance(found, outbox.Addressed):
                asks.append(Ask(e, plan, step, found))
                continue
            reason = found
        written += [send_record(e, step, "skipped"), step_event(e, step, "skipped", reason, now)]
        written += after(db, e, plan, step, now, _moments(db, plan, case, e))
        counts["skipped"] += 1
    written += _gate_and_queue(db, asks, now, batch, counts)
    records.write(db, written)
    db.flush()
    return counts


def _gate_and_queue(
    db: Session, asks: list[Ask], now: datetime, batch: reading.Batch, counts: Counter[str]
) -> list[Row]:
    """The batch's messages through the gate at once; the allowed ones queued, the
    blocked ones deferred or skipped."""
    written: list[Row] = []
    decided = messages.gate_and_queue(db, [a.item for a in asks])
    for ask, (result, message) in zip(asks, decided, strict=True):
        e, step, decision = ask.enrolment, ask.step, result.decision
        rules = decision.blocked_by
        if message is None and decision.next_allowed_at is not None:
            e.due_at = decision.next_allowed_at
            words = f"deferred by the gate: {events.rule_words(rules)}"
            written.append(
                step_event(
                    e, step, "deferred", words, now, rules=rules, until=decision.next_allowed_at
                )
            )
            counts["deferred"] += 1
            continue
        if message is None:
            words = f"skipped, the gate says no and waiting cannot help: {events.rule_words(rules)}"
            written += [
                send_record(e, step, "skipped"),
                step_event(e, step, "skipped", words, now, rules=rules),
            ]
            counts["blocked"] += 1
        else:
            watch = step.fallback is not None or step.channel == "letter"
            send = send_record(e, step, "queued", message_id=message.id, watch=watch)
            words = f"{messages.label(step.channel)} queued ({step.template})"
            written += [send, step_event(e, step, "queued", words, now, message_id=message.id)]
            counts["queued"] += 1
        case = batch.cases[e.case_id]
        written += after(db, e, ask.plan, step, now, _moments(db, ask.plan, case, e))
    return written


def _contacted_since(case: Case, e: StrategyEnrolment) -> bool:
    return case.last_contact_at is not None and case.last_contact_at > e.step_started_at


def _moments(db: Session, plan: Plan, case: Case, e: StrategyEnrolment) -> Moments:
    """The case's moments for the step that comes next (its notice's only when needed)."""
    following = plan.steps[e.step_index + 1 :]
    needs = bool(following) and following[0].anchor == "validation_sent"
    return reading.moments(db, case, needs_notice=needs)


def _addressed(
    case: Case,
    step: Step,
    e: StrategyEnrolment,
    batch: reading.Batch,
    templates: messages.Templates,
) -> outbox.Addressed | str:
    """The step's message made for the case, or why it cannot be."""
    assert e.version_id is not None
    key = messages.message_key(case.id, e.version_id, step.key, 0)
    return messages.step_message(case, step, batch.points(case, step.channel), templates, key)
