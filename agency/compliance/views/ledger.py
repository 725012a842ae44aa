"""The ledger search screen: the contact ledger filtered by consumer, case, client,
agent, channel, rule, decision, kind and dates, newest first and keyset-paged, and the
same search as a CSV download."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session
from starlette.responses import Response

from agency.auth.permissions import CurrentViewer
from agency.cases import picker
from agency.clients import service as clients_service
from agency.compliance import repository
from agency.compliance.catalogue import CATALOGUE
from agency.compliance.ledger_export import LedgerRow, ledger_csv_lines, ledger_rows
from agency.compliance.models import EntryKind
from agency.compliance.schemas import LEDGER_CHANNELS, LedgerQuery
from agency.compliance.views.common import Readers, form_status, labelled
from agency.db import DbSession
from agency.kit import clock
from agency.kit.errors import ResponseError
from agency.kit.forms import FormError, parse
from agency.kit.templates import render

router = APIRouter()

PAGE_SIZE = 50
LEDGER_LABELS = {
    "consumer_id": "Consumer id",
    "case": "Case",
    "client_id": "Client",
    "agent_id": "Agent",
    "channel": "Channel",
    "rule": "Rule",
    "decision": "Decision",
    "kind": "Kind",
    "since": "From",
    "until": "To",
    "before": "Page",
}


def _ledger_filters(
    db: Session, values: Mapping[str, str], picked: picker.Picked
) -> tuple[LedgerQuery, repository.LedgerFilter]:
    """The search's query string, with the consumer ``picked`` from it, as a LedgerQuery
    and the repository's LedgerFilter; a FormError names each bad field."""
    consumer_id = str(picked.consumer.id) if picked.consumer else ""
    try:
        query = parse(LedgerQuery, {**values, "consumer_id": consumer_id})
    except FormError as exc:
        errors = dict(exc.errors)
        if "__all__" in errors:  # the only check across fields: the date range
            errors["until"] = errors.pop("__all__")
        raise FormError(labelled(errors, LEDGER_LABELS)) from exc
    problems: dict[str, str] = {}
    if picked.error:
        problems["consumer"] = picked.error
    case_id = None
    if query.case:
        matches = repository.cases_matching(db, query.case)
        if query.client_id is not None:
            matches = [case for case in matches if case.client_id == query.client_id]
        if not matches:
            problems["case"] = "Case: there is no case with that id or client reference."
        elif len(matches) > 1:
            problems["case"] = (
                f"Case: {len(matches)} cases of different clients have that reference; "
                "choose the client too."
            )
        else:
            case_id = matches[0].id
    if query.rule and query.rule not in CATALOGUE:
        problems["rule"] = "Rule: not a rule id of the catalogue."
    if problems:
        raise FormError(problems)
    filters = repository.LedgerFilter(
        consumer_id=query.consumer_id,
        case_id=case_id,
        client_id=query.client_id,
        agent_id=query.agent_id,
        channel=query.channel,
        rule_id=query.rule,
        decision=query.decision,
        kind=query.kind.value if query.kind else None,
        since=query.since_at,
        until=query.until_at,
    )
    return query, filters


def _ledger_options(db: Session) -> dict[str, Any]:
    """The search form's choices, as (value, text) pairs."""
    return {
        "options": {
            "clients": [(c.id, c.name) for c in clients_service.all_clients(db)],
            "agents": [(u.id, u.full_name) for u in repository.contacting_staff(db)],
            "channels": [(c, c.replace("_", " ")) for c in LEDGER_CHANNELS],
            "rules": [
                (rule.id, f"{rule.id} · {rule.title}")
                for rule in sorted(CATALOGUE.values(), key=lambda rule: rule.id)
            ],
            "decisions": [("allowed", "allowed"), ("blocked", "blocked")],
            "kinds": [(kind.value, kind.value) for kind in EntryKind],
        }
    }


@router.get("/compliance/ledger")
def ledger(request: Request, db: DbSession, _: Readers, viewer: CurrentViewer) -> Response:
    """Search the contact ledger, newest first, keyset-paged (no COUNT over the ledger)."""
    values = dict(request.query_params)
    picked = picker.resolve(db, viewer, values)
    errors: dict[str, str] = {}
    rows: list[LedgerRow] = []
    older: int | None = None
    try:
        query, filters = _ledger_filters(db, values, picked)
        entries, older = repository.page_of(db, filters, before_id=query.before, size=PAGE_SIZE)
        rows = ledger_rows(db, entries)
    except FormError as exc:
        errors = dict(exc.errors)
        if "before" in errors:  # the paging cursor is no field of the form
            errors["__all__"] = errors.pop("before")
    return render(
        request,
        "compliance/ledger.html",
        {
            "values": values,
            "errors": errors,
            "rows": rows,
            "older": older,
            "paged": "before" in values,
            "picked": picked,
            **_ledger_options(db),
        },
        status_code=form_status(request, errors),
    )


@router.get("/compliance/ledger.csv")
def ledger_csv(request: Request, db: DbSession, _: Readers, viewer: CurrentViewer) -> Response:
    """The same search as CSV, every field of every matching entry, streamed."""
    values = dict(request.query_params)
    picked = picker.resolve(db, viewer, values)
    try:
        filters = _ledger_filters(db, values, picked)[1]
    except FormError as exc:
        raise ResponseError(
            render(
                request,
                "compliance/ledger.html",
                {"values": values, "errors": exc.errors, "rows": []}
                | {"older": None, "paged": False, "picked": picked}
                | _ledger_options(db),
                status_code=422,
            )
        ) from exc
    stamp = clock.now().strftime("%Y%m%d-%H%M%S")
    return StreamingResponse(
        ledger_csv_lines(db.get_bind(), filters),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="ledger-{stamp}.csv"',
            "Cache-Control": "no-store",
        },
    )
