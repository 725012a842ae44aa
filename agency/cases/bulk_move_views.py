"""The supervisor's "Move these cases" (agency.cases.bulk_move): the confirmation page
that names the case list's filters and previews the cases per client and country, the
move itself, and each move's page with "undo this move".

The filters arrive in the query string from the case list and travel on in hidden fields
of the form; a blank value (a control left at "Any") means no filter.  Admins and
supervisors only.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.responses import Response

from agency.auth import service as auth_service
from agency.auth.models import User
from agency.auth.permissions import CurrentViewer, Viewer
from agency.cases import bulk_move
from agency.cases.models import MoveBatch
from agency.cases.reassign_views import move_targets
from agency.cases.repository import assignment as assignment_repo
from agency.cases.schemas import CaseFilters, ReassignForm
from agency.cases.supervisor_shared import Supervisor, people_names
from agency.clients import service as clients_service
from agency.db import DbSession
from agency.kit.errors import NotFound
from agency.kit.forms import FormError, PostedForm, form_values, or_refuse, parse
from agency.kit.params import RowId
from agency.kit.templates import render

router = APIRouter()
FILTER_FIELDS = tuple(CaseFilters.model_fields)


def given_filters(values: Mapping[str, str]) -> dict[str, str]:
    """The filters among ``values`` that say something: blank ones mean no filter."""
    return {
        name: value.strip() for name in FILTER_FIELDS if (value := values.get(name, "")).strip()
    }


def parse_filters(values: Mapping[str, str]) -> CaseFilters:
    """The case list's filters, or a FormError naming each value that is not one."""
    given = given_filters(values)
    try:
        return parse(CaseFilters, given)
    except FormError as exc:
        names = {where.split(".")[0] for where in exc.errors}
        raise FormError(
            {
                name: f"The filter {name} = {given.get(name, '')[:40]} is not one the case "
                "list offers: go back to the list and filter again."
                for name in sorted(names)
            }
        ) from exc


def filter_words(db: Session, filters: CaseFilters, viewer: User) -> list[str]:
    """The filters as the supervisor reads them, e.g. ["status new", "agent Ana Agent"]."""
    words = []
    if filters.q:
        words.append(f"search “{filters.q}”")
    if filters.status is not None:
        words.append(f"status {filters.status.value}")
    if filters.client_id is not None:
        client = clients_service.get_client(db, client_id=filters.client_id)
        words.append(f"client {client.name if client else filters.client_id}")
    if filters.agent == "none":
        words.append("no agent")
    elif filters.agent == "me":
        words.append(f"agent {viewer.full_name} (you)")
    elif isinstance(filters.agent, int):
        found = auth_service.users_by_ids(db, [filters.agent])
        words.append(f"agent {found[0].full_name if found else filters.agent}")
    teams = {team.id: team.name for team in assignment_repo.teams(db)}
    return words + [said for _name, _value, said in filters.kept(teams)]


def _page(
    request: Request,
    db: Session,
    user: User,
    viewer: Viewer,
    filter_values: Mapping[str, str],
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    *,
    warnings: list[str] | None = None,
) -> Response:
    """The confirmation page for the filters in ``filter_values`` (already checked)."""
    given = given_filters(filter_values)
    filters = parse(CaseFilters, given)
    case_ids = assignment_repo.filtered_case_ids(db, viewer, filters)
    return render(
        request,
        "cases/assignment_reassign.html",
        {
            "words": filter_words(db, filters, user),
            "hidden": {name: given.get(name, "") for name in FILTER_FIELDS},
            "query": urlencode(given),
            "matching": len(case_ids),
            "slices": bulk_move.slices(assignment_repo.move_groups(db, case_ids)),
            "expected": bulk_move.fingerprint(case_ids),
            "targets": move_targets(db),
            "values": dict(values or {}),
            "errors": dict(errors or {}),
            "warnings": warnings or [],
            "recent": assignment_repo.recent_moves(db),
        },
    )


def _refused(request: Request, errors: Mapping[str, str]) -> Response:
    return render(
        request,
        "cases/assignment_reassign.html",
        {"refused": True, "errors": dict(errors), "words": [], "values": {}},
        status_code=422,
    )


@router.get("/supervisor/reassign")
def reassign_form(
    request: Request, db: DbSession, user: Supervisor, viewer: CurrentViewer
) -> Response:
    """Move every open case a case list shows: its filters named, the cases counted per
    client and country, a form to choose where they go."""
    values = dict(request.query_params)
    or_refuse(lambda: parse_filters(values), lambda exc: _refused(request, exc.errors))
    return _page(request, db, user, viewer, values)


@router.post("/supervisor/reassign")
def reassign(
    request: Request, posted: PostedForm, db: DbSession, user: Supervisor, viewer: CurrentViewer
) -> Response:
    """Move the cases the filters (hidden fields) match, if they are still the cases the
    page previewed; past the agent's capacity or skills only when confirmed."""
    values = form_values(posted)
    filters = or_refuse(lambda: parse_filters(values), lambda exc: _refused(request, exc.errors))

    def save(data: ReassignForm) -> MoveBatch:
        to_agent_id, to_team_id = data.target
        return bulk_move.move(
            db,
            viewer=viewer,
            filters=filters,
            expected=values.get("expected", ""),
            words=filter_words(db, filters, user) or ["none: every open case"],
            to_agent_id=to_agent_id,
            to_team_id=to_team_id,
            confirmed=values.get("confirm") == "on",
            by_user_id=user.id,
            reason=data.reason,
        )

    def again(exc: FormError) -> Response:
        said = exc.warnings if isinstance(exc, bulk_move.NeedsConfirmation) else []
        return _page(request, db, user, viewer, values, values, exc.errors, warnings=said)

    batch = or_refuse(lambda: save(parse(ReassignForm, values)), again)
    return RedirectResponse(f"/supervisor/moves/{batch.id}", status_code=303)


def _batch_or_404(db: Session, batch_id: int) -> MoveBatch:
    batch = assignment_repo.move_batch(db, batch_id)
    if batch is None:
        raise NotFound("move")
    return batch


def _batch_page(
    request: Request, db: Session, batch: MoveBatch, undone: bulk_move.Undone | None = None
) -> Response:
    people = {i for i in (batch.by_user_id, batch.to_agent_id, batch.undone_by_id) if i}
    names = people_names(db, people)
    team = assignment_repo.team_by_id(db, batch.to_team_id) if batch.to_team_id else None
    return render(
        request,
        "cases/supervisor_move.html",
        {"batch": batch, "names": names, "team": team, "undone": undone},
    )


@router.get("/supervisor/moves/{batch_id}")
def move_page(request: Request, db: DbSession, _: Supervisor, batch_id: RowId) -> Response:
    """One bulk move: who, when, why, the filters it took, where the cases went, and
    "undo this move" until it is undone."""
    return _batch_page(request, db, _batch_or_404(db, batch_id))


@router.post("/supervisor/moves/{batch_id}/undo")
def undo_move(request: Request, db: DbSession, user: Supervisor, batch_id: RowId) -> Response:
    """Put back the move's cases nobody touched since; say how many, and why the others
    stay.  A move already undone undoes nothing."""
    batch = _batch_or_404(db, batch_id)
    undone = bulk_move.undo(db, batch=batch, by_user_id=user.id)
    db.refresh(batch)
    return _batch_page(request, db, batch, undone)
