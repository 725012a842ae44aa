"""The case page's click-to-call, loaded into its call panel once the gate has allowed
a call (an htmx swap): the button that rings the agent's phone and connects them to
the consumer, then the call's status, polled until the call is over.  The agent records
what happened with the case page's outcome form, as for any call.

Who: the staff who work cases (admins, supervisors, agents), on a case they can see; only
the agent whose call the gate allowed may connect it.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from agency.auth.models import Role, User
from agency.auth.permissions import CurrentViewer, require
from agency.cases import service as cases_service
from agency.db import DbSession
from agency.kit import flash
from agency.kit.errors import NotFound
from agency.kit.forms import PostedForm, form_values
from agency.kit.params import MAX_ID, RowId
from agency.kit.templates import is_htmx, render
from agency.outreach import calls, providers
from agency.outreach.models import VoiceCall

router = APIRouter()
Workers = Annotated[User, Depends(require(Role.ADMIN, Role.SUPERVISOR, Role.AGENT))]
AttemptId = Annotated[int, Query(ge=1, le=MAX_ID)]
_ID = re.compile(r"[0-9]{1,19}")


def _panel(
    request: Request,
    *,
    case_id: int,
    attempt_id: int,
    user: User,
    call: VoiceCall | None,
    error: str | None = None,
) -> Response:
    context: dict[str, Any] = {
        "case_id": case_id,
        "attempt_id": attempt_id,
        "call": call,
        "final": call is not None and call.status in calls.FINAL,
        "error": error,
        "hint": calls.unavailable(user.phone),
        "phone_end": (user.phone or "")[-4:],
        "sandbox": providers.voice_name() == "sandbox",
    }
    status_code = 422 if error and not is_htmx(request) else 200
    return render(request, "outreach/_call_status.html", context, status_code=status_code)


@router.get("/cases/{case_id}/calls")
def call_panel(
    request: Request,
    db: DbSession,
    viewer: CurrentViewer,
    user: Workers,
    case_id: RowId,
    attempt_id: AttemptId,
) -> Response:
    """The click-to-call of one allowed call attempt: its status, or the button."""
    case = cases_service.case_for_viewer(db, viewer=viewer, case_id=case_id)
    if case is None:
        raise NotFound("case")
    call = calls.call_of_attempt(db, attempt_id)
    if call is not None and call.case_id != case.id:
        call = None
    return _panel(request, case_id=case.id, attempt_id=attempt_id, user=user, call=call)


@router.post("/cases/{case_id}/calls")
def ring_and_connect(
    request: Request,
    posted: PostedForm,
    db: DbSession,
    viewer: CurrentViewer,
    user: Workers,
    case_id: RowId,
) -> Response:
    """Ring the agent's phone and bridge to the consumer, for the agent's own allowed
    call attempt (``attempt_id``); clicking twice places one call."""
    values = form_values(posted)
    case = cases_service.case_for_update(db, viewer=viewer, case_id=case_id)
    if case is None:
        raise NotFound("case")
    raw = values.get("attempt_id", "").strip()
    attempt_id = int(raw) if _ID.fullmatch(raw) and 1 <= int(raw) <= MAX_ID else 0
    try:
        if not attempt_id:
            raise calls.CallRefused("Attempt: not a call attempt.")
        call = calls.start(
            db, case_id=case.id, agent_id=user.id, agent_phone=user.phone, attempt_id=attempt_id
        )
    except calls.CallRefused as exc:
        return _panel(
            request, case_id=case.id, attempt_id=attempt_id, user=user, call=None, error=str(exc)
        )
    if not is_htmx(request):
        return flash.redirect(f"/cases/{case.id}", "Ringing your phone: answer it to be connected.")
    return _panel(request, case_id=case.id, attempt_id=attempt_id, user=user, call=call)
