"""The case page's actions, each a form posted from it: call, the call's outcome, record
what the consumer said, add a note, change the status.  Each route reads its form
(``agency.cases.schemas``), runs the action, and renders the case page again: with the
result, or with the refusal next to its field."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from agency.auth.models import Role
from agency.auth.permissions import CurrentViewer, Forbidden, Viewer
from agency.cases import actions, assignment, recording, repository, schemas
from agency.cases.errors import CaseError
from agency.cases.models import Case
from agency.cases.views import Workers, case_page
from agency.compliance.service import ComplianceError
from agency.db import DbSession
from agency.kit.errors import NotFound, ResponseError
from agency.kit.forms import PostedForm, form_values
from agency.kit.params import RowId

router = APIRouter()


def _workable_case(db: Session, viewer: Viewer, case_id: int) -> Case:
    """The case an action changes; 404 when the viewer may not see it, 403 when they may
    see it but not work it (another agent's book)."""
    case = repository.case_for_update(db, viewer, case_id)
    if case is None:
        raise NotFound("case")
    team_id = repository.agent_team_id(db, viewer.user_id) if viewer.role is Role.AGENT else None
    if not actions.may_work(case, user_id=viewer.user_id, role=viewer.role, team_id=team_id):
        raise Forbidden
    return case


@dataclass(frozen=True, slots=True)
class Acting:
    """An action posted from the case page: the request, its session, who acts, and the
    posted form (``values``: its fields as text)."""

    request: Request
    db: Session
    viewer: Viewer
    posted: FormData
    values: dict[str, str]


async def _acting(  # async: it only gathers, no thread needed
    request: Request, posted: PostedForm, db: DbSession, viewer: CurrentViewer, _: Workers
) -> Acting:
    return Acting(request, db, viewer, posted, form_values(posted))


Act = Annotated[Acting, Depends(_acting)]


def _act(
    act: Acting, case_id: int, *, form: str, run: Callable[[Case], str | actions.CallResult]
) -> Response:
    """Run one action (an agent's first on a case of their team's pool makes the case
    theirs); on a refusal roll it back and show the form again with the error
    next to its field (422 for a page, 200 for an htmx swap, which htmx would not do
    for a 4xx)."""
    request, db, viewer = act.request, act.db, act.viewer
    case = _workable_case(db, viewer, case_id)
    try:
        with db.begin_nested():
            if viewer.role is Role.AGENT and case.assigned_agent_id is None:
                assignment.take_from_pool(db, case=case, agent_id=viewer.user_id)
            result = run(case)
    except (CaseError, ComplianceError) as exc:
        refusal = exc if isinstance(exc, CaseError) else CaseError.worded(str(exc))
        response = case_page(
            request, db, viewer, case_id, form=form, values=act.values, errors=refusal.errors
        )
        if response.status_code == 422:
            raise ResponseError(response) from exc
        return response
    if isinstance(result, actions.CallResult):
        return case_page(request, db, viewer, case_id, call=result)
    return case_page(request, db, viewer, case_id, message=result)


@router.post("/cases/{case_id}/call")
def call(act: Act, case_id: RowId) -> Response:
    """Ask the gate for a call; the number shows only when it allows it."""

    def run(case: Case) -> actions.CallResult:
        form = schemas.read_action(schemas.CallForm, act.values)
        return actions.place_call(
            act.db, case=case, actor_id=act.viewer.user_id, contact_point_id=form.contact_point_id
        )

    return _act(act, case_id, form="call", run=run)


@router.post("/cases/{case_id}/outcome")
def call_outcome(act: Act, case_id: RowId) -> Response:
    """What became of the call: no answer, voicemail, wrong number, right-party contact,
    conversation."""

    def run(case: Case) -> str:
        form = schemas.read_action(schemas.OutcomeForm, act.values)
        actions.record_call_outcome(
            act.db,
            case=case,
            actor_id=act.viewer.user_id,
            attempt_id=form.attempt_id,
            outcome=form.outcome,
        )
        return f"Outcome recorded: {actions.AGENT_OUTCOMES[form.outcome][0].lower()}."

    return _act(act, case_id, form="outcome", run=run)


@router.post("/cases/{case_id}/record")
def record(act: Act, case_id: RowId) -> Response:
    """Record what the consumer said (``kind``: callback, dispute, cease,
    attorney, inconvenient_time, workplace, wrong_number, deceased, bankruptcy)."""
    days = [day for day in act.posted.getlist("days") if isinstance(day, str)]

    def run(case: Case) -> str:
        values = {**act.values, "days": days}
        return recording.record(act.db, case=case, actor_id=act.viewer.user_id, values=values)

    return _act(act, case_id, form=act.values.get("kind", ""), run=run)


@router.post("/cases/{case_id}/notes")
def add_note(act: Act, case_id: RowId) -> Response:
    """A note: kept forever, never edited."""

    def run(case: Case) -> str:
        form = schemas.read_action(schemas.NoteForm, act.values)
        actions.add_note(act.db, case=case, actor_id=act.viewer.user_id, body=form.body)
        return "Note added."

    return _act(act, case_id, form="note", run=run)


@router.post("/cases/{case_id}/status")
def change_status(act: Act, case_id: RowId) -> Response:
    """A person's decision, with a reason: close the case (``to=closed`` and a close
    reason that is a judgement) or resume a disputed or held one (``to=active``).
    Statuses that stand for facts are refused with the way to record the fact."""

    def run(case: Case) -> str:
        form = schemas.read_action(schemas.StatusForm, act.values)
        actions.change_status(
            act.db,
            case=case,
            actor_id=act.viewer.user_id,
            to=form.to,
            reason=form.reason,
            close_reason=form.close_reason,
        )
        return f"The case is now {form.to.value}."

    return _act(act, case_id, form="status", run=run)
