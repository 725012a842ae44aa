"""The Outbox, for admins and compliance officers: every text and e-mail the outbox
holds, newest first, filtered by status, channel, client, the day it was asked for and
the case's reference; and one message with the words it carried and its history.

A bad filter value is shown next to its field and above the table, with status 200 (a
filter bar is no form to refuse: the page still answers, with nothing listed).  Dates
are days on the viewer's clock, the zone the page shows its times in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from agency.auth import service as auth_service
from agency.auth.models import Role, User
from agency.auth.permissions import CurrentViewer, require
from agency.clients import service as clients_service
from agency.compliance import service as compliance
from agency.db import DbSession
from agency.kit.errors import NotFound
from agency.kit.forms import FormError, parse
from agency.kit.pagination import PageRequest
from agency.kit.params import MAX_ID, RowId
from agency.kit.templates import render
from agency.outreach import repository as repo
from agency.outreach import versions
from agency.outreach.models import MessageChannel, MessageStatus, OutboxMessage

router = APIRouter()
Readers = Annotated[User, Depends(require(Role.ADMIN, Role.COMPLIANCE))]

PAGE_SIZE = 50
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
LABELS = {
    "status": "Status",
    "channel": "Channel",
    "client_id": "Client",
    "since": "Created from",
    "until": "Created to",
    "reference": "Case reference",
    "version": "Template version",
    "page": "Page",
}
# A status's badge, in the stylesheet's colours: green delivered, red refused or lost,
# amber waiting for its time, blue on its way.
STATUS_CSS: dict[str, str] = {
    MessageStatus.PENDING: "new",
    MessageStatus.SENDING: "new",
    MessageStatus.SENT: "contacted",
    MessageStatus.DELIVERED: "decision-allowed",
    MessageStatus.UNDELIVERED: "decision-blocked",
    MessageStatus.FAILED: "decision-blocked",
    MessageStatus.BLOCKED: "decision-blocked",
    MessageStatus.DEFERRED: "hold",
}
# The contact point kind ``compliance.mask_contact`` masks a channel's address as.
_MASKED_AS = {
    MessageChannel.SMS: "phone",
    MessageChannel.VOICE: "phone",
    MessageChannel.EMAIL: "email",
    MessageChannel.LETTER: "address",
}


def masked(channel: MessageChannel, address: str | None) -> str:
    """An address a message went to (or came from), recognisable but not usable."""
    return compliance.mask_contact(_MASKED_AS[channel], address)


class OutboxQuery(BaseModel):
    """The Outbox's query string (blank values never arrive: ``kit.params``)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore", frozen=True)

    status: MessageStatus | None = None
    channel: MessageChannel | None = None
    client_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    since: date | None = Field(default=None, ge=EARLIEST, le=LATEST)
    until: date | None = Field(default=None, ge=EARLIEST, le=LATEST)
    reference: str | None = Field(default=None, max_length=64)
    # The template version the messages were made from (the template page's links).
    version: int | None = Field(default=None, ge=1, le=MAX_ID)
    page: int = Field(default=1, ge=1, le=1_000_000)


@dataclass(frozen=True, slots=True)
class OutboxRow:
    message: OutboxMessage
    reference: str
    client: str
    to: str
    rules: tuple[compliance.RuleDescription, ...]


def _start(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone)


def _filters(
    values: Mapping[str, str], clients: Mapping[int, str], zone: tzinfo
) -> tuple[OutboxQuery, repo.OutboxFilter]:
    """The query string as the repository's filter; a FormError names each bad field
    in a sentence."""
    try:
        query = parse(OutboxQuery, values)
    except FormError as exc:
        raise FormError(
            {name: f"{LABELS.get(name, name)} {message}." for name, message in exc.errors.items()}
        ) from exc
    if query.client_id is not None and query.client_id not in clients:
        raise FormError({"client_id": "Client: there is no such client."})
    if query.since and query.until and query.until < query.since:
        raise FormError({"until": "Created to must not be before Created from."})
    return query, repo.OutboxFilter(
        status=query.status,
        channel=query.channel,
        client_id=query.client_id,
        since=_start(query.since, zone) if query.since else None,
        until=_start(query.until + timedelta(days=1), zone) if query.until else None,
        reference=query.reference,
        version_id=query.version,
    )


def _version_shown(db: DbSession, version_id: int | None) -> str | None:
    """The gate id of the version the Outbox is narrowed to (FormError: no such one)."""
    if version_id is None:
        return None
    found = repo.version_with_template(db, version_id)
    if found is None:
        raise FormError({"version": "Template version: there is no such version."})
    template, version = found
    return versions.gate_id(template, version.version)


@router.get("/outbox")
def outbox(request: Request, db: DbSession, _: Readers, viewer: CurrentViewer) -> Response:
    """The messages, newest first, one page at a time; an htmx request targeting
    ``outbox-table`` gets the results alone."""
    values = dict(request.query_params)
    clients = {client.id: client.name for client in clients_service.all_clients(db)}
    errors: dict[str, str] = {}
    rows: list[OutboxRow] = []
    page = None
    version = None
    try:
        query, filters = _filters(values, clients, viewer.zone)
        version = _version_shown(db, query.version)
        page = repo.outbox_page(db, filters, PageRequest(page=query.page, size=PAGE_SIZE))
        references = repo.case_references(db, [m.case_id for m in page.items])
        rows = [
            OutboxRow(
                message=message,
                reference=references.get(message.case_id, str(message.case_id)),
                client=clients.get(message.client_id, f"client {message.client_id}"),
                to=masked(message.channel, message.to_address),
                rules=tuple(compliance.describe(rule) for rule in message.blocked_by),
            )
            for message in page.items
        ]
    except FormError as exc:
        errors = exc.errors
    return render(
        request,
        "outreach/outbox.html",
        {
            "values": values,
            "errors": errors,
            "page": page,
            "rows": rows,
            "version": version,
            "status_css": STATUS_CSS,
            "options": _options(clients),
        },
    )


def _options(clients: Mapping[int, str]) -> dict[str, list[tuple[Any, str]]]:
    """The filter bar's choices, as (value, text) pairs."""
    return {
        "statuses": [(status.value, status.value) for status in MessageStatus],
        "channels": [(channel.value, channel.value) for channel in MessageChannel],
        "clients": sorted(clients.items(), key=lambda item: item[1].casefold()),
    }


@router.get("/outbox/{message_id}")
def outbox_message(request: Request, db: DbSession, _: Readers, message_id: RowId) -> Response:
    """One message: what it said as sent (an e-mail's HTML part as escaped source, never
    rendered), where it went, its provider's ids, and every step of its history."""
    message = repo.message(db, message_id)
    if message is None:
        raise NotFound("message")
    sender = auth_service.get_user(db, user_id=message.by_user_id) if message.by_user_id else None
    client = clients_service.get_client(db, client_id=message.client_id)
    return render(
        request,
        "outreach/message.html",
        {
            "message": message,
            "reference": repo.case_references(db, [message.case_id]).get(message.case_id, ""),
            "client": client.name if client else f"client {message.client_id}",
            "to": masked(message.channel, message.to_address),
            "by": sender.full_name if sender else "the system",
            "rules": [compliance.describe(rule) for rule in message.blocked_by],
            "events": repo.events_of(db, [message.id]),
            "status_css": STATUS_CSS,
        },
    )
