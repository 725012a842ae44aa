"""The supervisor's dashboard: queues per team pool and agent, gate holds per rule,
unassigned cases, and open cases per agent and client.

Admins and supervisors only.  Every number links to the case list with the filters that
reproduce it.  The supervisor's other screens: assignment rules (``rule_views``), teams
and agents (``team_views``), moving one case or an agent's book (``reassign_views``), and
a filtered set (``bulk_move_views``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from fastapi import APIRouter, Request
from starlette.responses import Response

from agency.auth import service as auth_service
from agency.auth.models import User
from agency.cases import repository
from agency.cases.models import Team
from agency.cases.queue import NO_PHONE
from agency.cases.repository import assignment as assignment_repo
from agency.cases.supervisor_shared import Supervisor
from agency.clients import service as clients_service
from agency.compliance.service import describe
from agency.db import DbSession
from agency.kit import clock
from agency.kit.templates import render

router = APIRouter()


@dataclass(frozen=True, slots=True)
class WorkloadRow:
    agent: User | None
    cells: dict[int, repository.WorkloadCell]

    @property
    def total(self) -> int:
        return sum(cell.cases for cell in self.cells.values())


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One agent's book (``agent``) or one team's pool (``team``, no agent)."""

    agent: User | None
    team: Team | None
    stats: assignment_repo.QueueStats
    today: assignment_repo.Today
    oldest_age: str
    capacity: int | None = None

    @property
    def link(self) -> str:
        """The case-list filter that shows this row's cases."""
        if self.agent is not None:
            return f"/cases?agent={self.agent.id}"
        assert self.team is not None
        return f"/cases?agent=none&team_id={self.team.id}"


@dataclass(slots=True)
class TeamBlock:
    team: Team | None
    pool: QueueRow | None
    members: list[QueueRow] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class HoldRow:
    rule_id: str
    title: str
    cases: int


def age(since: datetime | None, now: datetime) -> str:
    """How long the oldest workable case has waited, in words a screen can hold."""
    if since is None:
        return ""
    waited = max(now - since, timedelta())
    days, seconds = waited.days, waited.seconds
    if days:
        return f"{days} d {seconds // 3600} h"
    if seconds >= 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60} min"
    return f"{seconds // 60} min"


def _hold_title(rule_id: str) -> str:
    if rule_id == NO_PHONE:
        return "No phone we may call"
    return describe(rule_id).title


@router.get("/supervisor")
def supervisor(request: Request, db: DbSession, _: Supervisor) -> Response:
    """Queues per team and agent (workable now, oldest wait, open cases and balance,
    today's calls, contacts and promises), gate holds per rule, unassigned cases, and
    open cases per agent and client.  Every number links to the matching case list.

    Every active agent has a row, even with an empty book; a disabled agent who still
    holds cases keeps a row so those cases are not lost from view.
    """
    now = clock.now()
    book_stats, pool_stats, unassigned = assignment_repo.queue_stats(db, now)
    today = assignment_repo.today_per_agent(db, clock.today(now)[0])
    agents = {agent.id: agent for agent in auth_service.agents(db)}
    cells = repository.open_workload(db)
    holders = {i for i in book_stats if i not in agents}
    holders |= {i for i, _client in cells if i is not None and i not in agents}
    agents.update({u.id: u for u in auth_service.users_by_ids(db, sorted(holders))})
    profiles = assignment_repo.agent_profiles(db)
    teams = assignment_repo.teams(db)

    def agent_row(user: User) -> QueueRow:
        stats = book_stats.get(user.id, assignment_repo.QueueStats())
        profile = profiles.get(user.id)
        return QueueRow(
            agent=user,
            team=None,
            stats=stats,
            today=today.get(user.id, assignment_repo.Today()),
            oldest_age=age(stats.oldest_workable_at, now),
            capacity=profile.capacity if profile else None,
        )

    blocks: dict[int | None, TeamBlock] = {}
    for team in teams:
        stats = pool_stats.get(team.id, assignment_repo.QueueStats())
        pool = QueueRow(
            None, team, stats, assignment_repo.Today(), age(stats.oldest_workable_at, now)
        )
        blocks[team.id] = TeamBlock(team, pool)
    blocks[None] = TeamBlock(None, None)
    for user in sorted(agents.values(), key=lambda u: (u.full_name, u.id)):
        profile = profiles.get(user.id)
        team_id = profile.team_id if profile and profile.team_id in blocks else None
        blocks[team_id].members.append(agent_row(user))

    holds = sorted(
        (
            HoldRow(rule_id, _hold_title(rule_id), n)
            for rule_id, n in assignment_repo.held_by_rule(db, now).items()
        ),
        key=lambda row: (-row.cases, row.rule_id),
    )

    by_agent: dict[int | None, dict[int, repository.WorkloadCell]] = {}
    for (agent_id, client_id), cell in cells.items():
        by_agent.setdefault(agent_id, {})[client_id] = cell
    workload = [WorkloadRow(agent, by_agent.get(agent.id, {})) for agent in agents.values()]
    workload.sort(key=lambda row: row.agent.full_name if row.agent else "")
    workload.append(WorkloadRow(None, by_agent.get(None, {})))
    return render(
        request,
        "cases/supervisor.html",
        {
            "blocks": [b for b in blocks.values() if b.team is not None or b.members],
            "unassigned": unassigned,
            "unassigned_age": age(unassigned.oldest_workable_at, now),
            "holds": holds,
            "rows": workload,
            "clients": clients_service.all_clients(db),
        },
    )
