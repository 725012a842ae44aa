"""Assignment: who holds each case, the rules that decide it, and every change of it.

New cases are given out by a job after their placement commits (``assign_new_cases``):
the active rules are tried in ``position`` order and the first that matches the case
and can take it wins.

- A rule's conditions (client, balance band on principal + interest + fees, the
  consumer's country / region / language, days since placement) left empty match
  anything; the edges of a band are included, and a band (in its currency) takes only
  cases in that currency.
- Its candidates are its ``agent_ids`` and the members of its team, active agents only,
  minus those at capacity (``AgentProfile.capacity`` open cases; none = no limit).
- How it picks: round robin (the next candidate id after the rule's cursor), least
  loaded by open cases or by open balance in the case's currency, skill match (speaks
  the consumer's language, covers the country or ``COUNTRY-REGION`` when the agent
  lists regions; then the fewest open cases), or the team's shared pool (no agent;
  members get it from "next case" and it becomes theirs on their first action on it,
  ``take_from_pool``).
- A rule with no candidate left does not apply; with no rule the case stays unassigned,
  where the supervisor sees it.

Supervisors reassign a case, and rebalance an agent's book; their choice overrides
capacity (they can see the loads).  A filtered set moves through ``bulk_move``, which asks
them to confirm past an agent's capacity or skills.  A new rule goes before the first
catch-all, and ``shadowing`` finds the rules an earlier one leaves no case to.  Every
change writes an ``AssignmentChange`` (from, to, the rule or the user, why), ends a lease
someone else holds on the case, and moves a ``new`` case to ``active``.  Services flush,
never commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.orm import Session

from agency.auth import service as auth_service
from agency.auth.models import Role
from agency.cases import repository, status
from agency.cases.errors import CaseError
from agency.cases.models import (
    AgentProfile,
    AssignmentChange,
    AssignmentRule,
    AssignmentRuleEdit,
    AssignmentStrategy,
    Case,
    CaseStatus,
    RuleEdit,
    Team,
)
from agency.cases.schemas import AgentProfileForm, RuleForm, TeamForm
from agency.clients import service as clients_service
from agency.kit import clock, money
from agency.kit.forms import FormError

POOL_REASON = "taken from the team pool"
CHUNK = 1000  # cases locked and assigned per step of a large placement


# ---- who can take cases, and how loaded they are ----------------------------------------


@dataclass(frozen=True, slots=True)
class Agent:
    """An active agent as assignment sees them."""

    id: int
    team_id: int | None
    capacity: int | None
    languages: frozenset[str]
    regions: frozenset[str]


def roster(db: Session) -> dict[int, Agent]:
    """Every active agent with their profile (an agent without one: no team, no limit,
    no listed skills)."""
    users = auth_service.agents(db)
    profiles = repository.agent_profiles(db, [user.id for user in users])
    agents: dict[int, Agent] = {}
    for user in users:
        profile = profiles.get(user.id)
        agents[user.id] = Agent(
            id=user.id,
            team_id=profile.team_id if profile else None,
            capacity=profile.capacity if profile else None,
            languages=frozenset(profile.languages or []) if profile else frozenset(),
            regions=frozenset(profile.regions or []) if profile else frozenset(),
        )
    return agents


@dataclass(slots=True)
class Loads:
    """Open cases and open balance (per currency) per agent: computed once per run, then
    kept up to date as cases move, so a batch costs one query however many it assigns."""

    counts: dict[int, int] = field(default_factory=dict)
    balances: dict[tuple[int, str], int] = field(default_factory=dict)

    @classmethod
    def of(cls, db: Session, agent_ids: Iterable[int]) -> Loads:
        loads = cls()
        for agent_id, currency, n, balance in repository.open_loads(db, list(agent_ids)):
            loads.counts[agent_id] = loads.counts.get(agent_id, 0) + n
            loads.balances[(agent_id, currency)] = balance
        return loads

    def count(self, agent_id: int) -> int:
        return self.counts.get(agent_id, 0)

    def balance(self, agent_id: int, currency: str) -> int:
        return self.balances.get((agent_id, currency), 0)

    def full(self, agent: Agent) -> bool:
        return agent.capacity is not None and self.count(agent.id) >= agent.capacity

    def add(self, agent_id: int, case: Case, sign: int = 1) -> None:
        self.counts[agent_id] = self.count(agent_id) + sign
        key = (agent_id, case.currency)
        self.balances[key] = self.balances.get(key, 0) + sign * case.balance.minor


# ---- moving a case: the one place an assignment changes ----------------------------------


def move_case(
    db: Session,
    case: Case,
    *,
    to_agent_id: int | None,
    to_team_id: int | None,
    reason: str,
    rule_id: int | None = None,
    by_user_id: int | None = None,
    loads: Loads | None = None,
    keep_team: bool = False,
) -> AssignmentChange:
    """Give ``case`` to an agent (``to_agent_id``) or to a team's pool (``to_team_id``),
    and record who decided and why."""
    change = AssignmentChange(
        case_id=case.id,
        from_agent_id=case.assigned_agent_id,
        from_team_id=case.team_id,
        to_agent_id=to_agent_id,
        to_team_id=to_team_id,
        rule_id=rule_id,
        by_user_id=by_user_id,
        reason=reason[:500],
        at=clock.now(),
    )
    db.add(change)
    if loads is not None and case.assigned_agent_id is not None:
        loads.add(case.assigned_agent_id, case, -1)
    case.assigned_agent_id = to_agent_id
    if to_agent_id is None or not keep_team:
        case.team_id = to_team_id
    if case.lease_agent_id is not None and case.lease_agent_id != to_agent_id:
        case.lease_agent_id = case.lease_expires_at = None
    if loads is not None and to_agent_id is not None:
        loads.add(to_agent_id, case)
    status.advance(db, case=case, to=CaseStatus.ACTIVE, reason=reason, by_user_id=by_user_id)
    return change


# ---- the rules ----------------------------------------------------------------------------


def matches(rule: AssignmentRule, case: Case, now: datetime) -> bool:
    """Whether ``case`` meets every condition ``rule`` sets (``case.consumer`` loaded)."""
    consumer = case.consumer
    age = (now - case.placed_at).days
    return (
        (rule.client_id is None or rule.client_id == case.client_id)
        and _in_band(rule, case)
        and (rule.country is None or rule.country == consumer.country)
        and (rule.region is None or rule.region == consumer.region)
        and (rule.language is None or rule.language == consumer.language)
        and (rule.min_age_days is None or age >= rule.min_age_days)
        and (rule.max_age_days is None or age <= rule.max_age_days)
    )


def targets(rule: AssignmentRule, agents: dict[int, Agent]) -> list[Agent]:
    """The rule's agents and its team's members, active agents only, by id."""
    ids = {agent_id for agent_id in rule.agent_ids or [] if agent_id in agents}
    if rule.team_id is not None:
        ids.update(agent.id for agent in agents.values() if agent.team_id == rule.team_id)
    return [agents[agent_id] for agent_id in sorted(ids)]


def gaps(
    agent: Agent, country: str, region: str | None, language: str | None
) -> list[tuple[str, str]]:
    """What a consumer there, speaking that, needs that the agent is not set up for:
    ("language", "es") when the agent does not speak a known language; when the agent
    lists regions and none covers the place, ("country", "AU"), or ("region", "US-CA")
    when they cover other regions of that country."""
    missing = []
    if language and language not in agent.languages:
        missing.append(("language", language))
    places = {country, f"{country}-{region}"} if region else {country}
    if agent.regions and not places & agent.regions:
        in_country = any(area.startswith(f"{country}-") for area in agent.regions)
        missing.append(("region", f"{country}-{region}") if in_country else ("country", country))
    return missing


def skilled(agent: Agent, case: Case) -> bool:
    """Speaks the consumer's language (when known) and covers where they live (when the
    agent lists regions at all)."""
    consumer = case.consumer
    return not gaps(agent, consumer.country, consumer.region, consumer.language)


def choose(rule: AssignmentRule, candidates: list[Agent], case: Case, loads: Loads) -> int | None:
    """The agent ``rule`` gives ``case`` to among ``candidates`` (none at capacity), or
    None when it cannot.  Round robin moves the rule's cursor."""
    if not candidates:
        return None
    if rule.strategy is AssignmentStrategy.ROUND_ROBIN:
        ids = [agent.id for agent in candidates]
        cursor = rule.last_agent_id
        chosen = next((i for i in ids if cursor is None or i > cursor), ids[0])
        rule.last_agent_id = chosen
        return chosen
    if rule.strategy is AssignmentStrategy.LEAST_BALANCE:
        return min(
            candidates,
            key=lambda a: (loads.balance(a.id, case.currency), loads.count(a.id), a.id),
        ).id
    if rule.strategy is AssignmentStrategy.SKILL_MATCH:
        candidates = [agent for agent in candidates if skilled(agent, case)]
        if not candidates:
            return None
    return min(candidates, key=lambda a: (loads.count(a.id), a.id)).id


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an assignment run did."""

    assigned: int = 0  # to an agent
    pooled: int = 0  # into a team's pool
    unassigned: int = 0  # no rule could take them


def assign_new_cases(db: Session, *, placement_id: int) -> Outcome:
    """Assign the placement's cases that are still new and unassigned (the job after a
    placement commits).  Running it again changes nothing already assigned."""
    return assign_cases(db, case_ids=repository.unassigned_new_case_ids(db, placement_id))


def assign_cases(db: Session, *, case_ids: Sequence[int]) -> Outcome:
    """Apply the active rules to those of ``case_ids`` that have neither agent nor team.

    The rules are locked for the run (two runs take turns, so the round-robin cursor and
    the loads stay right); loads are read once and kept up to date as cases move.
    """
    now = clock.now()
    rules = repository.assignment_rules(db, active_only=True, for_update=True)
    if not rules:  # nothing to apply: the cases wait for the supervisor
        return Outcome(unassigned=len(case_ids))
    agents = roster(db)
    loads = Loads.of(db, agents)
    assigned = pooled = left = 0
    for start in range(0, len(case_ids), CHUNK):
        chunk = case_ids[start : start + CHUNK]
        for case in repository.cases_to_assign(db, chunk, unassigned_only=True):
            where = _apply(db, rules, agents, loads, case, now)
            if where == "agent":
                assigned += 1
            elif where == "pool":
                pooled += 1
            else:
                left += 1
        db.flush()
    return Outcome(assigned, pooled, left)


def _apply(
    db: Session,
    rules: list[AssignmentRule],
    agents: dict[int, Agent],
    loads: Loads,
    case: Case,
    now: datetime,
) -> Literal["agent", "pool", None]:
    for rule in rules:
        if not matches(rule, case, now):
            continue
        if rule.strategy is AssignmentStrategy.TEAM_POOL:
            if rule.team_id is None:
                continue
            move_case(
                db,
                case,
                to_agent_id=None,
                to_team_id=rule.team_id,
                rule_id=rule.id,
                reason=f"assigned by rule {rule.name!r} to the team pool",
                loads=loads,
            )
            return "pool"
        candidates = [agent for agent in targets(rule, agents) if not loads.full(agent)]
        chosen = choose(rule, candidates, case, loads)
        if chosen is None:
            continue
        move_case(
            db,
            case,
            to_agent_id=chosen,
            to_team_id=None,
            rule_id=rule.id,
            reason=f"assigned by rule {rule.name!r} ({rule.strategy.label.lower()})",
            loads=loads,
        )
        return "agent"
    return None


# ---- the supervisor's moves ---------------------------------------------------------------


def reason_given(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise FormError({"reason": "is required: say why the cases move"})
    return reason[:500]


def check_target(
    db: Session, agents: dict[int, Agent], to_agent_id: int | None, to_team_id: int | None
) -> None:
    if (to_agent_id is None) == (to_team_id is None):
        raise FormError({"to": "must be one agent or one team"})
    if to_agent_id is not None and to_agent_id not in agents:
        raise FormError({"to": "must be an active agent"})
    if to_team_id is not None and repository.team_by_id(db, to_team_id) is None:
        raise FormError({"to": "must be an existing team"})


def already_there(case: Case, *, to_agent_id: int | None, to_team_id: int | None) -> bool:
    """Whether ``case`` is already with the agent, or already in the team's pool."""
    if to_agent_id is not None:
        return case.assigned_agent_id == to_agent_id
    in_pool = case.assigned_agent_id is None and case.team_id is not None
    return to_team_id is not None and in_pool and case.team_id == to_team_id


def reassign(
    db: Session,
    *,
    case_ids: Sequence[int],
    to_agent_id: int | None = None,
    to_team_id: int | None = None,
    by_user_id: int,
    reason: str,
) -> int:
    """Give the open cases among ``case_ids`` to one agent or to one team's pool; returns
    how many moved (those already there are left alone).  Capacity does not apply: the
    supervisor decides."""
    reason = reason_given(reason)
    check_target(db, roster(db), to_agent_id, to_team_id)
    moved = 0
    for case in repository.cases_to_assign(db, case_ids, unassigned_only=False):
        if already_there(case, to_agent_id=to_agent_id, to_team_id=to_team_id):
            continue
        move_case(
            db,
            case,
            to_agent_id=to_agent_id,
            to_team_id=to_team_id,
            by_user_id=by_user_id,
            reason=reason,
        )
        moved += 1
    db.flush()
    return moved


def rebalance(
    db: Session,
    *,
    from_agent_id: int,
    to_agent_ids: Sequence[int],
    by_user_id: int,
    reason: str,
    limit: int | None = None,
) -> int:
    """Spread ``from_agent_id``'s open book (or its ``limit`` biggest cases) over
    ``to_agent_ids``, each case to the one with the fewest open cases then; agents at
    capacity take no more.  Returns how many moved."""
    errors: dict[str, str] = {}
    agents = roster(db)
    targets_ = sorted(set(to_agent_ids))
    if not targets_:
        errors["to_agent_ids"] = "is required: choose at least one agent"
    elif from_agent_id in targets_:
        errors["to_agent_ids"] = "must not include the agent whose book is spread"
    elif any(agent_id not in agents for agent_id in targets_):
        errors["to_agent_ids"] = "must be active agents"
    if not reason.strip():
        errors["reason"] = "is required: say why the cases move"
    if errors:
        raise FormError(errors)
    loads = Loads.of(db, [from_agent_id, *targets_])
    book = repository.open_case_ids_of_agent(db, from_agent_id)[:limit]
    cases = {case.id: case for case in repository.cases_to_assign(db, book, unassigned_only=False)}
    moved = 0
    for case_id in book:  # biggest balance first
        case = cases.get(case_id)
        if case is None or case.assigned_agent_id != from_agent_id:
            continue
        room = [agents[i] for i in targets_ if not loads.full(agents[i])]
        if not room:
            break
        chosen = min(room, key=lambda a: (loads.count(a.id), a.id)).id
        move_case(
            db,
            case,
            to_agent_id=chosen,
            to_team_id=None,
            by_user_id=by_user_id,
            reason=reason.strip(),
            loads=loads,
        )
        moved += 1
    db.flush()
    return moved


def take_from_pool(db: Session, *, case: Case, agent_id: int) -> AssignmentChange:
    """The agent acted on ``case``, from their team's pool: it is theirs now (the case
    keeps its team, so it returns to that pool if the agent goes)."""
    if case.assigned_agent_id is not None:
        raise CaseError("case", "it is not in a team pool (an agent already holds it)")
    return move_case(
        db,
        case,
        to_agent_id=agent_id,
        to_team_id=case.team_id,
        by_user_id=agent_id,
        reason=POOL_REASON,
        keep_team=True,
    )


def _in_band(rule: AssignmentRule, case: Case) -> bool:
    """Whether the case's balance lies in the rule's band (edges included); a band only
    takes cases in its own currency."""
    low, high = rule.min_balance_minor, rule.max_balance_minor
    if low is None and high is None:
        return True
    balance = case.balance.minor
    return (
        case.currency == rule.balance_currency
        and (low is None or balance >= low)
        and (high is None or balance <= high)
    )


# ---- editing rules, teams and agents -----------------------------------------------------


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
    if data.team_id is not None and repository.team_by_id(db, data.team_id) is None:
        errors["team_id"] = "must be an existing team"
    if data.agent_ids:
        agents = roster(db)
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
    existing = repository.assignment_rules(db, for_update=True)
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
    ordered = repository.assignment_rules(db, for_update=True)
    index = next(i for i, r in enumerate(ordered) if r.id == rule.id)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(ordered):
        return
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, each in enumerate(ordered):
        if each.position != position:
            each.position = position
    _record(db, rule, RuleEdit.MOVED_UP if direction == "up" else RuleEdit.MOVED_DOWN, by_user_id)


def save_team(db: Session, *, data: TeamForm, team: Team | None = None) -> Team:
    """Create a team, or rename one; names are unique (case-insensitive)."""
    same = repository.team_by_name(db, data.name)
    if same is not None and (team is None or same.id != team.id):
        raise FormError({"name": "is already the name of another team"})
    if team is None:
        team = Team(name=data.name)
        db.add(team)
    else:
        team.name = data.name
    db.flush()
    return team


class TeamInUse(FormError):
    """A team still holds open cases in its pool, or rules still send cases to it."""

    def __init__(self, team: Team, *, cases: int, rules: int) -> None:
        self.cases, self.rules = cases, rules
        problems = []
        if cases:
            problems.append(f"{cases} open case{'' if cases == 1 else 's'} in its pool: move them")
        if rules:
            problems.append(
                f"{rules} assignment rule{'' if rules == 1 else 's'} sending cases to it: "
                "change or delete them"
            )
        super().__init__({"team": f"{team.name} still has " + "; ".join(problems) + " first"})


def delete_team(db: Session, team: Team) -> None:
    """Delete a team whose pool holds no open case and to which no rule sends cases (its
    members stay, with no team; its closed cases keep no team)."""
    cases, rules = repository.team_ties(db, team.id)
    if cases or rules:
        raise TeamInUse(team, cases=cases, rules=rules)
    db.delete(team)
    db.flush()


def update_agent(db: Session, *, user_id: int, data: AgentProfileForm) -> AgentProfile:
    """Set an agent's team, capacity and skills (the profile is made on first save)."""
    users = auth_service.users_by_ids(db, [user_id])
    if not users or users[0].role is not Role.AGENT:
        raise LookupError("agent")
    if data.team_id is not None and repository.team_by_id(db, data.team_id) is None:
        raise FormError({"team_id": "must be an existing team"})
    profile = repository.agent_profiles(db, [user_id]).get(user_id)
    if profile is None:
        profile = AgentProfile(user_id=user_id)
        db.add(profile)
    profile.team_id = data.team_id
    profile.capacity = data.capacity
    profile.languages = list(data.languages)
    profile.regions = list(data.regions)
    db.flush()
    return profile
