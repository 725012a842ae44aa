"""The validation notice from the case's Messages panel: send it by letter or by
e-mail, record and withdraw the consumer's E-SIGN consents, and download a kept notice.

Each form posts here and gets the panel back (the ``case-messages`` block for htmx, the
messages page without JavaScript): with what was done, or with the refusal next to its
field — and then nothing of the post is kept (the request rolls back).  Sending and
consents are for agents, supervisors and admins; a kept notice is for staff who may see
the case, never for merchant users.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session
from starlette.responses import Response

from agency.auth.models import Role, User
from agency.auth.permissions import CurrentViewer, Viewer, require
from agency.cases import service as cases_service
from agency.cases.models import Case
from agency.compliance import service as compliance
from agency.db import DbSession
from agency.kit.errors import NotFound, ResponseError
from agency.kit.forms import BlankIsNone, FormError, PostedForm, form_values, parse
from agency.kit.params import RowId
from agency.kit.templates import is_htmx, when
from agency.outreach import esign, validation_notices
from agency.outreach.case_views import NOTICE_SENDERS, messages_panel

router = APIRouter()

Senders = Annotated[User, Depends(require(*NOTICE_SENDERS))]
Staff = Annotated[User, Depends(require(Role.ADMIN, Role.SUPERVISOR, Role.AGENT, Role.COMPLIANCE))]


class SendForm(BaseModel):
    """The send form: by letter to ``address_id``, or by e-mail to ``email_id`` (the
    other left blank); ``reason`` when a notice was already sent."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    by: Literal["letter", "email"]
    address_id: Annotated[int | None, BlankIsNone] = None
    email_id: Annotated[int | None, BlankIsNone] = None
    reason: Annotated[str | None, BlankIsNone] = None  # bounded by the service


class ConsentForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    contact_point_id: Annotated[int | None, BlankIsNone] = None
    how: Annotated[str | None, BlankIsNone] = None  # bounded by the service
    given_at: Annotated[datetime | None, BlankIsNone] = None


def _case(db: Session, viewer: Viewer, case_id: int) -> Case:
    case = cases_service.case_for_viewer(db, viewer=viewer, case_id=case_id)
    if case is None:
        raise NotFound("case")
    return case


def _post(
    request: Request,
    db: Session,
    viewer: Viewer,
    case_id: int,
    values: dict[str, str],
    *,
    form: str,
    run: Callable[[Case], str],
) -> Response:
    """Run one of the panel's forms and show the panel again; a refusal aborts the
    request (rolled back) with the form, its values and the error (422 for a page, 200
    for an htmx swap, which htmx would not do for a 4xx)."""
    case = _case(db, viewer, case_id)
    try:
        done = run(case)
    except FormError as exc:
        shown = {"form": form, "values": values, "errors": exc.errors}
        status = 200 if is_htmx(request) else 422
        raise ResponseError(
            messages_panel(request, db, viewer, case, notice=shown, status_code=status)
        ) from exc
    return messages_panel(request, db, viewer, case, notice={"done": done})


@router.post("/cases/{case_id}/validation-notice")
def send_validation_notice(
    request: Request,
    db: DbSession,
    viewer: CurrentViewer,
    posted: PostedForm,
    _: Senders,
    case_id: RowId,
) -> Response:
    """Queue the case's validation notice by letter or by e-mail (E-SIGN consent only)."""
    values = form_values(posted)

    def run(case: Case) -> str:
        sending = parse(SendForm, values)
        message = validation_notices.queue_notice(
            db,
            case=case,
            by=sending.by,
            contact_point_id=sending.address_id if sending.by == "letter" else sending.email_id,
            reason=sending.reason,
            by_user_id=viewer.user_id,
        )
        how = "letter" if sending.by == "letter" else "e-mail"
        if message.blocked_by:  # kept as the gate decided: a blocked attempt is evidence
            rules = (compliance.describe(rule) for rule in message.blocked_by)
            return f"The gate blocked the notice by {how}: " + "; ".join(
                f"{rule.title} ({rule.id}): {rule.plain}" for rule in rules
            )
        return f"The validation notice is on its way by {how}."

    return _post(request, db, viewer, case_id, values, form=f"send-{values.get('by')}", run=run)


@router.post("/cases/{case_id}/esign-consents")
def record_esign_consent(
    request: Request,
    db: DbSession,
    viewer: CurrentViewer,
    posted: PostedForm,
    _: Senders,
    case_id: RowId,
) -> Response:
    """Record the consumer's E-SIGN consent for one of their e-mail addresses."""
    values = form_values(posted)

    def run(case: Case) -> str:
        consent = parse(ConsentForm, values)
        given = consent.given_at
        if given is not None and given.tzinfo is None:
            given = given.replace(tzinfo=viewer.zone)
        esign.record_consent(
            db,
            consumer_id=case.consumer_id,
            contact_point_id=consent.contact_point_id or 0,
            how=consent.how or "",
            given_at=given,
            by_user_id=viewer.user_id,
        )
        return "E-SIGN consent recorded."

    return _post(request, db, viewer, case_id, values, form="consent", run=run)


@router.post("/cases/{case_id}/esign-consents/{consent_id}/withdraw")
def withdraw_esign_consent(
    request: Request,
    db: DbSession,
    viewer: CurrentViewer,
    posted: PostedForm,
    _: Senders,
    case_id: RowId,
    consent_id: RowId,
) -> Response:
    """Withdraw a consent (kept, with who withdrew it and when)."""

    def run(case: Case) -> str:
        consent = esign.withdraw_consent(
            db, consumer_id=case.consumer_id, consent_id=consent_id, by_user_id=viewer.user_id
        )
        return f"E-SIGN consent withdrawn ({when(consent.withdrawn_at, zone=viewer.zone)})."

    return _post(request, db, viewer, case_id, form_values(posted), form="withdraw", run=run)


@router.get("/cases/{case_id}/validation-notices/{document_id}.pdf")
def validation_notice_pdf(
    db: DbSession, viewer: CurrentViewer, _: Staff, case_id: RowId, document_id: RowId
) -> Response:
    """A kept validation notice, byte for byte as it went out."""
    case = _case(db, viewer, case_id)
    document = validation_notices.kept_notice(db, case_id=case.id, document_id=document_id)
    if document is None:
        raise NotFound("validation notice")
    return Response(
        document.content,
        media_type=document.content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{document.file_name}"',
            "Cache-Control": "no-store",
        },
    )
