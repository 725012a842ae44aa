"""Client sender profiles, for admins: per client, the e-mail From name and address, the
Reply-To and its own pool of numbers for texts; a client without one sends as the
agency (``senders.sender_of``)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from agency.auth.models import Role, User
from agency.auth.permissions import require
from agency.clients import service as clients_service
from agency.clients.models import Client
from agency.db import DbSession
from agency.kit import flash
from agency.kit.errors import NotFound
from agency.kit.forms import PostedForm, submit
from agency.kit.params import RowId
from agency.kit.templates import render
from agency.outreach import repository as repo
from agency.outreach import senders
from agency.outreach.schemas import MAX_NUMBERS, SenderForm

router = APIRouter(prefix="/outreach/senders")
Admin = Annotated[User, Depends(require(Role.ADMIN))]


def _client_or_404(db: DbSession, client_id: int) -> Client:
    client = clients_service.get_client(db, client_id=client_id)
    if client is None:
        raise NotFound("client")
    return client


@router.get("")
def sender_list(request: Request, db: DbSession, _: Admin) -> Response:
    """Every client with whom its messages come from."""
    profiles = repo.client_senders(db)
    clients = sorted(clients_service.all_clients(db), key=lambda client: client.name.casefold())
    agency = senders.agency_sender()
    return render(
        request,
        "outreach/senders.html",
        {"clients": clients, "profiles": profiles, "agency": agency, "client": None},
    )


def _form(
    request: Request,
    values: Mapping[str, str],
    errors: Mapping[str, str] | None = None,
    *,
    client: Client,
    has_profile: bool,
) -> Response:
    return render(
        request,
        "outreach/senders.html",
        {
            "client": client,
            "values": values,
            "errors": errors or {},
            "has_profile": has_profile,
            "max_numbers": MAX_NUMBERS,
        },
    )


@router.get("/{client_id}")
def edit_sender(request: Request, db: DbSession, _: Admin, client_id: RowId) -> Response:
    client = _client_or_404(db, client_id)
    own = repo.client_senders(db).get(client.id)
    values = (
        {
            "email_from_name": own.email_from_name,
            "email_from_address": own.email_from_address,
            "reply_to": own.reply_to or "",
            "sms_numbers": "\n".join(own.sms_numbers),
        }
        if own is not None
        else {"email_from_name": client.name}
    )
    return _form(request, values, client=client, has_profile=own is not None)


@router.post("/{client_id}")
def save_sender(
    request: Request, posted: PostedForm, db: DbSession, _: Admin, client_id: RowId
) -> Response:
    """Save the profile, or answer the form again with each bad field named (422)."""
    client = _client_or_404(db, client_id)
    has_profile = client.id in repo.client_senders(db)
    submit(
        posted,
        SenderForm,
        lambda data: senders.save_sender(db, client_id=client.id, data=data),
        partial(_form, request, client=client, has_profile=has_profile),
    )
    return flash.redirect("/outreach/senders", f"{client.name}'s sender saved.")


@router.post("/{client_id}/clear")
def clear_sender(request: Request, db: DbSession, _: Admin, client_id: RowId) -> Response:
    client = _client_or_404(db, client_id)
    cleared = senders.clear_sender(db, client_id=client.id)
    message = (
        f"{client.name} now sends as the agency."
        if cleared
        else f"{client.name} had no sender of its own: it sends as the agency."
    )
    return flash.redirect("/outreach/senders", message)
