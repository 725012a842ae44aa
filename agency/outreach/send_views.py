"""The case page's "Send text / e-mail / letter" (``case_sending``): the form for a channel
(``compose``), its preview with the gate's decision (``preview``, written nowhere), and
the send (``send``: queued through the outbox, or blocked with the rules in words).

Admins, supervisors and the agents who may work the case (as its actions panel allows)
send; compliance officers and merchants are refused (403), another client's case is a
404 as everywhere.  A refusal is shown beside its control, never a 5xx: with status 200
for an htmx swap (htmx swaps no 4xx), 422 for the page without JavaScript, and nothing
is kept of a refused send.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from agency.auth.models import Role, User
from agency.auth.permissions import CurrentViewer, Forbidden, Viewer, require
from agency.cases import service as cases_service
from agency.cases.models import Case
from agency.db import DbSession
from agency.kit.errors import NotFound, ResponseError
from agency.kit.forms import FormError, PostedForm, form_values
from agency.kit.params import RowId
from agency.kit.templates import is_htmx
from agency.outreach import case_sending
from agency.outreach.case_views import may_send, messages_panel

router = APIRouter()
Senders = Annotated[User, Depends(require(Role.ADMIN, Role.SUPERVISOR, Role.AGENT))]


def _case(db: Session, viewer: Viewer, case_id: int) -> Case:
    case = cases_service.case_for_viewer(db, viewer=viewer, case_id=case_id)
    if case is None:
        raise NotFound("case")
    if not may_send(db, viewer, case):
        raise Forbidden
    return case


@router.get("/cases/{case_id}/messages/compose")
def compose(
    request: Request,
    db: DbSession,
    _: Senders,
    viewer: CurrentViewer,
    case_id: RowId,
    channel: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:
    """The send form for ``channel`` (the channel control's htmx swap of
    ``send-panel``): that channel's templates and the consumer's contact points."""
    case = _case(db, viewer, case_id)
    panel = case_sending.panel(db, case=case, channel=case_sending.channel_of(channel))
    return messages_panel(request, db, viewer, case, panel=panel)


@router.post("/cases/{case_id}/messages/preview")
def preview(
    request: Request,
    db: DbSession,
    _: Senders,
    viewer: CurrentViewer,
    posted: PostedForm,
    case_id: RowId,
) -> Response:
    """The message as it would go to this consumer, and what the gate would say to
    sending it now; nothing is written."""
    case = _case(db, viewer, case_id)
    values = form_values(posted)
    try:
        form = case_sending.read_form(values)
        composed = case_sending.compose(db, case=case, form=form)
    except FormError as exc:
        return _refused(request, db, viewer, case, values, exc)
    shown = case_sending.preview(db, case=case, composed=composed)
    channel = case_sending.channel_of(form.channel)
    panel = case_sending.panel(
        db, case=case, channel=channel, values=values, token=form.token, preview=shown
    )
    return messages_panel(request, db, viewer, case, panel=panel)


@router.post("/cases/{case_id}/messages/send")
def send(
    request: Request,
    db: DbSession,
    _: Senders,
    viewer: CurrentViewer,
    posted: PostedForm,
    case_id: RowId,
) -> Response:
    """Queue the message through the outbox: the gate decides and the ledger keeps its
    decision; a blocked message is kept ``blocked`` and shown with the rules in words.
    The same form posted twice queues one message."""
    case = _case(db, viewer, case_id)
    values = form_values(posted)
    try:
        form = case_sending.read_form(values)
        composed = case_sending.compose(db, case=case, form=form)
        sent = case_sending.send(
            db, case=case, composed=composed, token=form.token, by_user_id=viewer.user_id
        )
    except FormError as exc:
        return _refused(request, db, viewer, case, values, exc)
    panel = case_sending.panel(
        db,
        case=case,
        channel=composed.draft.channel,
        result=case_sending.result(db, case=case, sent=sent),
    )
    return messages_panel(request, db, viewer, case, panel=panel)


def _refused(
    request: Request,
    db: Session,
    viewer: Viewer,
    case: Case,
    values: dict[str, str],
    refusal: FormError,
) -> Response:
    """The form again with what was posted and each refusal beside its control."""
    token = values.get("token", "")
    panel = case_sending.panel(
        db,
        case=case,
        channel=case_sending.channel_of(values.get("channel")),
        values=values,
        errors=refusal.errors,
        token=token if refusal.errors.get("token") is None and token else None,
    )
    if is_htmx(request):
        return messages_panel(request, db, viewer, case, panel=panel)
    raise ResponseError(messages_panel(request, db, viewer, case, panel=panel, status_code=422))
