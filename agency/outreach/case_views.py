"""A case's messages, for the case page (an htmx swap on load) or alone: every text and
e-mail we sent or tried to send about the case and every text the consumer sent us,
newest first.

The case is found as the case page finds it (``cases_service.case_for_viewer``): a
merchant asking about another client's case gets the same 404 as for no case.  Merchants
see what happened (direction, channel, status, time); what was said, to which address,
and why the gate refused, are for staff, and so are the validation notice's part (when
it went, its kept PDFs, the E-SIGN consents, and for agents, supervisors and admins the
forms that send it and record consents: ``validation_notice_views``), a letter's PDF
(``/cases/{id}/documents/{document_id}``, the document of one of this case's messages)
and recording that a letter came back in the post ("Returned": admins, supervisors and
agents).  Whoever may work the case (``may_send``) gets the send form above the list
(``case_sending``, its routes in ``send_views``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from agency.auth.models import Role, User
from agency.auth.permissions import CurrentViewer, Viewer, require
from agency.cases import service as cases_service
from agency.cases.models import Case
from agency.compliance import service as compliance
from agency.db import DbSession
from agency.kit import clock
from agency.kit.errors import NotFound, ResponseError
from agency.kit.forms import PostedForm, form_values
from agency.kit.params import RowId
from agency.kit.templates import is_htmx, render
from agency.outreach import case_sending, outbox, validation_notices
from agency.outreach import repository as repo
from agency.outreach.letter_views import download
from agency.outreach.letters import WAITING
from agency.outreach.models import (
    Document,
    InboundMessage,
    MessageChannel,
    MessageStatus,
    OutboxMessage,
)
from agency.outreach.outbox_views import STATUS_CSS, masked

router = APIRouter()
Staff = Annotated[User, Depends(require(Role.ADMIN, Role.SUPERVISOR, Role.AGENT, Role.COMPLIANCE))]
# Who may send the validation notice, record E-SIGN consents and returned letters.
NOTICE_SENDERS = (Role.ADMIN, Role.SUPERVISOR, Role.AGENT)
Returners = Annotated[User, Depends(require(*NOTICE_SENDERS))]
# What a returned letter's reason may hold (the post's words, "moved, left no address").
REASON_MAX = 200

# The newest this many messages, both ways together (the Outbox lists every one sent).
LIMIT = 200
POLL_SECONDS = 3
# How long the page follows a message that has not reached a final status.
FOLLOW_FOR = timedelta(minutes=10)
MEANINGS = {
    "stop": "STOP: no more texts to this number",
    "start": "START: texts to this number again",
    "help": "HELP: the help text was sent back",
    "reply": "a reply, for the agent",
}


@dataclass(frozen=True, slots=True)
class CaseMessage:
    """One line of the case's messages.  What only staff may read (``address``,
    ``subject``, ``body``, ``meaning``, ``rules``, ``next_try_at``) is None or empty
    for a merchant."""

    id: int
    at: datetime  # when it was asked for, or received
    direction: str  # "out" or "in"
    channel: str
    status: str
    status_at: datetime
    css: str
    address: str | None = None
    subject: str | None = None
    body: str | None = None
    meaning: str | None = None
    rules: tuple[compliance.RuleDescription, ...] = ()
    next_try_at: datetime | None = None
    document_id: int | None = None  # a letter's PDF as printed
    waiting_for_batch: bool = False  # a letter made, waiting for the print batch
    returnable: bool = False  # a letter printed: may be recorded as returned mail


def _sent(message: OutboxMessage, *, staff: bool, document: Document | None = None) -> CaseMessage:
    shown = CaseMessage(
        id=message.id,
        at=message.created_at,
        direction="out",
        channel=message.channel.value,
        status=message.status.value,
        status_at=message.status_at,
        css=STATUS_CSS[message.status],
    )
    if not staff:
        return shown
    return replace(
        shown,
        address=masked(message.channel, message.to_address),
        subject=message.subject,
        body=message.body,
        rules=tuple(compliance.describe(rule) for rule in message.blocked_by),
        next_try_at=message.next_try_at if message.status is MessageStatus.DEFERRED else None,
        document_id=document.id if document is not None else None,
        waiting_for_batch=message.status is MessageStatus.SENDING
        and message.provider_status == WAITING,
        returnable=message.channel is MessageChannel.LETTER
        and message.status is MessageStatus.SENT,
    )


def _received(message: InboundMessage, *, staff: bool) -> CaseMessage:
    return CaseMessage(
        id=message.id,
        at=message.received_at,
        direction="in",
        channel=message.channel.value,
        status="received",
        status_at=message.received_at,
        css="contacted",
        address=masked(message.channel, message.from_address) if staff else None,
        body=message.body if staff else None,
        meaning=MEANINGS.get(message.meaning, message.meaning) if staff else None,
    )


def _on_its_way(message: OutboxMessage, now: datetime) -> bool:
    """Whether the page should keep following ``message``: lately moved, and some news
    of it still to come — not a deferred one (hours perhaps), a letter waiting for its
    print batch or printed, or an e-mail the mail server took (no report follows)."""
    if now - message.status_at > FOLLOW_FOR:
        return False
    if message.status is MessageStatus.PENDING:
        return True
    if message.status is MessageStatus.SENDING:
        return message.provider_status != WAITING
    return (
        message.status is MessageStatus.SENT
        and message.channel is not MessageChannel.LETTER
        and message.provider != "smtp"
    )


@router.get("/cases/{case_id}/messages")
def case_messages(
    request: Request, db: DbSession, viewer: CurrentViewer, case_id: RowId
) -> Response:
    """The case's texts, e-mails and letters, both ways, newest first (the case page's
    ``case-messages`` block, or a page of its own without JavaScript), with the send
    form for whoever may work the case; the list alone (``case-message-list``) while
    the page follows messages on their way."""
    return messages_panel(request, db, viewer, _case(db, viewer, case_id))


def _case(db: DbSession, viewer: Viewer, case_id: int) -> Case:
    case = cases_service.case_for_viewer(db, viewer=viewer, case_id=case_id)
    if case is None:
        raise NotFound("case")
    return case


def may_send(db: Session, viewer: Viewer, case: Case) -> bool:
    """Whoever may work the case (its actions panel) may send from it."""
    return not viewer.is_merchant and cases_service.may_work(db, viewer=viewer, case=case)


def messages_panel(
    request: Request,
    db: Session,
    viewer: Viewer,
    case: Case,
    *,
    notice: dict[str, Any] | None = None,
    errors: dict[int, str] | None = None,
    reasons: dict[int, str] | None = None,
    panel: case_sending.Panel | None = None,
    status_code: int = 200,
) -> Response:
    """The case's messages page (or its ``case-messages`` block, or the list alone,
    ``case-message-list``, or the send form's ``send-panel``), with the validation
    notice's part for staff; ``notice``: that part's form state after a post (its
    ``form``, ``values``, ``errors`` or ``done``); ``errors`` and ``reasons``: a
    returned-letter form's, by message; ``panel``: the send form's after a post, else
    a fresh one (a text) for whoever may send."""
    if panel is None and may_send(db, viewer, case):
        panel = case_sending.panel(db, case=case, channel=MessageChannel.SMS)
    staff = not viewer.is_merchant
    now = clock.now()
    sent = repo.messages_of_case(db, case.id, limit=LIMIT + 1)
    received = repo.inbound_of_case(db, case.id, limit=LIMIT + 1)
    documents = repo.printed_documents(db, [m.id for m in sent]) if staff else {}
    # The newest LIMIT of both together are among the newest LIMIT of each.
    items = [_sent(m, staff=staff, document=documents.get(m.id)) for m in sent]
    items += [_received(m, staff=staff) for m in received]
    items.sort(key=lambda item: (item.at, item.direction == "in", item.id), reverse=True)
    return render(
        request,
        "outreach/case_messages.html",
        {
            "case": case,
            "items": items[:LIMIT],
            "more": len(items) > LIMIT,
            "outbox_reader": viewer.role in (Role.ADMIN, Role.COMPLIANCE),
            "validation": validation_notices.panel(db, case=case) if staff else None,
            "notice_sender": viewer.role in NOTICE_SENDERS,
            "notice": {"form": None, "values": {}, "errors": {}, "done": None, **(notice or {})},
            "may_return": viewer.role in NOTICE_SENDERS,
            "errors": errors or {},
            "reasons": reasons or {},
            "reason_max": REASON_MAX,
            # Refreshed every few seconds while a message is on its way.
            "following": any(_on_its_way(m, now) for m in sent[:LIMIT]),
            "panel": panel,
            "poll_seconds": POLL_SECONDS,
        },
        status_code=status_code,
    )


@router.get("/cases/{case_id}/documents/{document_id}")
def case_document(
    db: DbSession, _: Staff, viewer: CurrentViewer, case_id: RowId, document_id: RowId
) -> Response:
    """A document of the case (a letter's PDF as printed, a validation notice), as a
    download; 404 for a document of another case."""
    case = _case(db, viewer, case_id)
    document = repo.document(db, document_id)
    if document is None or document.case_id != case.id:
        raise NotFound("document")
    return download(document)


@router.post("/cases/{case_id}/messages/{message_id}/returned")
def letter_returned(
    request: Request,
    db: DbSession,
    user: Returners,
    viewer: CurrentViewer,
    posted: PostedForm,
    case_id: RowId,
    message_id: RowId,
) -> Response:
    """A letter of the case came back in the post: undelivered, and its address "do not
    use" with the reason (required; shown by the letter when missing)."""
    case = _case(db, viewer, case_id)
    reason = " ".join(form_values(posted).get("reason", "").split())
    message = repo.message(db, message_id)
    if (
        message is None
        or message.case_id != case.id
        or message.channel is not MessageChannel.LETTER
    ):
        raise NotFound("letter")
    problem = None
    if not reason:
        problem = "Reason is required: say why the letter came back."
    elif len(reason) > REASON_MAX:
        problem = f"Reason must be at most {REASON_MAX} characters."
    if problem is None:
        try:
            outbox.record_returned(
                db,
                message_id=message.id,
                reason=reason,
                actor_id=user.id,
                source=compliance.Source.AGENT,
            )
        except outbox.NotReturnable:
            problem = "This letter has not been printed yet, so it cannot have come back."
    if problem is not None:
        raise ResponseError(
            messages_panel(
                request,
                db,
                viewer,
                case,
                errors={message.id: problem},
                reasons={message.id: reason[: REASON_MAX + 1]},
                status_code=422,
            )
        )
    if is_htmx(request):
        return messages_panel(request, db, viewer, case)
    return RedirectResponse(f"/cases/{case.id}/messages", status_code=303)
