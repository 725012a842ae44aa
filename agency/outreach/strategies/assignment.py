"""Which strategy a case gets: its contract's strategy rules, tried in order, the first
active one whose every condition holds (country, balance band, placement age, language,
case status).  Saving a rule keeps its history (who, when, the rule before and after),
and refuses a strategy that cannot serve the contract: another currency, another
country than the rule's, or — for a US contract whose client does not send the
validation notice — a strategy that says the client sends it.  Flushes, never commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from agency.cases.models import Case, CaseStatus
from agency.clients.models import Contract
from agency.outreach.strategies.models import (
    EnrolmentState,
    Strategy,
    StrategyEnrolment,
    StrategyRule,
    StrategyRuleEdit,
)
from agency.outreach.strategies.versions import StrategyRefused

RULE_FIELDS = (
    "strategy_id",
    "position",
    "is_active",
    "country",
    "min_balance_minor",
    "max_balance_minor",
    "min_age_days",
    "max_age_days",
    "language",
    "statuses",
)


@dataclass(frozen=True, slots=True)
class Segment:
    """A rule's conditions (None or empty: any)."""

    country: str | None = None
    min_balance_minor: int | None = None
    max_balance_minor: int | None = None
    min_age_days: int | None = None
    max_age_days: int | None = None
    language: str | None = None
    statuses: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CaseSegment:
    """A case as the rules look at it."""

    country: str
    balance_minor: int
    placed_on: date
    language: str | None
    status: str


def segment_of(case: Case) -> CaseSegment:
    return CaseSegment(
        country=case.country,
        balance_minor=case.balance.minor,
        placed_on=case.placed_at.date(),
        language=case.language,
        status=case.status.value,
    )


def matches(rule: StrategyRule, case: CaseSegment, today: date) -> bool:
    age = (today - case.placed_on).days
    return (
        rule.is_active
        and (rule.country is None or rule.country == case.country)
        and (rule.min_balance_minor is None or case.balance_minor >= rule.min_balance_minor)
        and (rule.max_balance_minor is None or case.balance_minor <= rule.max_balance_minor)
        and (rule.min_age_days is None or age >= rule.min_age_days)
        and (rule.max_age_days is None or age <= rule.max_age_days)
        and (rule.language is None or rule.language == case.language)
        and (not rule.statuses or case.status in rule.statuses)
    )


def rules_of(db: Session, contract_id: int) -> list[StrategyRule]:
    query = (
        select(StrategyRule)
        .where(StrategyRule.contract_id == contract_id)
        .order_by(StrategyRule.position, StrategyRule.id)
    )
    return list(db.scalars(query))


def strategy_for(
    db: Session, contract_id: int, case: CaseSegment, today: date
) -> StrategyRule | None:
    """The contract's first rule that takes the case, or None (no strategy)."""
    return next((r for r in rules_of(db, contract_id) if matches(r, case, today)), None)


def _fields(rule: StrategyRule) -> dict[str, Any]:
    return {name: getattr(rule, name) for name in RULE_FIELDS} | {"statuses": list(rule.statuses)}


def check(db: Session, contract: Contract, strategy_id: int, segment: Segment) -> None:
    """Refuse (``StrategyRefused``) a strategy that cannot serve the segment's cases of
    the contract, or a segment that holds no case."""
    strategy = db.get(Strategy, strategy_id)
    if strategy is None:
        raise StrategyRefused("strategy_id", "is not a strategy")
    if strategy.currency != contract.currency:
        raise StrategyRefused(
            "strategy_id", f"works in {strategy.currency}; the contract is in {contract.currency}"
        )
    if segment.country is not None and strategy.country != segment.country:
        raise StrategyRefused(
            "strategy_id",
            f"is a strategy for {strategy.country}, the rule's cases are in {segment.country}",
        )
    if strategy.notice_by_client and not contract.client_sends_validation_notice:
        raise StrategyRefused(
            "strategy_id",
            "leaves the validation notice to the client, but this contract does not say the "
            "client sends it",
        )
    for low, high, name in (
        (segment.min_balance_minor, segment.max_balance_minor, "max_balance_minor"),
        (segment.min_age_days, segment.max_age_days, "max_age_days"),
    ):
        if low is not None and high is not None and high < low:
            raise StrategyRefused(name, "must not be below the lower end")
        if (low is not None and low < 0) or (high is not None and high < 0):
            raise StrategyRefused(name, "must not be negative")
    known = {s.value for s in CaseStatus}
    for status in segment.statuses:
        if status not in known:
            raise StrategyRefused("statuses", f"{status!r} is not a case status")


def save_rule(
    db: Session,
    *,
    contract: Contract,
    strategy_id: int,
    segment: Segment,
    by_user_id: int | None,
    rule: StrategyRule | None = None,
    is_active: bool = True,
) -> StrategyRule:
    """Add a rule (tried after the contract's others) or change ``rule``."""
    check(db, contract, strategy_id, segment)
    before = _fields(rule) if rule is not None else None
    if rule is None:
        last = db.scalar(
            select(func.max(StrategyRule.position)).where(StrategyRule.contract_id == contract.id)
        )
        rule = StrategyRule(contract_id=contract.id, position=(last or 0) + 1)
        db.add(rule)
    rule.strategy_id = strategy_id
    rule.is_active = is_active
    rule.country = segment.country
    rule.min_balance_minor = segment.min_balance_minor
    rule.max_balance_minor = segment.max_balance_minor
    rule.min_age_days = segment.min_age_days
    rule.max_age_days = segment.max_age_days
    rule.language = segment.language
    rule.statuses = list(segment.statuses)
    rule.updated_by_id = by_user_id
    db.flush()
    db.add(StrategyRuleEdit(rule_id=rule.id, before=before, after=_fields(rule),
                            by_user_id=by_user_id))  # fmt: skip
    # The contract's cases no rule took are looked at again by the runner's next tick.
    db.execute(
        delete(StrategyEnrolment).where(
            StrategyEnrolment.contract_id == contract.id,
            StrategyEnrolment.state == EnrolmentState.NONE,
        )
    )
    db.flush()
    return rule


def move_rule(
    db: Session, *, contract_id: int, rule_id: int, up: bool, by_user_id: int | None
) -> StrategyRule:
    """Try the rule one place earlier (``up``) or later among its contract's rules: it
    and its neighbour swap places, each change in its rule's history.  The contract's
    rules are locked first, so two supervisors moving rules at once move them one after
    the other.  Refused (``StrategyRefused``) when it is already first or last."""
    locked = (
        select(StrategyRule)
        .where(StrategyRule.contract_id == contract_id)
        .order_by(StrategyRule.position, StrategyRule.id)
        .with_for_update()
    )
    rules = list(db.scalars(locked))
    index = next((n for n, r in enumerate(rules) if r.id == rule_id), None)
    if index is None:
        raise StrategyRefused("rule", "is not one of the contract's rules")
    other = index - 1 if up else index + 1
    if not 0 <= other < len(rules):
        raise StrategyRefused("rule", f"is already the {'first' if up else 'last'} rule")
    for n, rule in enumerate(rules):  # positions made 1, 2, 3 … first (older rows may tie)
        rule.position = n + 1
    moved, neighbour = rules[index], rules[other]
    for rule, position in ((moved, other + 1), (neighbour, index + 1)):
        before = _fields(rule)
        rule.position = position
        rule.updated_by_id = by_user_id
        db.add(StrategyRuleEdit(rule_id=rule.id, before=before, after=_fields(rule),
                                by_user_id=by_user_id))  # fmt: skip
    db.flush()
    return moved


def segment_of_rule(rule: StrategyRule) -> Segment:
    return Segment(
        country=rule.country,
        min_balance_minor=rule.min_balance_minor,
        max_balance_minor=rule.max_balance_minor,
        min_age_days=rule.min_age_days,
        max_age_days=rule.max_age_days,
        language=rule.language,
        statuses=tuple(rule.statuses),
    )


def history(db: Session, rule_id: int) -> list[StrategyRuleEdit]:
    query = select(StrategyRuleEdit).where(StrategyRuleEdit.rule_id == rule_id)
    return list(db.scalars(query.order_by(StrategyRuleEdit.id)))
