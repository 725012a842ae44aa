"""The case page's "Consumer's page" section (an htmx swap on load): whether the
consumer's links are locked after failed identity checks, when they were last revoked
and the page last opened; for whoever may work the case (admins, supervisors, the agent
working it) the current link to copy and the button that revokes every link sent so far.
Merchants get nothing: the link is the consumer's credential."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from agency.auth.permissions import CurrentViewer, Viewer
from agency.cases import service as cases_service
from agency.cases.models import Case
from agency.config import get_settings
from agency.db import DbSession
from agency.kit.errors import NotFound
from agency.kit.params import RowId
from agency.kit.templates import render
from agency.payments.self_service import links

router = APIRouter()


def _case(db: DbSession, viewer: Viewer, case_id: int) -> Case:
    case = cases_service.case_for_viewer(db, viewer=viewer, case_id=case_id)
    if case is None or viewer.is_merchant:
        raise NotFound("case")
    return case


def _section(
    request: Request, db: DbSession, viewer: Viewer, case: Case, *, done: bool = False
) -> Response:
    may_work = cases_service.may_work(db, viewer=viewer, case=case)
    access = links.access_of(db, case.id)
    url = None
    if may_work and case.status.is_open:
        url = get_settings().public_url.rstrip("/") + links.link_for(case.id, case.consumer_id)
    return render(
        request,
        "payments/self_service/staff_section.html",
        {
            "case": case,
            "access": access,
            "locked_until": links.locked_until(access),
            "may_work": may_work,
            "url": url,
            "done": done,
            "link_days": get_settings().self_service_link_days,
        },
    )


@router.get("/cases/{case_id}/self-service")
def section(request: Request, db: DbSession, viewer: CurrentViewer, case_id: RowId) -> Response:
    return _section(request, db, viewer, _case(db, viewer, case_id))


@router.post("/cases/{case_id}/self-service/revoke")
def revoke(request: Request, db: DbSession, viewer: CurrentViewer, case_id: RowId) -> Response:
    """Refuse every link of the case sent so far; the section shows a new one (it works
    from the next second on)."""
    case = _case(db, viewer, case_id)
    if not cases_service.may_work(db, viewer=viewer, case=case):
        return render(
            request,
            "errors/error.html",
            {
                "status_code": 403,
                "title": "Not allowed",
                "detail": "Only who may work this case can revoke its links.",
            },
            status_code=403,
        )
    links.revoke(db, case_id=case.id, by_user_id=viewer.user_id)
    return _section(request, db, viewer, case, done=True)
