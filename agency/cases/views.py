"""Case lists and the read-only case page, the supervisor's workload view, and the
compliance officer's consumer list.  Every query goes through the scoped repository."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from agency.auth import service as auth_service
from agency.auth.models import Role, User
from agency.auth.permissions import CurrentViewer, require
from agency.cases import repository
from agency.cases.models import CaseStatus
from agency.cases.schemas import CaseFilters, case_filters
from agency.clients import service as clients_service
from agency.db import DbSession
from agency.kit.errors import NotFound
from agency.kit.pagination import PageRequest, page_request
from agency.kit.templates import render

router = APIRouter()
Paging = Annotated[PageRequest, Depends(page_request)]
Filters = Annotated[CaseFilters, Depends(case_filters)]
Staff = Annotated[User, Depends(require(Role.ADMIN, Role.SUPERVISOR, Role.AGENT, Role.COMPLIANCE))]
Oversight = Annotated[User, Depends(require(Role.ADMIN, Role.SUPERVISOR, Role.COMPLIANCE))]
Supervisor = Annotated[User, Depends(require(Role.ADMIN, Role.SUPERVISOR))]


@router.get("/cases")
def cases(
    request: Request,
    db: DbSession,
    _: Staff,
    viewer: CurrentViewer,
    page: Paging,
    filters: Filters,
) -> Response:
    return render(
        request,
        "cases/list.html",
        {
            "page": repository.list_cases(db, viewer, filters, page),
            "filters": filters,
            "statuses": list(CaseStatus),
            "clients": clients_service.all_clients(db),
            "agents": auth_service.agents(db),
        },
    )


@router.get("/cases/{case_id}")
def case_detail(request: Request, db: DbSession, viewer: CurrentViewer, case_id: int) -> Response:
    case = repository.case_for_viewer(db, viewer, case_id)
    if case is None:
        raise NotFound("case")
    points = [
        point
        for point in case.consumer.contact_points
        if not viewer.is_merchant or point.source_client_id in (None, viewer.client_id)
    ]
    return render(
        request,
        "cases/detail.html",
        {
            "case": case,
            "contact_points": points,
            "other_cases": repository.other_cases_of_consumer(db, viewer, case),
        },
    )


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


@router.get("/consumers")
def consumers(
    request: Request,
    db: DbSession,
    _: Oversight,
    viewer: CurrentViewer,
    page: Paging,
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    listing = repository.list_consumers(db, viewer, page, q=q)
    counts = repository.case_counts_by_consumer(db, viewer, [c.id for c in listing.items])
    return render(request, "cases/consumers.html", {"page": listing, "counts": counts, "q": q})
