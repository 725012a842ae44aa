"""Assignment: who holds each case, the engine that gives out new cases by the rules, and
``move_case``, the one place a case changes hands.

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

Every change writes an ``AssignmentChange`` (from, to, the rule or the user, why), ends a
lease someone else holds on the case, and moves a ``new`` case to ``active``.  Services
flush, never commit.  Editing the rules: ``assignment_rules``; the supervisor's moves:
``reassign`` (a filtered set: ``bulk_move``); teams and agents' profiles: ``teams``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from sqlalchemy.orm import Session

from agency.auth import service as auth_service
from agency.cases import status
from agency.cases.errors import CaseError
from agency.cases.models import (
    AssignmentChange,
    AssignmentRule,
    AssignmentStrategy,
    Case,
    CaseStatus,
)
from agency.cases.repository import assignment as assignment_repo
from agency.kit import clock

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
    profiles = assignment_repo.agent_profiles(db, [user.id for user in users])
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
        for agent_id, currency, n, balance in assignment_repo.open_loads(db, list(agent_ids)):
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


# ---- which rule takes a case, and whom it gives it to ------------------------------------


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
    return assign_cases(db, case_ids=assignment_repo.unassigned_new_case_ids(db, placement_id))


def assign_cases(db: Session, *, case_ids: Sequence[int]) -> Outcome:
    """Apply the active rules to those of ``case_ids`` that have neither agent nor team.

    The rules are locked for the run (two runs take turns, so the round-robin cursor and
    the loads stay right); loads are read once and kept up to date as cases move.
    """
    now = clock.now()
    rules = assignment_repo.assignment_rules(db, active_only=True, for_update=True)
    if not rules:  # nothing to apply: the cases wait for the supervisor
        return Outcome(unassigned=len(case_ids))
    agents = roster(db)
    loads = Loads.of(db, agents)
    assigned = pooled = left = 0
    for start in range(0, len(case_ids), CHUNK):
        chunk = case_ids[start : start + CHUNK]
        for case in assignment_repo.cases_to_assign(db, chunk, unassigned_only=True):
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


# ---- an agent takes a case from their team's pool ----------------------------------------


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
