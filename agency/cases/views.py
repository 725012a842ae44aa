"""Case lists and the case page, and the compliance officer's consumer list.  Every query
goes through the scoped repository."""

from __future__ import annotations

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
