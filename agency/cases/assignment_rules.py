"""Editing the assignment rules: checking a rule form (its band in the currency's minor
units), creating, changing, switching off and reordering rules, each edit kept in the
rule's history (``AssignmentRuleEdit``), and finding the rules an earlier one leaves no
case to (``shadowing``).

A new rule goes before the first active catch-all (a rule with no conditions), which
would otherwise take all its cases.  Applying the rules to cases: ``assignment``.
Services flush, never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy.orm import Session

from agency.cases import assignment
from agency.cases.models import AssignmentRule, AssignmentRuleEdit, AssignmentStrategy, RuleEdit
from agency.cases.repository import assignment as assignment_repo
from agency.cases.schemas import RuleForm
from agency.clients import service as clients_service
from agency.kit import money
from agency.kit.forms import FormError


@dataclass(frozen=True, slots=True)
class Band:
    """A rule's balance band in minor units of its currency (all None: no band)."""

    currency: str | None = None
    low: int | None = None
    high: int | None = None


def _band(data: RuleForm, client_currency: str | None, errors: dict[str, str]) -> Band:
    """The form's band in minor units: in the currency given, else the client's; amounts
    with more decimals than the currency has are refused, not rounded."""
    if data.min_balance is None and data.max_balance is None:
        return Band()
    currency = data.balance_currency or client_currency
    if currency is None:
        errors["balance_currency"] = "is required with a balance band (or choose a client)"
        return Band()
    try:
        digits = money.minor_digits(currency)
    except money.MoneyError:
        errors["balance_currency"] = "must be an ISO 4217 currency code, e.g. USD"
        return Band()
    bounds: dict[str, int | None] = {"min_balance": None, "max_balance": None}
    for name, amount in (("min_balance", data.min_balance), ("max_balance", data.max_balance)):
        if amount is not None and amount.adjusted() >= money.MAX_WHOLE_DIGITS:
            errors[name] = f"must be at most {money.largest(currency)}"
        elif amount is not None:
            try:
                bounds[name] = money.Money.from_major(amount, currency).minor
            except money.MoneyError:
                errors[name] = f"must have at most {digits} decimal places in {currency}"
    low, high = bounds["min_balance"], bounds["max_balance"]
    if low is not None and high is not None and low > high:
        errors["max_balance"] = "must not be less than the minimum balance"
    return Band(currency, low, high)


def _check_rule(db: Session, data: RuleForm) -> Band:
    """What a schema cannot check alone: references, the band (in the currency's minor
    units), a target to give cases to.  Returns the band."""
    errors: dict[str, str] = {}
    client = (
        None if data.client_id is None else clients_service.get_client(db, client_id=data.client_id)
    )
    if data.client_id is not None and client is None:
        errors["client_id"] = "must be an existing client"
    band = _band(data, client.currency if client else None, errors)
    if (
        data.min_age_days is not None
        and data.max_age_days is not None
        and data.min_age_days > data.max_age_days
    ):
        errors["max_age_days"] = "must not be less than the minimum age"
    if data.region is not None and data.country is None:
        errors["country"] = "is required when a region is set"
    if data.team_id is not None and assignment_repo.team_by_id(db, data.team_id) is None:
        errors["team_id"] = "must be an existing team"
    if data.agent_ids:
        agents = assignment.roster(db)
        unknown = [i for i in data.agent_ids if i not in agents]
        if unknown:
            errors["agent_ids"] = f"must be active agents ({len(unknown)} is not)"
    if data.strategy is AssignmentStrategy.TEAM_POOL:
        if data.team_id is None:
            errors.setdefault("team_id", "is required for the team's shared pool")
        elif data.agent_ids:
            errors.setdefault("agent_ids", "must be empty: a pool rule gives cases to its team")
    elif not data.agent_ids and data.team_id is None:
        errors.setdefault("agent_ids", "or a team is required: whom do the cases go to?")
    if errors:
        raise FormError(errors)
    return band


def _fill(rule: AssignmentRule, data: RuleForm, band: Band) -> None:
    rule.name = data.name
    rule.strategy = data.strategy
    rule.is_active = data.is_active
    rule.client_id = data.client_id
    rule.min_balance_minor, rule.max_balance_minor = band.low, band.high
    rule.balance_currency = band.currency
    rule.country = data.country
    rule.region = data.region
    rule.language = data.language
    rule.min_age_days = data.min_age_days
    rule.max_age_days = data.max_age_days
    rule.team_id = data.team_id
    rule.agent_ids = sorted(set(data.agent_ids))


# What a rule's history keeps of it (``AssignmentRuleEdit.rule``).
RULE_FIELDS = (
    "name",
    "strategy",
    "is_active",
    "position",
    "client_id",
    "balance_currency",
    "min_balance_minor",
    "max_balance_minor",
    "country",
    "region",
    "language",
    "min_age_days",
    "max_age_days",
    "team_id",
    "agent_ids",
)


def rule_fields(rule: AssignmentRule) -> dict[str, Any]:
    """The rule as its history keeps it: ``RULE_FIELDS`` by name, as JSON values."""
    fields = {name: getattr(rule, name) for name in RULE_FIELDS}
    fields["strategy"] = rule.strategy.value
    fields["agent_ids"] = list(rule.agent_ids or [])
    return fields


def _record(db: Session, rule: AssignmentRule, action: RuleEdit, by_user_id: int) -> None:
    """Keep the rule as it now stands in its history, saying who changed it and how."""
    rule.updated_by_id = by_user_id
    db.flush()
    db.add(
        AssignmentRuleEdit(
            rule_id=rule.id, action=action, rule=rule_fields(rule), by_user_id=by_user_id
        )
    )
    db.flush()


def catch_all(rule: AssignmentRule) -> bool:
    """Whether the rule sets no condition at all, so it matches every case."""
    return covers(rule, AssignmentRule())


def covers(earlier: AssignmentRule, later: AssignmentRule) -> bool:
    """Whether every case ``later``'s conditions match also meets ``earlier``'s: each of
    ``earlier``'s conditions is unset or at least as wide as ``later``'s."""

    def same(a: object, b: object) -> bool:
        return a is None or a == b

    def at_most(low: int | None, other: int | None) -> bool:  # earlier's lower edge
        return low is None or (other is not None and low <= other)

    def at_least(high: int | None, other: int | None) -> bool:  # earlier's upper edge
        return high is None or (other is not None and high >= other)

    no_band = earlier.min_balance_minor is None and earlier.max_balance_minor is None
    band = no_band or (
        earlier.balance_currency == later.balance_currency
        and at_most(earlier.min_balance_minor, later.min_balance_minor)
        and at_least(earlier.max_balance_minor, later.max_balance_minor)
    )
    return (
        band
        and same(earlier.client_id, later.client_id)
        and same(earlier.country, later.country)
        and same(earlier.region, later.region)
        and same(earlier.language, later.language)
        and at_most(earlier.min_age_days, later.min_age_days)
        and at_least(earlier.max_age_days, later.max_age_days)
    )


def shadowing(rules: Sequence[AssignmentRule]) -> dict[int, AssignmentRule]:
    """For each active rule that never gets a case, the earlier active rule that takes
    every case it matches first (``rules`` in the order they are tried)."""
    found: dict[int, AssignmentRule] = {}
    for index, rule in enumerate(rules):
        if not rule.is_active:
            continue
        earlier = next(
            (e for e in rules[:index] if e.is_active and _always_takes(e) and covers(e, rule)),
            None,
        )
        if earlier is not None:
            found[rule.id] = earlier
    return found


def _always_takes(rule: AssignmentRule) -> bool:
    """Whether the rule takes every case it matches: a team pool does, and a rule of
    agents does while any of them has room (the page says so); skill match does not (it
    passes over a case none of its agents is skilled for)."""
    return rule.strategy is not AssignmentStrategy.SKILL_MATCH


def create_rule(db: Session, *, data: RuleForm, by_user_id: int) -> AssignmentRule:
    """A new rule, tried after every existing one but before the first active catch-all
    (a rule with no conditions, such as "Everything else"), which would leave it unused."""
    band = _check_rule(db, data)
    existing = assignment_repo.assignment_rules(db, for_update=True)
    place = next((i for i, r in enumerate(existing) if r.is_active and catch_all(r)), None)
    rule = AssignmentRule(position=len(existing) if place is None else place)
    _fill(rule, data, band)
    for position, each in enumerate(existing):
        each.position = position if place is None or position < place else position + 1
    db.add(rule)
    _record(db, rule, RuleEdit.CREATED, by_user_id)
    return rule


def update_rule(
    db: Session, *, rule: AssignmentRule, data: RuleForm, by_user_id: int
) -> AssignmentRule:
    """Change a rule's conditions, targets or strategy (its place in the order stays)."""
    band = _check_rule(db, data)
    if data.strategy is not rule.strategy:
        rule.last_agent_id = None
    _fill(rule, data, band)
    _record(db, rule, RuleEdit.EDITED, by_user_id)
    return rule


def set_rule_active(
    db: Session, *, rule: AssignmentRule, active: bool, by_user_id: int
) -> AssignmentRule:
    """Switch a rule off (kept, skipped) or on again."""
    if rule.is_active != active:
        rule.is_active = active
        _record(db, rule, RuleEdit.SWITCHED_ON if active else RuleEdit.SWITCHED_OFF, by_user_id)
    return rule


def move_rule(
    db: Session, *, rule: AssignmentRule, direction: Literal["up", "down"], by_user_id: int
) -> None:
    """Swap ``rule`` with its neighbour in the order; positions are renumbered 0..n-1.
    The rule moved records the move (its neighbour's new place follows from it)."""
    ordered = assignment_repo.assignment_rules(db, for_update=True)
    index = next(i for i, r in enumerate(ordered) if r.id == rule.id)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(ordered):
        return
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, each in enumerate(ordered):
        if each.position != position:
            each.position = position
    _record(db, rule, RuleEdit.MOVED_UP if direction == "up" else RuleEdit.MOVED_DOWN, by_user_id)
