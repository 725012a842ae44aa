"""Champion / challenger: a challenger strategy tried against a rule's strategy (the
champion) on a share of the rule's new cases.  Starting one changes nothing for the
cases already enrolled; each new case of the rule falls on a side by a stable hash of its
id and the experiment's (``enrolment.variant_of``), kept on its enrolment.  Ending one
sends the rule's new cases back to one strategy — the champion, or the challenger when it
is promoted, which is an edit of the rule with its history like any other — and the
cases already on either side keep the strategy they are on.  The gate decides every
step of both sides alike: it is outside the experiment.  Flushes, never commits."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agency.clients.models import Contract
from agency.kit import clock
from agency.outreach.strategies import assignment
from agency.outreach.strategies.models import (
    StrategyEnrolment,
    StrategyExperiment,
    StrategyRule,
    StrategyVersion,
)
from agency.outreach.strategies.versions import StrategyRefused

PERCENT_MIN, PERCENT_MAX = 1, 50
REASON_MAX = 300


def open_of(db: Session, rule_id: int) -> StrategyExperiment | None:
    query = select(StrategyExperiment).where(
        StrategyExperiment.rule_id == rule_id, StrategyExperiment.ended_at.is_(None)
    )
    return db.scalar(query)


def start(
    db: Session,
    *,
    contract: Contract,
    rule: StrategyRule,
    challenger_id: int,
    percent: int,
    reason: str,
    by_user_id: int | None,
) -> StrategyExperiment:
    """Try ``challenger_id`` on ``percent`` % of the rule's new cases."""
    reason = reason.strip()
    if not reason:
        raise StrategyRefused("reason", "say what the challenger tries")
    if len(reason) > REASON_MAX:
        raise StrategyRefused("reason", f"at most {REASON_MAX} characters")
    if not PERCENT_MIN <= percent <= PERCENT_MAX:
        raise StrategyRefused(
            "percent", f"the challenger's share is {PERCENT_MIN} to {PERCENT_MAX} per cent"
        )
    if not rule.is_active:
        raise StrategyRefused("rule", "the rule is not active: it takes no new cases")
    if challenger_id == rule.strategy_id:
        raise StrategyRefused("challenger_id", "is the rule's own strategy (the champion)")
    try:
        assignment.check(db, contract, challenger_id, assignment.segment_of_rule(rule))
    except StrategyRefused as exc:
        raise StrategyRefused("challenger_id", exc.message) from exc
    published = select(StrategyVersion.id).where(StrategyVersion.strategy_id == challenger_id)
    if db.scalar(published.limit(1)) is None:
        raise StrategyRefused("challenger_id", "has no published version yet")
    if open_of(db, rule.id) is not None:
        raise StrategyRefused("rule", "already has an experiment running: end it first")
    experiment = StrategyExperiment(
        rule_id=rule.id,
        champion_id=rule.strategy_id,
        challenger_id=challenger_id,
        challenger_percent=percent,
        reason=reason,
        started_by_id=by_user_id,
    )
    try:
        with db.begin_nested():
            db.add(experiment)
    except IntegrityError as exc:  # another supervisor's, started in the same moment
        raise StrategyRefused("rule", "already has an experiment running: end it first") from exc
    return experiment


def end(
    db: Session,
    *,
    contract: Contract,
    experiment_id: int,
    promote: bool,
    reason: str,
    by_user_id: int | None,
) -> StrategyExperiment:
    """End the experiment; with ``promote`` the rule gives the challenger from now on."""
    reason = reason.strip()
    if not reason:
        raise StrategyRefused("end_reason", "say why it ends")
    if len(reason) > REASON_MAX:
        raise StrategyRefused("end_reason", f"at most {REASON_MAX} characters")
    query = select(StrategyExperiment).where(StrategyExperiment.id == experiment_id)
    experiment = db.scalar(query.with_for_update())
    if experiment is None:
        raise StrategyRefused("experiment", "is not an experiment")
    if experiment.ended_at is not None:
        raise StrategyRefused("experiment", "has already ended")
    rule = db.get(StrategyRule, experiment.rule_id, with_for_update=True)
    if rule is None or rule.contract_id != contract.id:
        raise StrategyRefused("experiment", "is not an experiment of this contract")
    if promote:  # first: a refusal leaves the experiment running and nothing written
        assignment.save_rule(
            db,
            contract=contract,
            strategy_id=experiment.challenger_id,
            segment=assignment.segment_of_rule(rule),
            by_user_id=by_user_id,
            rule=rule,
            is_active=rule.is_active,
        )
    experiment.ended_at = clock.now()
    experiment.ended_by_id = by_user_id
    experiment.end_reason = reason
    experiment.promoted = promote
    db.flush()
    return experiment


def every(db: Session) -> list[tuple[StrategyExperiment, StrategyRule]]:
    """Every experiment with its rule, the running ones first, then the newest."""
    query = (
        select(StrategyExperiment, StrategyRule)
        .join(StrategyRule, StrategyRule.id == StrategyExperiment.rule_id)
        .order_by(StrategyExperiment.ended_at.is_not(None), StrategyExperiment.id.desc())
    )
    return [(x, rule) for x, rule in db.execute(query).all()]


def one(db: Session, experiment_id: int) -> tuple[StrategyExperiment, StrategyRule] | None:
    query = (
        select(StrategyExperiment, StrategyRule)
        .join(StrategyRule, StrategyRule.id == StrategyExperiment.rule_id)
        .where(StrategyExperiment.id == experiment_id)
    )
    row = db.execute(query).first()
    return None if row is None else (row[0], row[1])


def sides(db: Session) -> dict[int, dict[str, int]]:
    """How many cases each experiment has put on each side, by experiment id."""
    query = (
        select(StrategyEnrolment.experiment_id, StrategyEnrolment.variant, func.count())
        .where(StrategyEnrolment.experiment_id.is_not(None))
        .group_by(StrategyEnrolment.experiment_id, StrategyEnrolment.variant)
    )
    counts: dict[int, dict[str, int]] = {}
    for experiment_id, variant, n in db.execute(query):
        if experiment_id is not None and variant is not None:  # so the query's WHERE says
            counts.setdefault(experiment_id, {})[variant] = n
    return counts
