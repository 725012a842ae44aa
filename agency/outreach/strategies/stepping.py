"""Moving a case along its strategy: a step becomes current (due from its anchor, or
waiting for its event — ``due``), and once done the case goes where the step says (the
next step, the end, an agent's queue).  Flushes, never commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agency.cases import service as cases_service
from agency.cases.models import Case, Consumer
from agency.compliance import service as compliance
from agency.kit import clock
from agency.outreach import validation_sent
from agency.outreach.models import OutboxMessage
from agency.outreach.strategies import due, events
from agency.outreach.strategies.models import (
    EnrolmentState,
    Strategy,
    StrategyEnrolment,
    StrategyVersion,
)
from agency.outreach.strategies.records import EventRow, SendRow
from agency.outreach.strategies.steps import Step, read_steps


@dataclass(frozen=True, slots=True)
class Plan:
    """A version as the runner reads it."""

    strategy: Strategy
    version: StrategyVersion
    steps: list[Step]

    def index_of(self, key: str) -> int | None:
        return next((n for n, step in enumerate(self.steps) if step.key == key), None)

    def step(self, key: str) -> Step:
        index = self.index_of(key)
        assert index is not None, key
        return self.steps[index]


class Plans:
    """The versions a batch needs, each read once."""

    def __init__(self, db: Session) -> None:
        self._db = db
        self._plans: dict[int, Plan] = {}

    def __getitem__(self, version_id: int) -> Plan:
        if version_id not in self._plans:
            version = self._db.get(StrategyVersion, version_id)
            assert version is not None
            strategy = self._db.get(Strategy, version.strategy_id)
            assert strategy is not None
            steps = read_steps(
                version.steps,
                currency=strategy.currency,
                country=strategy.country,
                notice_by_client=strategy.notice_by_client,
            )
            self._plans[version_id] = Plan(strategy, version, steps)
        return self._plans[version_id]


@dataclass(frozen=True, slots=True)
class Moments:
    """What a case's anchors are read from."""

    placed_at: datetime
    validation_sent_at: datetime | None
    last_contact_at: datetime | None
    zones: tuple[str, ...]


def begin(
    enrolment: StrategyEnrolment, plan: Plan, index: int, now: datetime, moments: Moments
) -> None:
    """Make step ``index`` current from ``now``: due from its anchor, or waiting."""
    step = plan.steps[index]
    enrolment.state = EnrolmentState.ACTIVE
    enrolment.version_id = plan.version.id
    enrolment.step_index = index
    enrolment.step_started_at = now
    schedule(enrolment, step, moments)


def schedule(enrolment: StrategyEnrolment, step: Step, moments: Moments) -> None:
    """Set the current step's due moment from its anchor (None: wait for the event)."""
    anchor = due.anchor_moment(
        step.anchor,
        step_started_at=enrolment.step_started_at,
        placed_at=moments.placed_at,
        validation_sent_at=moments.validation_sent_at,
        last_contact_at=moments.last_contact_at,
    )
    if anchor is None:
        enrolment.due_at, enrolment.waiting_for = None, step.anchor
    else:
        at = due.due_at(anchor, days=step.days, at=step.at, zones=moments.zones)
        enrolment.due_at, enrolment.waiting_for = at, None


def after(
    db: Session,
    enrolment: StrategyEnrolment,
    plan: Plan,
    step: Step,
    now: datetime,
    moments: Moments,
) -> list[EventRow]:
    """``step`` is done: the case goes on as it says; the events that says so."""
    case_id = enrolment.case_id
    if step.then == "agent":
        cases_service.needs_agent(db, case_id=case_id)
        words = f"handed to an agent: {step.then_reason}"
        end(enrolment, words)
        return [events.event(case_id, "handed", words, step_key=step.key, at=now)]
    index = enrolment.step_index + 1
    if step.then == "end" or index >= len(plan.steps):
        words = "the strategy's last step is done" if step.then == "next" else "the step ends it"
        end(enrolment, words)
        return [events.event(case_id, "ended", words, step_key=step.key, at=now)]
    begin(enrolment, plan, index, now, moments)
    return []


def send_record(
    enrolment: StrategyEnrolment,
    step: Step,
    outcome: str,
    *,
    message_id: int | None = None,
    watch: bool = False,
) -> SendRow:
    """The record that ``step`` was done for the case (queued, a task, skipped): its
    uniqueness is what keeps a step from being done twice.  ``watch``: the message's fate
    decides a fallback still to come."""
    assert enrolment.version_id is not None
    return SendRow(
        case_id=enrolment.case_id,
        version_id=enrolment.version_id,
        step_key=step.key,
        attempt=0,
        channel=step.channel,
        outcome=outcome,
        message_id=message_id,
        watch=watch,
        retry_at=None,
        at=clock.now(),
    )


def step_event(
    enrolment: StrategyEnrolment,
    step: Step,
    kind: str,
    words: str,
    now: datetime,
    *,
    rules: Sequence[str] = (),
    until: datetime | None = None,
    message_id: int | None = None,
) -> EventRow:
    """The event of something done to ``step`` (queued, deferred, skipped …)."""
    return events.event(
        enrolment.case_id,
        kind,
        words,
        step_key=step.key,
        channel=step.channel,
        rule_ids=rules,
        until=until,
        message_id=message_id,
        at=now,
    )


def end(enrolment: StrategyEnrolment, reason: str) -> None:
    enrolment.state = EnrolmentState.ENDED
    enrolment.due_at = enrolment.waiting_for = None
    enrolment.reason = reason[:300]


def happened(db: Session, *, case_ids: Sequence[int], anchor: str, at: datetime) -> int:
    """``anchor`` (a promise or plan broken, a payment reversed, an inbound reply)
    happened at ``at`` on each of ``case_ids``: a step waiting for it since before then
    becomes due ``days`` after, at its time of day.  Returns how many steps it woke."""
    query = select(StrategyEnrolment).where(
        StrategyEnrolment.case_id.in_(case_ids),
        StrategyEnrolment.state == EnrolmentState.ACTIVE,
        StrategyEnrolment.waiting_for == anchor,
    )
    woken = 0
    plans = Plans(db)
    for enrolment in db.scalars(query.with_for_update()):
        if at < enrolment.step_started_at:
            continue
        _wake(db, plans, enrolment, at)
        woken += 1
    return woken


def _wake(db: Session, plans: Plans, enrolment: StrategyEnrolment, at: datetime) -> None:
    assert enrolment.version_id is not None
    step = plans[enrolment.version_id].steps[enrolment.step_index]
    case = db.get_one(Case, enrolment.case_id)
    zones = compliance.consumer_zones(db, consumer=db.get_one(Consumer, case.consumer_id))
    enrolment.due_at = due.due_at(at, days=step.days, at=step.at, zones=zones)
    enrolment.waiting_for = None


def wake_notices(db: Session, *, chunk: int = 1_000) -> int:
    """The steps waiting for their case's validation notice whose notice has been sent
    since (a letter's print batch made, an e-mail taken by the mail server): due from
    the moment it left.  Returns how many it woke."""
    waiting = select(StrategyEnrolment.case_id).where(
        StrategyEnrolment.state == EnrolmentState.ACTIVE,
        StrategyEnrolment.waiting_for == "validation_sent",
    )
    case_ids = list(db.scalars(waiting))
    woken = 0
    plans = Plans(db)
    for start in range(0, len(case_ids), chunk):
        part = case_ids[start : start + chunk]
        sent_at = (
            select(OutboxMessage.case_id, func.min(OutboxMessage.sent_at))
            .where(
                OutboxMessage.case_id.in_(part),
                OutboxMessage.gate_template == validation_sent.TEMPLATE_ID,
                OutboxMessage.sent_at.is_not(None),
            )
            .group_by(OutboxMessage.case_id)
        )
        sent = {case_id: at for case_id, at in db.execute(sent_at).all() if at is not None}
        if not sent:
            continue
        query = waiting.with_only_columns(StrategyEnrolment).where(
            StrategyEnrolment.case_id.in_(sent)
        )
        for enrolment in db.scalars(query.with_for_update(skip_locked=True)):
            _wake(db, plans, enrolment, sent[enrolment.case_id])
            woken += 1
    return woken
