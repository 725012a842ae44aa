"""The admin's trust account (``/admin/trust``): the bank's statement imported, the
three-way reconciliation for a span of days (every difference with its date and
amount, deposits later than their state's deadline, each client's balance both ways),
and our commission moved to operating — refused the other way round."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import PurePath
from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile
from starlette.responses import Response

from agency.clients import service as clients_service
from agency.commission.bank_statement import MAX_BYTES, StatementError
from agency.commission.refusals import StatementRefused
from agency.commission.trust import imports, ledger, report
from agency.commission.web import Admin, sentence, today
from agency.config import get_settings
from agency.db import DbSession
from agency.kit import flash
from agency.kit.forms import PostedForm, form_values
from agency.kit.money import Money, MoneyError
from agency.kit.templates import render

router = APIRouter()
URL = "/admin/trust"
IMPORT_ROUTE = f"{URL}/statements"
DIRECTIONS = [
    (ledger.TRUST_TO_OPERATING, "trust → operating (our commission)"),
    (ledger.OPERATING_TO_TRUST, "operating → trust"),
]


def _span(values: dict[str, str]) -> tuple[date, date, dict[str, str]]:
    """The span asked for (the last 30 days by default), and the errors of its fields."""
    last = today()
    errors: dict[str, str] = {}
    try:
        ends_on = date.fromisoformat(values["to"]) if values.get("to") else last
    except ValueError:
        ends_on, errors["to"] = last, "must be a date"
    try:
        starts_on = (
            date.fromisoformat(values["from"])
            if values.get("from")
            else ends_on - timedelta(days=29)
        )
    except ValueError:
        starts_on, errors["from"] = ends_on - timedelta(days=29), "must be a date"
    return starts_on, ends_on, errors


def _page(
    request: Request,
    db: DbSession,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    values = dict(values or {})
    starts_on, ends_on, span_errors = _span(values)
    errors = {**span_errors, **(errors or {})}
    values.setdefault("from", starts_on.isoformat())
    values.setdefault("to", ends_on.isoformat())
    values.setdefault("on", today().isoformat())
    shown = None
    try:
        shown = report.trust_report(db, starts_on=starts_on, ends_on=ends_on, today=today())
    except StatementRefused as refused:
        errors[refused.field if refused.field != "ends_on" else "to"] = refused.message
    clients = clients_service.all_clients(db)
    context: dict[str, Any] = {
        "values": values,
        "errors": errors,
        "report": shown,
        "names": {c.id: c.name for c in clients},
        "currency_of": {c.id: c.currency for c in clients},
        "clients": [(str(c.id), c.name) for c in clients],
        "directions": DIRECTIONS,
        "trust_currency": get_settings().trust_currency,
        "imports": imports.recent(db),
    }
    return render(request, "commission/trust/trust.html", context, status_code=status_code)


@router.get(URL)
def trust(request: Request, db: DbSession, _: Admin) -> Response:
    return _page(request, db, values=dict(request.query_params))


@router.post(IMPORT_ROUTE)
def import_bank_statement(
    request: Request, posted: PostedForm, db: DbSession, user: Admin
) -> Response:
    upload = posted.get("file")
    values = {k: v for k, v in form_values(posted).items() if k != "file"}
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _page(
            request,
            db,
            values=values,
            errors={"file": "choose the bank's CSV or BAI2 file"},
            status_code=422,
        )
    upload.file.seek(0)
    data = upload.file.read(MAX_BYTES + 1)
    name = PurePath(upload.filename).name
    try:
        kept = imports.import_statement(
            db,
            data=data,
            file_name=name,
            account=values.get("account", "").strip() or None,
            by_user_id=user.id,
        )
    except StatementError as exc:
        return _page(
            request,
            db,
            values=values,
            errors={"file": f"{name}, {exc.where}: {exc.message}"},
            status_code=422,
        )
    except StatementRefused as refused:
        return _page(request, db, values=values, errors={"file": refused.message}, status_code=422)
    return flash.redirect(
        f"{URL}?from={min(kept.first_on, kept.last_on - timedelta(days=29))}&to={kept.last_on}",
        f"{kept.lines} lines imported from {name} ({kept.first_on} to {kept.last_on}).",
    )


@router.post(f"{URL}/transfers")
def record_transfer(request: Request, posted: PostedForm, db: DbSession, user: Admin) -> Response:
    values = form_values(posted)
    client = (
        clients_service.get_client(db, client_id=int(values["client_id"]))
        if values.get("client_id", "").isdigit() and len(values["client_id"]) < 19
        else None
    )
    if client is None:
        return _page(
            request, db, values=values, errors={"client_id": "choose a client"}, status_code=422
        )
    try:
        amount = Money.from_major(values.get("amount", "") or "0", client.currency).minor
    except MoneyError as exc:
        return _page(request, db, values=values, errors={"amount": str(exc)}, status_code=422)
    try:
        on = date.fromisoformat(values.get("on", ""))
    except ValueError:
        return _page(request, db, values=values, errors={"on": "must be a date"}, status_code=422)
    try:
        ledger.record_transfer(
            db,
            client_id=client.id,
            currency=client.currency,
            direction=values.get("direction", ""),
            amount_minor=amount,
            on=on,
            today=today(),
            reference=values.get("reference", ""),
            by_user_id=user.id,
        )
    except StatementRefused as refused:
        return _page(
            request,
            db,
            values=values,
            errors={
                refused.field: refused.message,
                "__all__": f"Not recorded: {sentence(refused)}",
            },
            status_code=422,
        )
    return flash.redirect(URL, f"Commission moved to operating for {client.name}.")
