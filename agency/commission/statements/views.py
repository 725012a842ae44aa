"""The admin's statements of a client (``/admin/clients/{client}/statements``): how the
client is remitted and how often, its periods (open the first, close, re-open with a
reason) with their statements; and one statement (``/admin/statements/{id}``) with its
totals, its first lines and its PDF and CSV."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from starlette.responses import Response

from agency.clients import service as clients_service
from agency.clients.models import Client
from agency.commission.kinds import AccountType, Frequency, PeriodStatus, RemittanceMethod
from agency.commission.models import Statement
from agency.commission.nacha import SEC_CODES
from agency.commission.refusals import StatementRefused
from agency.commission.statements import periods, reading
from agency.commission.statements.downloads import csv_body, pdf_body
from agency.commission.statements.lines import printed_lines
from agency.commission.statements.remittance_settings import (
    RemittanceInput,
    masked_account,
    save_settings,
    settings_of,
)
from agency.commission.statements.summary import Summary, summary_of
from agency.commission.web import Admin, sentence, today
from agency.db import DbSession
from agency.kit import flash
from agency.kit.errors import NotFound
from agency.kit.forms import PostedForm, form_values
from agency.kit.params import RowId
from agency.kit.templates import render

router = APIRouter()
LINES_SHOWN = 200
FREQUENCIES = [(f.value, f.value) for f in Frequency]
METHODS = [(RemittanceMethod.ACH.value, "ACH credit"), (RemittanceMethod.CHEQUE.value, "cheque")]
ACCOUNT_TYPES = [(a.value, a.value) for a in AccountType]
SEC_CHOICES = [("CCD", "CCD: a business account"), ("PPD", "PPD: a personal account")]
assert [code for code, _ in SEC_CHOICES] == list(SEC_CODES)


def _client(db: DbSession, client_id: int) -> Client:
    client = clients_service.get_client(db, client_id=client_id)
    if client is None:
        raise NotFound("client")
    return client


def _page(
    request: Request,
    db: DbSession,
    client: Client,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    settings = settings_of(db, client.id)
    if values is None:
        values = {"frequency": Frequency.MONTHLY.value, "method": RemittanceMethod.ACH.value}
        values |= {"starts_on": today().replace(day=1).isoformat(), "sec_code": "CCD"}
        if settings is not None:
            values |= {
                "frequency": settings.frequency.value,
                "method": settings.method.value,
                "account_name": settings.account_name,
                "routing_number": settings.routing_number,
                "account_type": settings.account_type.value,
                "sec_code": settings.sec_code,
                "cheque_payee": settings.cheque_payee,
                "cheque_address": settings.cheque_address,
            }
    shown = reading.periods_shown(db, client.id)
    closed = [p for p in shown if p.period.status is PeriodStatus.CLOSED]
    context: dict[str, Any] = {
        "client": client,
        "settings": settings,
        "account_shown": masked_account(settings.account_number) if settings else "",
        "values": values,
        "errors": errors or {},
        "periods": shown,
        "latest_closed_id": max((p.period.starts_on, p.period.id) for p in closed)[1]
        if closed
        else None,
        "first_open_id": min(
            (
                (p.period.starts_on, p.period.id)
                for p in shown
                if p.period.status is PeriodStatus.OPEN
            ),
            default=(None, None),
        )[1],
        "today": today(),
        "frequencies": FREQUENCIES,
        "methods": METHODS,
        "account_types": ACCOUNT_TYPES,
        "sec_codes": SEC_CHOICES,
    }
    return render(request, "commission/statements/client.html", context, status_code=status_code)


@router.get("/admin/clients/{client_id}/statements")
def client_statements(request: Request, db: DbSession, _: Admin, client_id: RowId) -> Response:
    return _page(request, db, _client(db, client_id))


@router.post("/admin/clients/{client_id}/remittance")
def save_remittance(
    request: Request, posted: PostedForm, db: DbSession, user: Admin, client_id: RowId
) -> Response:
    client = _client(db, client_id)
    values = form_values(posted)
    fields = {name: values.get(name, "") for name in RemittanceInput.__dataclass_fields__}
    try:
        save_settings(db, client_id=client.id, values=RemittanceInput(**fields), by_user_id=user.id)
    except StatementRefused as refused:
        errors = {refused.field: refused.message}
        return _page(request, db, client, values=values, errors=errors, status_code=422)
    return flash.redirect(f"/admin/clients/{client.id}/statements", "Remittance settings saved.")


@router.post("/admin/clients/{client_id}/periods")
def open_first_period(
    request: Request, posted: PostedForm, db: DbSession, _: Admin, client_id: RowId
) -> Response:
    client = _client(db, client_id)
    values = form_values(posted)
    try:
        starts_on = date.fromisoformat(values.get("starts_on", ""))
    except ValueError:
        errors = {"starts_on": "must be a date"}
        return _page(request, db, client, values=values, errors=errors, status_code=422)
    try:
        period = periods.open_first(db, client_id=client.id, starts_on=starts_on, today=today())
    except StatementRefused as refused:
        errors = {refused.field: refused.message}
        return _page(request, db, client, values=values, errors=errors, status_code=422)
    return flash.redirect(
        f"/admin/clients/{client.id}/statements",
        f"Period {period.starts_on.isoformat()} to {period.ends_on.isoformat()} opened.",
    )


@router.post("/admin/clients/{client_id}/periods/{period_id}/close")
def close_period(
    request: Request, db: DbSession, user: Admin, client_id: RowId, period_id: RowId
) -> Response:
    client = _client(db, client_id)
    try:
        issued = periods.close(
            db,
            client_id=client.id,
            period_id=period_id,
            client_currency=client.currency,
            today=today(),
            by_user_id=user.id,
        )
    except StatementRefused as refused:
        errors = {"__all__": f"Not closed: {sentence(refused)}"}
        return _page(request, db, client, errors=errors, status_code=409)
    references = ", ".join(s.reference for s in issued)
    return flash.redirect(
        f"/admin/clients/{client.id}/statements", f"Period closed: statement {references} issued."
    )


@router.post("/admin/clients/{client_id}/periods/{period_id}/reopen")
def reopen_period(
    request: Request,
    posted: PostedForm,
    db: DbSession,
    user: Admin,
    client_id: RowId,
    period_id: RowId,
) -> Response:
    client = _client(db, client_id)
    values = form_values(posted)
    try:
        periods.reopen(
            db,
            client_id=client.id,
            period_id=period_id,
            reason=values.get("reason", ""),
            by_user_id=user.id,
        )
    except StatementRefused as refused:
        field = "reason" if refused.field == "reason" else "__all__"
        message = refused.message if field == "reason" else f"The period {refused.message}."
        return _page(request, db, client, values=values, errors={field: message}, status_code=422)
    return flash.redirect(
        f"/admin/clients/{client.id}/statements",
        "Period re-opened: close it again to issue the statement that replaces the first.",
    )


def statement_summary(db: DbSession, statement: Statement) -> Summary:
    client = clients_service.get_client(db, client_id=statement.client_id)
    period = next(
        p.period
        for p in reading.periods_shown(db, statement.client_id)
        if p.period.id == statement.period_id
    )
    replaces = reading.reference_of(db, statement.replaces_id)
    return summary_of(statement, period, client.name if client else "", replaces)


def statement_page(
    request: Request, db: DbSession, statement: Statement, *, base: str, admin: bool
) -> Response:
    summary = statement_summary(db, statement)
    lines = []
    for line in printed_lines(db, statement.id, statement.currency):
        if line.number > LINES_SHOWN:
            break
        lines.append(line)
    context = {
        "statement": statement,
        "summary": summary,
        "lines": lines,
        "more": statement.lines > LINES_SHOWN,
        "payout": reading.payout_of(db, statement.id),
        "base": base,
        "admin": admin,
    }
    return render(request, "commission/statements/statement.html", context)


def download(db: DbSession, statement: Statement, kind: str) -> Response:
    summary = statement_summary(db, statement)
    engine = db.get_bind()
    name = f"statement-{statement.reference}.{kind}"
    body = csv_body if kind == "csv" else pdf_body
    return StreamingResponse(
        body(engine, statement.id, summary),  # type: ignore[arg-type]
        media_type="text/csv; charset=utf-8" if kind == "csv" else "application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


def _statement(db: DbSession, statement_id: int) -> Statement:
    statement = reading.statement(db, statement_id)
    if statement is None:
        raise NotFound("statement")
    return statement


@router.get("/admin/statements/{statement_id}")
def admin_statement(request: Request, db: DbSession, _: Admin, statement_id: RowId) -> Response:
    return statement_page(
        request, db, _statement(db, statement_id), base="/admin/statements", admin=True
    )


@router.get("/admin/statements/{statement_id}/statement.pdf")
def admin_statement_pdf(db: DbSession, _: Admin, statement_id: RowId) -> Response:
    return download(db, _statement(db, statement_id), "pdf")


@router.get("/admin/statements/{statement_id}/statement.csv")
def admin_statement_csv(db: DbSession, _: Admin, statement_id: RowId) -> Response:
    return download(db, _statement(db, statement_id), "csv")
