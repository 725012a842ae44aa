"""A case's messages, for the case page (an htmx swap on load) or alone: every text and
e-mail we sent or tried to send about the case and every text the consumer sent us,
newest first.

The case is found as the case page finds it (``cases_service.case_for_viewer``): a
merchant asking about another client's case gets the same 404 as for no case.  Merchants
see what happened (direction, channel, status, time); what was said, to which address,
and why the gate refused, are for staff, and so is the validation notice's part: when
it went, its kept PDFs, the E-SIGN consents, and (agents, supervisors, admins) the forms
that send it and record consents (``validation_notice_views``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from agency.auth.models import Role
from agency.auth.permissions import CurrentViewer, Viewer
from agency.cases import service as cases_service
from agency.cases.models import Case
from agency.compliance import service as compliance
from agency.db import DbSession
from agency.kit.errors import NotFound
from agency.kit.params import RowId
from agency.kit.templates import render
from agency.outreach import repository as repo
from agency.outreach import validation_notices
from agency.outreach.models import InboundMessage, MessageStatus, OutboxMessage
from agency.outreach.outbox_views import STATUS_CSS, masked

router = APIRouter()
# Who may send the validation notice and record E-SIGN consents from the panel.
NOTICE_SENDERS = (Role.ADMIN, Role.SUPERVISOR, Role.AGENT)

# The newest this many messages, both ways together (the Outbox lists every one sent).
LIMIT = 200
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


def _sent(message: OutboxMessage, *, staff: bool) -> CaseMessage:
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


@router.get("/cases/{case_id}/messages")
def case_messages(
    request: Request, db: DbSession, viewer: CurrentViewer, case_id: RowId
) -> Response:
    """The case's texts and e-mails, both ways, newest first (the case page's
    ``case-messages`` block, or a page of its own without JavaScript)."""
    case = cases_service.case_for_viewer(db, viewer=viewer, case_id=case_id)
    if case is None:
        raise NotFound("case")
    return messages_panel(request, db, viewer, case)


def messages_panel(
    request: Request,
    db: Session,
    viewer: Viewer,
    case: Case,
    *,
    notice: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    """The case's messages page (or its ``case-messages`` block), with the validation
    notice's part for staff; ``notice``: that part's form state after a post (its
    ``form``, ``values``, ``errors`` or ``done``)."""
    staff = not viewer.is_merchant
    sent = repo.messages_of_case(db, case.id, limit=LIMIT + 1)
    received = repo.inbound_of_case(db, case.id, limit=LIMIT + 1)
    # The newest LIMIT of both together are among the newest LIMIT of each.
    items = [_sent(m, staff=staff) for m in sent] + [_received(m, staff=staff) for m in received]
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
        },
        status_code=status_code,
    )
