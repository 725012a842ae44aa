"""The case page's strategy panel (an htmx swap on load, or a page of its own): the
case's strategy, its next step and when, its latest strategy events; and pausing or
resuming it with a reason, for whoever may work the case.  Staff only: a merchant
asking gets the 404 of a case that is not theirs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from agency.auth.permissions import CurrentViewer, Viewer
from agency.cases import service as cases_service
from agency.cases.models import Case
from agency.compliance import service as compliance
from agency.db import DbSession
from agency.kit import flash
from agency.kit.errors import NotFound, ResponseError
from agency.kit.forms import PostedForm, form_values
from agency.kit.params import RowId
from agency.kit.templates import is_htmx, render
from agency.outreach.strategies import case_panel, enrolment
from agency.outreach.strategies.enrolment import REASON_MAX
from agency.outreach.strategies.versions import StrategyRefused

router = APIRouter()


def _case(db: Session, viewer: Viewer, case_id: int) -> Case:
    case = cases_service.case_for_viewer(db, viewer=viewer, case_id=case_id)
    if case is None or viewer.is_merchant:
        raise NotFound("case")
    return case


def _panel(
    request: Request,
    db: Session,
    viewer: Viewer,
    case: Case,
    *,
    error: str | None = None,
    reason: str = "",
    every: bool = False,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "outreach/strategies/case_strategy.html",
        {
            "case": case,
            "panel": case_panel.panel(db, case_id=case.id, every=every),
            "may_work": cases_service.may_work(db, viewer=viewer, case=case),
            "zones": compliance.consumer_zones(db, consumer=case.consumer),
            "error": error,
            "reason": reason,
            "reason_max": REASON_MAX,
        },
        status_code=status_code,
    )


@router.get("/cases/{case_id}/strategy")
def case_strategy(
    request: Request,
    db: DbSession,
    viewer: CurrentViewer,
    case_id: RowId,
    events: Annotated[Literal["all"] | None, Query()] = None,
) -> Response:
    """The case's strategy: where it stands and what it did lately (``events=all``:
    everything it did)."""
    case = _case(db, viewer, case_id)
    return _panel(request, db, viewer, case, every=events == "all")


def _change(
    request: Request,
    db: Session,
    viewer: Viewer,
    case_id: int,
    posted: dict[str, str],
    change: Callable[..., object],
    done: str,
) -> Response:
    case = _case(db, viewer, case_id)
    if not cases_service.may_work(db, viewer=viewer, case=case):
        raise NotFound("case")
    reason = posted.get("reason", "")
    try:
        change(db, case_id=case.id, reason=reason, by_user_id=viewer.user_id)
    except StrategyRefused as refused:
        raise ResponseError(
            _panel(
                request,
                db,
                viewer,
                case,
                error=refused.message,
                reason=reason[: REASON_MAX + 1],
                status_code=422,
            )
        ) from None
    if is_htmx(request):
        return _panel(request, db, viewer, case)
    return flash.redirect(f"/cases/{case.id}/strategy", done)


@router.post("/cases/{case_id}/strategy/pause")
def pause_strategy(
    request: Request, db: DbSession, viewer: CurrentViewer, posted: PostedForm, case_id: RowId
) -> Response:
    """Pause the case's strategy where it is, with a reason (recorded)."""
    values = form_values(posted)
    return _change(request, db, viewer, case_id, values, enrolment.pause, "Strategy paused.")


@router.post("/cases/{case_id}/strategy/resume")
def resume_strategy(
    request: Request, db: DbSession, viewer: CurrentViewer, posted: PostedForm, case_id: RowId
) -> Response:
    """Resume the case's strategy where it stopped, with a reason (recorded)."""
    values = form_values(posted)
    return _change(request, db, viewer, case_id, values, enrolment.resume, "Strategy resumed.")
