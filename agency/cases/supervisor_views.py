"""The supervisor's pages: workload and queues per agent and team."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from agency.auth import service as auth_service
from agency.auth.models import Role, User
from agency.auth.permissions import require
from agency.cases import repository
from agency.clients import service as clients_service
from agency.db import DbSession
from agency.kit.templates import render

router = APIRouter()
Supervisor = Annotated[User, Depends(require(Role.ADMIN, Role.SUPERVISOR))]


@dataclass(frozen=True, slots=True)
class WorkloadRow:
    agent: User | None
    cells: dict[int, repository.WorkloadCell]

    @property
    def total(self) -> int:
        return sum(cell.cases for cell in self.cells.values())


@router.get("/supervisor")
def supervisor(request: Request, db: DbSession, _: Supervisor) -> Response:
    """Open cases per agent (and unassigned) per client, each number a link to the list.

    Every active agent has a row, even with an empty book; a disabled agent who still
    holds cases keeps a row so those cases are not lost from view.
    """
    cells = repository.open_workload(db)
    by_agent: dict[int | None, dict[int, repository.WorkloadCell]] = {}
    for (agent_id, client_id), cell in cells.items():
        by_agent.setdefault(agent_id, {})[client_id] = cell
    agents = {agent.id: agent for agent in auth_service.agents(db)}
    holders = [i for i in by_agent if i is not None and i not in agents]
    agents.update({u.id: u for u in auth_service.users_by_ids(db, holders)})
    rows = [WorkloadRow(agent, by_agent.get(agent.id, {})) for agent in agents.values()]
    rows.sort(key=lambda row: row.agent.full_name if row.agent else "")
    rows.append(WorkloadRow(None, by_agent.get(None, {})))
    return render(
        request,
        "cases/supervisor.html",
        {
            "rows": rows,
            "clients": clients_service.all_clients(db),
        },
    )
