"""A client's case figures on the admin's client page: a cases' page, so clients (below
cases in the layers) imports no case — the client page loads its figures from here.
(The merchant's own accounts list is the reporting portal's, ``/portal/accounts``.)"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from agency.auth.models import Role, User
from agency.auth.permissions import CurrentViewer, require
from agency.cases import service
from agency.clients import service as clients_service
from agency.clients.models import Client
from agency.db import DbSession
from agency.kit.errors import NotFound
from agency.kit.params import RowId
from agency.kit.templates import render

router = APIRouter()


def _client_or_404(db: DbSession, client_id: int) -> Client:
    client = clients_service.get_client(db, client_id=client_id)
    if client is None:
        raise NotFound("client")
    return client


@router.get("/admin/clients/{client_id}/case-figures")
def client_figures(
    request: Request,
    db: DbSession,
    viewer: CurrentViewer,
    _: Annotated[User, Depends(require(Role.ADMIN))],
    client_id: RowId,
) -> Response:
    """Cases placed, open, and their amounts, for the client page (an htmx swap) or alone."""
    client = _client_or_404(db, client_id)
    return render(
        request,
        "cases/client_figures.html",
        {"client": client, "totals": service.totals(db, viewer=viewer, client_id=client.id)},
    )
