"""Putting cases on their strategies, pausing and resuming them, and moving them
between versions.  A case of a contract with strategy rules is enrolled by the runner's
next tick: the first rule that takes it (``assignment``) gives its strategy — or, when
the rule holds an experiment, the side the case's stable hash falls on — and the
strategy's newest version; a case no rule takes is noted (``NONE``) and looked at again
when the contract's rules change.  Flushes, never commits."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, selectinload

from agency.cases.models import CLOSED_STATUSES, Case, Consumer
from agency.kit import clock
from agency.outreach.strategies import events, reading, records
from agency.outreach.strategies.assignment import matches, rules_of, segment_of
from agency.outreach.strategies.models import (
    EnrolmentState,
    StrategyEnrolment,
    StrategyExperiment,
    StrategyRule,
    StrategyVersion,
)
from agency.outreach.strategies.stepping import Plans, begin
from agency.outreach.strategies.versions import StrategyRefused

REASON_MAX = 300


def enrol_new(db: Session, *, limit: int) -> int:
    """Enrol at most ``limit`` open cases not yet looked at; how many were."""
    with_rules = select(StrategyRule.contract_id).where(StrategyRule.is_active.is_(True))
    query = (
        select(Case)
        .where(
            Case.status.not_in(CLOSED_STATUSES),
            Case.contract_id.in_(with_rules),
            ~exists().where(StrategyEnrolment.case_id == Case.id),
        )
        .order_by(Case.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=Case)
    )
    query = query.options(selectinload(Case.consumer).selectinload(Consumer.contact_points))
    cases = list(db.scalars(query))
    if not cases:
        return 0
    now = clock.now()
    plans = Plans(db)
    newest = _newest_versions(db)
    open_experiments = select(StrategyExperiment).where(StrategyExperiment.ended_at.is_(None))
    experiments = {x.rule_id: x for x in db.scalars(open_experiments)}
    written = []
    rules: dict[int, list[StrategyRule]] = {}
    for case in cases:
        e = StrategyEnrolment(
            case_id=case.id, contract_id=case.contract_id, enrolled_at=now, step_started_at=now
        )
        if case.contract_id not in rules:
            rules[case.contract_id] = rules_of(db, case.contract_id)
        segment = segment_of(case)
        rule = next((r for r in rules[case.contract_id] if matches(r, segment, now.date())), None)
        strategy_id = None if rule is None else rule.strategy_id
        side = ""
        experiment = None if rule is None else experiments.get(rule.id)
        if experiment is not None:
            e.experiment_id = experiment.id
            e.variant = variant_of(case.id, experiment.id, experiment.challenger_percent)
            if e.variant == "challenger":
                strategy_id = experiment.challenger_id
            side = f", the {e.variant} of experiment {experiment.id}"
        version_id = None if strategy_id is None else newest.get(strategy_id)
        if rule is None or version_id is None:
            e.state = EnrolmentState.NONE
            e.reason = (
                "no strategy rule of the contract takes the case"
                if rule is None
                else "the rule's strategy has no published version"
            )
            db.add(e)
            continue
        plan = plans[version_id]
        needs = plan.steps[0].anchor == "validation_sent"
        begin(e, plan, 0, now, reading.moments(db, case, needs_notice=needs))
        db.add(e)
        words = f"on strategy {plan.strategy.name!r} version {plan.version.version}{side}"
        written.append(events.event(case.id, "enrolled", words, at=now))
    db.flush()  # the enrolments before their events
    records.write(db, written)
    return len(cases)


def variant_of(case_id: int, experiment_id: int, challenger_percent: int) -> str:
    """The side of an experiment a case is on: a stable hash of both ids, so a case
    stays where it fell."""
    digest = hashlib.sha256(f"{experiment_id}:{case_id}".encode()).digest()
    bucket = int.from_bytes(digest[:8]) % 10_000
    return "challenger" if bucket < challenger_percent * 100 else "champion"


def _newest_versions(db: Session) -> dict[int, int]:
    """Each strategy's newest version's id."""
    newest = (
        select(StrategyVersion.strategy_id, func.max(StrategyVersion.version).label("v"))
        .group_by(StrategyVersion.strategy_id)
        .subquery()
    )
    query = select(StrategyVersion.strategy_id, StrategyVersion.id).join(
        newest,
        (newest.c.strategy_id == StrategyVersion.strategy_id)
        & (newest.c.v == StrategyVersion.version),
    )
    return {row[0]: row[1] for row in db.execute(query).all()}


def of_case(db: Session, case_id: int, *, lock: bool = False) -> StrategyEnrolment | None:
    query = select(StrategyEnrolment).where(StrategyEnrolment.case_id == case_id)
    return db.scalar(query.with_for_update() if lock else query)


def _reason(reason: str) -> str:
    words = " ".join(reason.split())
    if not words:
        raise StrategyRefused("reason", "say why, for the next person to open the case")
    if len(words) > REASON_MAX:
        raise StrategyRefused("reason", f"must be at most {REASON_MAX} characters")
    return words


def pause(db: Session, *, case_id: int, reason: str, by_user_id: int | None) -> StrategyEnrolment:
    """Stop the case's strategy where it is, with a reason."""
    return _switch(db, case_id, reason, by_user_id, EnrolmentState.ACTIVE, EnrolmentState.PAUSED)


def resume(db: Session, *, case_id: int, reason: str, by_user_id: int | None) -> StrategyEnrolment:
    """Take the case's strategy up where it stopped (a step that fell due meanwhile is
    due now), with a reason."""
    return _switch(db, case_id, reason, by_user_id, EnrolmentState.PAUSED, EnrolmentState.ACTIVE)


_NOT = {
    EnrolmentState.ACTIVE: "is not running a strategy",
    EnrolmentState.PAUSED: "has no paused strategy",
}
_KIND = {EnrolmentState.PAUSED: "paused", EnrolmentState.ACTIVE: "resumed"}


def _switch(
    db: Session,
    case_id: int,
    reason: str,
    by_user_id: int | None,
    from_state: EnrolmentState,
    to_state: EnrolmentState,
) -> StrategyEnrolment:
    words = _reason(reason)
    e = of_case(db, case_id, lock=True)
    if e is None or e.state is not from_state:
        raise StrategyRefused("strategy", f"the case {_NOT[from_state]}")
    kind = _KIND[to_state]
    e.state, e.reason = to_state, words if to_state is EnrolmentState.PAUSED else None
    records.write(db, [events.event(case_id, kind, f"{kind}: {words}", by_user_id=by_user_id)])
    db.flush()
    return e


def migrate(
    db: Session, *, from_version_id: int, to_version_id: int, by_user_id: int | None, at: datetime
) -> int:
    """Move the running and paused cases of one version to another of the same strategy:
    each to the step of the same key (else the same place, at most the last step), due
    again from that step's anchor.  How many moved."""
    plans = Plans(db)
    old, new = plans[from_version_id], plans[to_version_id]
    if old.strategy.id != new.strategy.id:
        raise StrategyRefused("version", "cases move only between versions of one strategy")
    query = (
        select(StrategyEnrolment)
        .where(
            StrategyEnrolment.version_id == from_version_id,
            StrategyEnrolment.state.in_((EnrolmentState.ACTIVE, EnrolmentState.PAUSED)),
        )
        .with_for_update()
    )
    found = list(db.scalars(query))
    cases = reading.read_cases(db, [e.case_id for e in found]).cases
    written = []
    for e in found:
        key = old.steps[e.step_index].key
        index = new.index_of(key)
        index = min(e.step_index, len(new.steps) - 1) if index is None else index
        case = cases[e.case_id]
        state = e.state
        needs = new.steps[index].anchor == "validation_sent"
        started = e.step_started_at
        begin(e, new, index, started, reading.moments(db, case, needs_notice=needs))
        e.state = state
        words = (
            f"moved from version {old.version.version} to {new.version.version}, "
            f"at step {new.steps[index].key!r}"
        )
        written.append(events.event(e.case_id, "migrated", words, by_user_id=by_user_id, at=at))
    db.flush()
    records.write(db, written)
    return len(written)
