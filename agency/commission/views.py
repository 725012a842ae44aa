"""The admin's fee schedule editor (``/admin/clients/{client}/contracts/{contract}/fees``):
the versions so far (who, when, why), and a form for the next version started from the
one in force, refused whole with each problem named; "Explain" shows which tier a
sample payment would take under the draft, and why, without publishing anything."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from agency.auth import service as auth_service
from agency.clients import service as clients_service
from agency.clients.models import Client, Contract
from agency.commission import repository as repo
from agency.commission import schedule_form as form
from agency.commission.rules import CaseFacts, NoTier, Rated, rate_payment
from agency.commission.scenario import schedule_of
from agency.commission.schedules import ScheduleRefused, publish
from agency.commission.web import Admin, today
from agency.db import DbSession
from agency.kit import flash
from agency.kit.errors import NotFound
from agency.kit.forms import PostedForm, form_values
from agency.kit.json_input import JsonInputError
from agency.kit.params import RowId
from agency.kit.scenarios import amount_at, format_amount
from agency.kit.templates import render

router = APIRouter()


def _contract(db: DbSession, client_id: int, contract_id: int) -> tuple[Client, Contract]:
    client = clients_service.get_client(db, client_id=client_id)
    contract = clients_service.get_contract(db, contract_id=contract_id)
    if client is None or contract is None or contract.client_id != client.id:
        raise NotFound("contract")
    return client, contract


def _page(
    request: Request,
    db: DbSession,
    client: Client,
    contract: Contract,
    values: dict[str, str],
    errors: dict[str, str],
    *,
    problems: list[str] | None = None,
    explained: Rated | None = None,
    status_code: int = 200,
) -> Response:
    versions = repo.versions_of(db, contract.id)
    authors = {
        u.id: u.full_name
        for u in auth_service.users_by_ids(
            db, sorted({v.created_by_id for v in versions if v.created_by_id is not None})
        )
    }
    context: dict[str, Any] = {
        "client": client,
        "contract": contract,
        "versions": versions,
        "authors": authors,
        "values": values,
        "errors": errors,
        "problems": problems or [],
        "explained": explained,
        "explained_commission": (
            format_amount(explained.commission_minor, contract.currency) if explained else None
        ),
        "rows": range(1, form.row_count(values) + 1),
        "field": form.field,
        "stages": form.STAGE_CHOICES,
        "remittances": form.REMITTANCE_CHOICES,
    }
    return render(request, "commission/fees.html", context, status_code=status_code)


@router.get("/admin/clients/{client_id}/contracts/{contract_id}/fees")
def fee_schedule(
    request: Request, db: DbSession, _: Admin, client_id: RowId, contract_id: RowId
) -> Response:
    client, contract = _contract(db, client_id, contract_id)
    day = today()
    current = repo.schedule_in_force(db, contract.id, day)
    values = form.values_of(current, f"{contract.contingency_rate:.3f}", day)
    return _page(request, db, client, contract, values, {})


@router.post("/admin/clients/{client_id}/contracts/{contract_id}/fees")
def publish_schedule(
    request: Request,
    posted: PostedForm,
    db: DbSession,
    user: Admin,
    client_id: RowId,
    contract_id: RowId,
) -> Response:
    client, contract = _contract(db, client_id, contract_id)
    values = form_values(posted)
    draft = form.read(values, contract.currency)
    if draft.errors:
        return _page(request, db, client, contract, values, draft.errors, status_code=422)
    if values.get("action") == "explain":
        return _explain(request, db, client, contract, values, draft)
    try:
        effective_from = date.fromisoformat(values.get("effective_from", ""))
    except ValueError:
        errors = {"effective_from": "must be a date"}
        return _page(request, db, client, contract, values, errors, status_code=422)
    try:
        version = publish(
            db,
            contract_id=contract.id,
            contract_currency=contract.currency,
            terms=draft.terms,
            effective_from=effective_from,
            today=today(),
            reason=values.get("reason", ""),
            by_user_id=user.id,
            clearing_card_days=draft.clearing_card_days,
            clearing_ach_days=draft.clearing_ach_days,
        )
    except ScheduleRefused as refused:
        errors = {form.field_of(refused.field, draft.rows): refused.message}
        problems = [p.message for p in refused.problems]
        return _page(
            request, db, client, contract, values, errors, problems=problems, status_code=422
        )
    return flash.redirect(
        f"/admin/clients/{client.id}/contracts/{contract.id}/fees",
        f"Fee schedule version {version.version} published, in force from "
        f"{version.effective_from.isoformat()}.",
    )


def _explain(
    request: Request,
    db: DbSession,
    client: Client,
    contract: Contract,
    values: dict[str, str],
    draft: form.Draft,
) -> Response:
    """Which tier the sample payment takes under the draft, and why."""
    errors: dict[str, str] = {}
    age_text = values.get("sample_age", "").strip()
    if not (age_text.isdigit() and len(age_text) <= 5):
        errors["sample_age"] = "must be a whole number of days"
    try:
        schedule = schedule_of(draft.terms, "schedule")
        balance = amount_at(values.get("sample_balance", ""), contract.currency, "sample_balance")
        amount = amount_at(values.get("sample_amount", ""), contract.currency, "sample_amount")
    except JsonInputError as exc:
        errors[form.field_of(exc.path, draft.rows)] = exc.reason
    if errors:
        return _page(request, db, client, contract, values, errors, status_code=422)
    day = today()
    case = CaseFacts(placed_on=day - timedelta(days=int(age_text)), placed_balance_minor=balance)
    try:
        rated = rate_payment(schedule, case, day, amount)
    except NoTier as exc:
        errors = {"sample_age": str(exc)}
        return _page(request, db, client, contract, values, errors, status_code=422)
    return _page(request, db, client, contract, values, {}, explained=rated)
