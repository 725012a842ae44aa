"""The admin's remittances (``/admin/remittances``): every remittance due or sent, an
ACH file written for the chosen ones paid by ACH, a cheque run for those paid by
cheque, the files written so far (downloaded again as written), and each remittance
marked paid with the bank's reference."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from agency.clients import service as clients_service
from agency.commission.kinds import RemittanceMethod, RemittanceStatus
from agency.commission.refusals import StatementRefused
from agency.commission.statements import payouts, reading
from agency.commission.web import Admin, sentence, today
from agency.db import DbSession
from agency.kit import clock, flash
from agency.kit.errors import NotFound
from agency.kit.forms import PostedForm, form_values
from agency.kit.params import RowId
from agency.kit.templates import render

router = APIRouter()
URL = "/admin/remittances"


def _page(
    request: Request,
    db: DbSession,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    chosen: set[int] | None = None,
    status_code: int = 200,
) -> Response:
    rows = payouts.due(db)
    names = {c.id: c.name for c in clients_service.all_clients(db)}
    day = today().isoformat()
    context: dict[str, Any] = {
        "rows": rows,
        "names": names,
        "files": reading.files(db),
        "values": values or {"effective_on": day, "mailed_on": day, "paid_on": day},
        "errors": errors or {},
        "chosen": chosen,
        "DUE": RemittanceStatus.DUE,
        "ACH": RemittanceMethod.ACH,
        "CHEQUE": RemittanceMethod.CHEQUE,
    }
    return render(
        request, "commission/statements/remittances.html", context, status_code=status_code
    )


@router.get(URL)
def remittances(request: Request, db: DbSession, _: Admin) -> Response:
    return _page(request, db)


def _chosen(posted: PostedForm) -> list[int]:
    return [
        int(v)
        for v in posted.getlist("payout")
        if isinstance(v, str) and v.isdigit() and len(v) < 19
    ]


def _day(values: dict[str, str], name: str) -> date | None:
    try:
        return date.fromisoformat(values.get(name, ""))
    except ValueError:
        return None


def _write(
    request: Request,
    posted: PostedForm,
    db: DbSession,
    day_field: str,
    write: Callable[[list[int], date], payouts.Written],
    refused_as: str,
) -> payouts.Written | Response:
    """Write a file for the chosen remittances, or the page again with why not."""
    values, chosen = form_values(posted), _chosen(posted)
    day = _day(values, day_field)
    errors = {day_field: "must be a date"}
    if day is not None:
        try:
            return write(chosen, day)
        except StatementRefused as refused:
            errors = {"__all__": f"{refused_as}: {sentence(refused)}"}
    return _page(request, db, values=values, errors=errors, chosen=set(chosen), status_code=422)


@router.post(f"{URL}/ach")
def write_ach_file(request: Request, posted: PostedForm, db: DbSession, user: Admin) -> Response:
    def write(chosen: list[int], day: date) -> payouts.Written:
        return payouts.write_ach(
            db, payout_ids=chosen, effective_on=day, now=clock.now(), by_user_id=user.id
        )

    written = _write(request, posted, db, "effective_on", write, "No ACH file written")
    if isinstance(written, Response):
        return written
    files = ", ".join(f"file {f.id}" for f in written.files)
    return flash.redirect(
        URL, f"ACH {files} written for {written.count} remittances: download it below."
    )


@router.post(f"{URL}/cheques")
def write_cheque_run(request: Request, posted: PostedForm, db: DbSession, user: Admin) -> Response:
    def write(chosen: list[int], day: date) -> payouts.Written:
        return payouts.write_cheque_run(db, payout_ids=chosen, mailed_on=day, by_user_id=user.id)

    written = _write(request, posted, db, "mailed_on", write, "No cheque run written")
    if isinstance(written, Response):
        return written
    return flash.redirect(
        URL, f"Cheque run {written.files[0].id} written for {written.count} cheques."
    )


@router.get(f"{URL}/files/{{file_id}}")
def download_file(db: DbSession, _: Admin, file_id: RowId) -> Response:
    kept = reading.remittance_file(db, file_id)
    if kept is None:
        raise NotFound("remittance file")
    ach = kept.method is RemittanceMethod.ACH
    name = f"remittances-{kept.id}.{'ach' if ach else 'csv'}"
    return Response(
        kept.content,
        media_type="text/plain; charset=us-ascii" if ach else "text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@router.post(f"{URL}/{{payout_id}}/paid")
def mark_paid(
    request: Request, posted: PostedForm, db: DbSession, user: Admin, payout_id: RowId
) -> Response:
    values = form_values(posted)
    paid_on = _day(values, "paid_on")
    if paid_on is None:
        return _page(
            request, db, values=values, errors={"paid_on": "must be a date"}, status_code=422
        )
    try:
        row = payouts.mark_paid(
            db,
            payout_id=payout_id,
            bank_reference=values.get("bank_reference", ""),
            paid_on=paid_on,
            today=today(),
            by_user_id=user.id,
        )
    except StatementRefused as refused:
        errors = {refused.field: refused.message}
        if refused.field not in ("bank_reference", "paid_on"):
            errors = {"__all__": f"Not marked paid: {sentence(refused)}"}
        return _page(request, db, values=values, errors=errors, status_code=422)
    return flash.redirect(URL, f"Remittance {row.reference} marked paid ({row.bank_reference}).")
