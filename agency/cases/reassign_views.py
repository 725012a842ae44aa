"""The supervisor's screens for moving cases: one case (who holds it, every change so
far, a form to move it) and an agent's book spread over other agents (rebalance); the
choices of a "move to" select.  A filtered set moves on ``bulk_move_views``.

Admins and supervisors only.  Forms post normally and come back with their errors next
to each field (422); the request's transaction then rolls back, so nothing is half-written.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from agency.auth import service as auth_service
from agency.auth.permissions import CurrentViewer, Viewer
from agency.cases import assignment, reassign, repository
from agency.cases.models import Case
from agency.cases.repository import assignment as assignment_repo
from agency.cases.schemas import ReassignForm, RebalanceForm
from agency.cases.supervisor_shared import Supervisor, people_names, posted_values, save_or_refuse
from agency.db import DbSession
from agency.kit import flash
from agency.kit.errors import NotFound
from agency.kit.forms import FormError, PostedForm, form_values
from agency.kit.params import MAX_ID, RowId
from agency.kit.templates import render

router = APIRouter()


def move_targets(db: Session) -> list[tuple[str, str]]:
    """The choices of a "move to" select: agents, then teams' pools."""
    return [(f"agent:{a.id}", a.full_name) for a in auth_service.agents(db)] + [
        (f"team:{t.id}", f"{t.name} (team pool)") for t in assignment_repo.teams(db)
    ]


# ---- one case: who holds it, its changes, moving it --------------------------------------------


def _case_or_404(db: Session, viewer: Viewer, case_id: int) -> Case:
    case = repository.case_for_viewer(db, viewer, case_id)
    if case is None:
        raise NotFound("case")
    return case


def _assign_page(
    request: Request,
    db: Session,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    *,
    case: Case,
) -> Response:
    history = assignment_repo.assignment_history(db, case.id)
    ids = {i for c in history for i in (c.from_agent_id, c.to_agent_id, c.by_user_id) if i}
    return render(
        request,
        "cases/assignment_case.html",
        {
            "case": case,
            "history": history,
            "names": people_names(db, ids),
            "teams": {team.id: team for team in assignment_repo.teams(db)},
            "targets": move_targets(db),
            "values": values,
            "errors": errors or {},
        },
    )


@router.get("/supervisor/cases/{case_id}/assign")
def case_assign_form(
    request: Request, db: DbSession, _: Supervisor, viewer: CurrentViewer, case_id: RowId
) -> Response:
    """Who holds the case, every change so far, and a form to move it."""
    return _assign_page(request, db, {}, case=_case_or_404(db, viewer, case_id))


@router.post("/supervisor/cases/{case_id}/assign")
def case_assign(
    request: Request,
    posted: PostedForm,
    db: DbSession,
    user: Supervisor,
    viewer: CurrentViewer,
    case_id: RowId,
) -> Response:
    case = _case_or_404(db, viewer, case_id)
    values = form_values(posted)

    def save(data: ReassignForm) -> int:
        to_agent_id, to_team_id = data.target
        moved = reassign.reassign(
            db,
            case_ids=[case.id],
            to_agent_id=to_agent_id,
            to_team_id=to_team_id,
            by_user_id=user.id,
            reason=data.reason,
        )
        if not moved:
            raise FormError({"to": "already holds this case (or the case is closed)"})
        return moved

    save_or_refuse(
        values, ReassignForm, save, lambda v, e: _assign_page(request, db, v, e, case=case)
    )
    return flash.redirect(f"/supervisor/cases/{case.id}/assign", "Case reassigned.")


# ---- an agent's book spread over others -------------------------------------------------------


def _rebalance_page(
    request: Request,
    db: Session,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    *,
    moved: int | None = None,
) -> Response:
    users = auth_service.agents(db)
    return render(
        request,
        "cases/assignment_rebalance.html",
        {
            "agents": users,
            "loads": assignment.Loads.of(db, [u.id for u in users]),
            "values": values,
            "errors": errors or {},
            "ticked": set(values.get("to_agent_ids", "").split(",")),
            "moved": moved,
        },
    )


@router.get("/supervisor/rebalance")
def rebalance_form(
    request: Request,
    db: DbSession,
    _: Supervisor,
    from_agent_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    """Spread an agent's book over other agents, least loaded first."""
    return _rebalance_page(request, db, {"from_agent_id": str(from_agent_id or "")})


@router.post("/supervisor/rebalance")
def rebalance(request: Request, posted: PostedForm, db: DbSession, user: Supervisor) -> Response:
    values = posted_values(posted, "to_agent_ids")
    moved: list[int] = []

    def save(data: RebalanceForm) -> None:
        moved.append(
            reassign.rebalance(
                db,
                from_agent_id=data.from_agent_id,
                to_agent_ids=data.to_agent_ids,
                by_user_id=user.id,
                reason=data.reason,
                limit=data.limit,
            )
        )

    save_or_refuse(values, RebalanceForm, save, lambda v, e: _rebalance_page(request, db, v, e))
    return _rebalance_page(
        request, db, {"from_agent_id": values.get("from_agent_id", "")}, moved=moved[0]
    )
