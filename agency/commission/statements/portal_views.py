"""The merchant's statements (``/portal/statements``): its own client's statements
only (another client's answer 404, as if they did not exist), each with its lines and
its PDF and CSV, and the money paid to us not yet remitted with the day it clears."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from agency.auth.models import Role, User
from agency.auth.permissions import require
from agency.clients import service as clients_service
from agency.commission.models import Statement
from agency.commission.statements import reading
from agency.commission.statements.views import download, statement_page
from agency.db import DbSession
from agency.kit.errors import NotFound
from agency.kit.params import RowId
from agency.kit.templates import render

router = APIRouter()
Merchant = Annotated[User, Depends(require(Role.MERCHANT))]
BASE = "/portal/statements"


def _own(db: DbSession, user: User, statement_id: int) -> Statement:
    found = reading.statement(db, statement_id, client_id=user.client_id or 0)
    if found is None:
        raise NotFound("statement")
    return found


@router.get(BASE)
def statements(request: Request, db: DbSession, user: Merchant) -> Response:
    client = clients_service.get_client(db, client_id=user.client_id or 0)
    if client is None:
        raise NotFound("client")
    waiting, waiting_count = reading.unremitted(db, client.id)
    context = {
        "client": client,
        "statements": reading.statements_of(db, client.id),
        "waiting": waiting,
        "waiting_count": waiting_count,
    }
    return render(request, "commission/statements/portal.html", context)


@router.get(f"{BASE}/{{statement_id}}")
def statement(request: Request, db: DbSession, user: Merchant, statement_id: RowId) -> Response:
    return statement_page(request, db, _own(db, user, statement_id), base=BASE, admin=False)


@router.get(f"{BASE}/{{statement_id}}/statement.pdf")
def statement_pdf(db: DbSession, user: Merchant, statement_id: RowId) -> Response:
    return download(db, _own(db, user, statement_id), "pdf")


@router.get(f"{BASE}/{{statement_id}}/statement.csv")
def statement_csv(db: DbSession, user: Merchant, statement_id: RowId) -> Response:
    return download(db, _own(db, user, statement_id), "csv")
