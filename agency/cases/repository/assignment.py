"""The queries of assignment and the supervisor's view: teams, agent profiles, rules and
their history, loads, moves and their undo, queue figures (agency.cases.assignment and
the supervisor's screens)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    String,
    and_,
    case,
    cast,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session, selectinload

from agency.auth.permissions import Viewer
from agency.cases.models import (
    CLOSED_STATUSES,
    QUEUE_STATUSES,
    AgentProfile,
    AssignmentChange,
    AssignmentRule,
    AssignmentRuleEdit,
    Case,
    CaseStatus,
    Consumer,
    MoveBatch,
    Team,
)
from agency.cases.repository import BALANCE, filtered, promises_made
from agency.cases.schemas import CaseFilters
from agency.clients.models import Client
from agency.kit.bulk import one_of
from agency.kit.money import Money


def teams(db: Session) -> list[Team]:
    return list(db.scalars(select(Team).order_by(Team.name, Team.id)))


def team_by_id(db: Session, team_id: int) -> Team | None:
    return db.get(Team, team_id)


def team_ties(db: Session, team_id: int) -> tuple[int, int]:
    """(open cases in the team's pool, assignment rules that send cases to it)."""
    cases = db.scalar(
        select(func.count())
        .select_from(Case)
        .where(
            Case.team_id == team_id,
            Case.assigned_agent_id.is_(None),
            Case.status.not_in(CLOSED_STATUSES),
        )
    )
    rules = db.scalar(
        select(func.count()).select_from(AssignmentRule).where(AssignmentRule.team_id == team_id)
    )
    return cases or 0, rules or 0


def team_by_name(db: Session, name: str) -> Team | None:
    return db.scalar(select(Team).where(func.lower(Team.name) == name.lower()))


def agent_profiles(db: Session, user_ids: Sequence[int] | None = None) -> dict[int, AgentProfile]:
    """Profiles by user id (all of them, or those of ``user_ids``)."""
    query = select(AgentProfile)
    if user_ids is not None:
        query = query.where(AgentProfile.user_id.in_(list(user_ids)))
    return {profile.user_id: profile for profile in db.scalars(query)}


def assignment_rules(
    db: Session, *, active_only: bool = False, for_update: bool = False
) -> list[AssignmentRule]:
    """Rules in the order they are tried (``position``, then age).  ``for_update`` locks
    them, so two assignment runs take turns (the round-robin cursor and the loads they
    compute stay right)."""
    query = select(AssignmentRule).order_by(AssignmentRule.position, AssignmentRule.id)
    if active_only:
        query = query.where(AssignmentRule.is_active.is_(True))
    if for_update:
        query = query.with_for_update()
    return list(db.scalars(query))


def assignment_rule(db: Session, rule_id: int) -> AssignmentRule | None:
    return db.get(AssignmentRule, rule_id)


def rule_edits(db: Session, rule_id: int) -> list[AssignmentRuleEdit]:
    """A rule's history, newest first."""
    return list(
        db.scalars(
            select(AssignmentRuleEdit)
            .where(AssignmentRuleEdit.rule_id == rule_id)
            .order_by(AssignmentRuleEdit.at.desc(), AssignmentRuleEdit.id.desc())
        )
    )


def open_loads(db: Session, agent_ids: Sequence[int]) -> list[tuple[int, str, int, int]]:
    """(agent, currency, open cases, open balance in minor units) for ``agent_ids``."""
    if not agent_ids:
        return []
    query = (
        select(Case.assigned_agent_id, Case.currency, func.count(), func.sum(BALANCE))
        .where(
            Case.assigned_agent_id.in_(sorted(set(agent_ids))),
            Case.status.not_in(CLOSED_STATUSES),
        )
        .group_by(Case.assigned_agent_id, Case.currency)
    )
    return [(int(a or 0), str(c), int(n), int(b or 0)) for a, c, n, b in db.execute(query)]


def unassigned_new_case_ids(db: Session, placement_id: int) -> list[int]:
    """The placement's cases still waiting for assignment: new, no agent, no team."""
    return list(
        db.scalars(
            select(Case.id)
            .where(
                Case.placement_id == placement_id,
                Case.status == CaseStatus.NEW,
                Case.assigned_agent_id.is_(None),
                Case.team_id.is_(None),
            )
            .order_by(Case.id)
        )
    )


def cases_to_assign(db: Session, case_ids: Sequence[int], *, unassigned_only: bool) -> list[Case]:
    """Open cases among ``case_ids`` with their consumers, locked for the change.

    ``unassigned_only`` (the assignment job): only cases with neither agent nor team, and
    on PostgreSQL rows another run holds are skipped rather than waited for.
    """
    if not case_ids:
        return []
    query = (
        select(Case)
        .options(selectinload(Case.consumer))
        .where(one_of(db, Case.id, list(case_ids)), Case.status.not_in(CLOSED_STATUSES))
        .order_by(Case.id)
    )
    if unassigned_only:
        query = query.where(Case.assigned_agent_id.is_(None), Case.team_id.is_(None))
    query = query.with_for_update(skip_locked=unassigned_only)
    return list(db.scalars(query))


def open_case_ids_of_agent(db: Session, agent_id: int) -> list[int]:
    """The agent's open book, biggest balance first (spread first, spread most evenly)."""
    return list(
        db.scalars(
            select(Case.id)
            .where(Case.assigned_agent_id == agent_id, Case.status.not_in(CLOSED_STATUSES))
            .order_by(BALANCE.desc(), Case.id)
        )
    )


def filtered_case_ids(db: Session, viewer: Viewer, filters: CaseFilters) -> list[int]:
    """Ids of the open cases a case list with ``filters`` shows (for bulk reassignment)."""
    listing = filtered(viewer, filters).where(Case.status.not_in(CLOSED_STATUSES)).subquery()
    return list(db.scalars(select(listing.c.id).order_by(listing.c.id)))


@dataclass(frozen=True, slots=True)
class MoveGroup:
    """Open cases a bulk move would take that share a client, a place, a language and a
    holder (the preview per client and country, and the agent's skills, come from these)."""

    client: str
    country: str
    region: str | None
    language: str | None
    agent_id: int | None
    cases: int


def move_groups(db: Session, case_ids: Sequence[int]) -> list[MoveGroup]:
    """``case_ids``, open ones, grouped by client name, consumer's country, region and
    language, and current agent: one grouped query, however many cases."""
    if not case_ids:
        return []
    query = (
        select(
            Client.name,
            Consumer.country,
            Consumer.region,
            Consumer.language,
            Case.assigned_agent_id,
            func.count(),
        )
        .join(Case.client)
        .join(Case.consumer)
        .where(one_of(db, Case.id, list(case_ids)), Case.status.not_in(CLOSED_STATUSES))
        .group_by(
            Client.name,
            Consumer.country,
            Consumer.region,
            Consumer.language,
            Case.assigned_agent_id,
        )
        .order_by(Client.name, Consumer.country)
    )
    return [MoveGroup(*row[:5], cases=int(row[5])) for row in db.execute(query)]


def lock_agent_profile(db: Session, agent_id: int) -> None:
    """Hold the agent's profile row until commit, so two moves onto one agent check their
    capacity in turn (an agent without a profile has no capacity to exceed)."""
    db.execute(
        select(AgentProfile.user_id).where(AgentProfile.user_id == agent_id).with_for_update()
    )


def move_batch(db: Session, batch_id: int) -> MoveBatch | None:
    return db.get(MoveBatch, batch_id)


def recent_moves(db: Session, limit: int = 10) -> list[MoveBatch]:
    """The latest bulk moves, newest first (each page offers its undo)."""
    return list(
        db.scalars(
            select(MoveBatch).order_by(MoveBatch.at.desc(), MoveBatch.id.desc()).limit(limit)
        )
    )


def batch_changes(db: Session, batch_id: int) -> list[AssignmentChange]:
    """The changes a bulk move made, one per case it moved, by case."""
    return list(
        db.scalars(
            select(AssignmentChange)
            .where(AssignmentChange.batch_id == batch_id)
            .order_by(AssignmentChange.case_id)
        )
    )


def latest_change_ids(db: Session, case_ids: Sequence[int]) -> dict[int, int]:
    """The newest ``AssignmentChange`` id of each of ``case_ids``."""
    if not case_ids:
        return {}
    query = (
        select(AssignmentChange.case_id, func.max(AssignmentChange.id))
        .where(one_of(db, AssignmentChange.case_id, list(case_ids)))
        .group_by(AssignmentChange.case_id)
    )
    return {int(case_id): int(latest) for case_id, latest in db.execute(query)}


def mark_undone(db: Session, batch_id: int, *, by_user_id: int, at: datetime) -> bool:
    """Mark the move undone unless it already is: a conditional update, so of two
    supervisors undoing at once exactly one gets True."""
    result = db.execute(
        update(MoveBatch)
        .where(MoveBatch.id == batch_id, MoveBatch.undone_at.is_(None))
        .values(undone_at=at, undone_by_id=by_user_id)
        .execution_options(synchronize_session="fetch")
    )
    return bool(getattr(result, "rowcount", 0))


def assignment_history(db: Session, case_id: int) -> list[AssignmentChange]:
    return list(
        db.scalars(
            select(AssignmentChange)
            .where(AssignmentChange.case_id == case_id)
            .order_by(AssignmentChange.at.desc(), AssignmentChange.id.desc())
        )
    )


@dataclass(frozen=True, slots=True)
class QueueStats:
    """One book (an agent's) or pool (a team's): what is open and what is workable now."""

    open_cases: int = 0
    balance: tuple[Money, ...] = ()
    workable: int = 0
    oldest_workable_at: datetime | None = None


def queue_stats(
    db: Session, now: datetime
) -> tuple[dict[int, QueueStats], dict[int, QueueStats], QueueStats]:
    """Open and workable cases per agent's book, per team pool, and unassigned (neither).

    One grouped query: workable = a queue status and ``workable_at`` reached.
    """
    is_workable = and_(Case.status.in_(QUEUE_STATUSES), Case.workable_at <= now)
    query = (
        select(
            Case.assigned_agent_id,
            case((Case.assigned_agent_id.is_(None), Case.team_id), else_=None),
            Case.currency,
            func.count(),
            func.sum(BALANCE),
            func.sum(case((is_workable, 1), else_=0)),
            func.min(case((is_workable, Case.workable_at), else_=None)),
        )
        .where(Case.status.not_in(CLOSED_STATUSES))
        .group_by(
            Case.assigned_agent_id,
            case((Case.assigned_agent_id.is_(None), Case.team_id), else_=None),
            Case.currency,
        )
    )
    agents: dict[int, QueueStats] = {}
    pools: dict[int, QueueStats] = {}
    unassigned = QueueStats()
    for agent_id, team_id, currency, n, balance, workable, oldest in db.execute(query):
        if agent_id is not None:
            agents[agent_id] = _more(agents.get(agent_id), currency, n, balance, workable, oldest)
        elif team_id is not None:
            pools[team_id] = _more(pools.get(team_id), currency, n, balance, workable, oldest)
        else:
            unassigned = _more(unassigned, currency, n, balance, workable, oldest)
    return agents, pools, unassigned


def _more(
    stats: QueueStats | None,
    currency: str,
    n: int,
    balance: int | None,
    workable: int | None,
    oldest: datetime | None,
) -> QueueStats:
    stats = stats or QueueStats()
    if oldest is not None and oldest.tzinfo is None:  # SQLite's MIN() gives back text
        oldest = oldest.replace(tzinfo=UTC)
    earliest = min((t for t in (stats.oldest_workable_at, oldest) if t is not None), default=None)
    return QueueStats(
        open_cases=stats.open_cases + int(n),
        balance=(*stats.balance, Money(int(balance or 0), currency)),
        workable=stats.workable + int(workable or 0),
        oldest_workable_at=earliest,
    )


@dataclass(frozen=True, slots=True)
class Today:
    worked: int = 0
    contacted: int = 0
    promised: int = 0


def today_per_agent(db: Session, since: datetime) -> dict[int, Today]:
    """Per holder: cases called since ``since``, reached since, and given a promise since
    by their holder (the same sets the case list's ``today`` filter shows)."""
    worked_or_reached = (
        select(
            Case.assigned_agent_id,
            func.sum(case((Case.last_attempt_at >= since, 1), else_=0)),
            func.sum(case((Case.last_contact_at >= since, 1), else_=0)),
        )
        .where(
            Case.assigned_agent_id.is_not(None),
            or_(Case.last_attempt_at >= since, Case.last_contact_at >= since),
        )
        .group_by(Case.assigned_agent_id)
    )
    found: dict[int, Today] = {}
    for agent_id, worked, contacted in db.execute(worked_or_reached):
        found[agent_id] = Today(int(worked or 0), int(contacted or 0), 0)
    promises = promises_made(since)
    promised = (
        select(Case.assigned_agent_id, func.count(func.distinct(Case.id)))
        .join(promises, promises.c.case_id == Case.id)
        .where(promises.c.created_by_id == Case.assigned_agent_id)
        .group_by(Case.assigned_agent_id)
    )
    for holder, n in db.execute(promised):
        previous = found.get(int(holder or 0), Today())
        found[int(holder or 0)] = Today(previous.worked, previous.contacted, int(n))
    return found


def held_by_rule(db: Session, now: datetime) -> dict[str, int]:
    """Cases the gate holds out of the queue (``workable_at`` still ahead), per rule id.

    Grouped by the JSON list in SQL (few distinct lists), then split per rule.
    """
    query = (
        select(cast(Case.hold_rules, String), func.count())
        .where(Case.status.in_(QUEUE_STATUSES), Case.workable_at > now)
        .group_by(cast(Case.hold_rules, String))
    )
    counts: dict[str, int] = {}
    for rules_text, n in db.execute(query):
        for rule_id in _json_list(rules_text):
            counts[rule_id] = counts.get(rule_id, 0) + int(n)
    return counts


def _json_list(value: str | None) -> list[str]:
    try:
        parsed = json.loads(value or "[]")
    except ValueError:
        return []
    return [str(item) for item in parsed] if isinstance(parsed, list) else []
