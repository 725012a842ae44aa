"""The policies screens: every client with its current compliance policy version, and
one client's policy (each field against its default, the history of versions with what
changed) with the officer's form that saves a new version."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import time
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from agency.clients import service as clients_service
from agency.compliance import repository, service
from agency.compliance.facts import Policy
from agency.compliance.names import user_names
from agency.compliance.views.common import Officer, Readers, service_errors
from agency.db import DbSession
from agency.kit import flash
from agency.kit.errors import NotFound, ResponseError
from agency.kit.forms import PostedForm, form_values
from agency.kit.params import RowId
from agency.kit.templates import render

router = APIRouter()

POLICY_LABELS = {
    "all_candidate_zones": (
        "US-REGF-TIME",
        "Attempts must be convenient in every candidate time zone",
    ),
    "block_work_email": (
        "US-REGF-WORKPLACE",
        "No e-mail to a work address the consumer has not used with us",
    ),
    "nyc_communications_per_7_days": (
        "US-NYC-FREQ",
        "New York City: communications per debt in 7 days",
    ),
    "sms_per_7_days": ("AGENCY-ELECTRONIC-CAP", "Texts per person per debt in 7 days"),
    "emails_per_7_days": ("AGENCY-ELECTRONIC-CAP", "E-mails per person per debt in 7 days"),
    "uk_hours_start": ("UK-CONC-POLICY", "UK: contact allowed from"),
    "uk_hours_end": ("UK-CONC-POLICY", "UK: contact allowed until"),
    "uk_contacts_per_7_days": ("UK-CONC-POLICY", "UK: contacts in 7 days"),
}


@dataclass(frozen=True, slots=True)
class PolicyField:
    name: str
    rule: str
    label: str
    kind: str  # "bool", "int" or "time"
    value: str
    default: str

    @property
    def is_default(self) -> bool:
        return self.value == self.default


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return str(value)


def _kind(default: Any) -> str:
    if isinstance(default, bool):
        return "bool"
    return "time" if isinstance(default, time) else "int"


def policy_fields(policy: Policy) -> list[PolicyField]:
    """Every field of the Policy (new fields appear without a change here)."""
    result = []
    for item in fields(Policy):
        default = getattr(service.DEFAULT_POLICY, item.name)
        rule, label = POLICY_LABELS.get(item.name, ("", item.name.replace("_", " ").capitalize()))
        result.append(
            PolicyField(
                name=item.name,
                rule=rule,
                label=label,
                kind=_kind(default),
                value=_text(getattr(policy, item.name)),
                default=_text(default),
            )
        )
    return result


def _changes(before: Policy, after: Policy) -> list[str]:
    return [
        f"{POLICY_LABELS.get(f.name, ('', f.name))[1]}: {_text(getattr(before, f.name))} → "
        f"{_text(getattr(after, f.name))}"
        for f in fields(Policy)
        if getattr(before, f.name) != getattr(after, f.name)
    ]


@router.get("/compliance/policies")
def policies(request: Request, db: DbSession, _: Readers) -> Response:
    """Every client with its current compliance policy version (or the defaults)."""
    clients = clients_service.all_clients(db)
    versions = {p.client_id: p for p in repository.policy_versions(db, [c.id for c in clients])}
    names = user_names(db, [p.changed_by_id for p in versions.values()])
    return render(
        request,
        "compliance/policies.html",
        {"clients": clients, "versions": versions, "names": names},
    )


def _policy_page(
    request: Request,
    db: Session,
    client_id: int,
    *,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    client = clients_service.get_client(db, client_id=client_id)
    if client is None:
        raise NotFound("client")
    policy, version = service.current_policy(db, client_id)
    current = policy_fields(policy)
    history = repository.policy_history(db, client_id)
    names = user_names(db, [p.changed_by_id for p in history])
    changes: dict[int, list[str]] = {}
    for older, newer in zip([None, *reversed(history)], reversed(history), strict=False):
        before = (
            service.DEFAULT_POLICY if older is None else service.policy_from_values(older.values)
        )
        changes[newer.version] = _changes(before, service.policy_from_values(newer.values))
    if values is None:
        values = {
            f.name: ("on" if f.value == "yes" else "") if f.kind == "bool" else f.value
            for f in current
        }
    return render(
        request,
        "compliance/policy.html",
        {
            "client": client,
            "version": version,
            "fields": current,
            "history": history,
            "changes": changes,
            "names": names,
            "values": values,
            "errors": errors or {},
        },
        status_code=status_code,
    )


@router.get("/compliance/policies/{client_id}")
def policy(request: Request, db: DbSession, _: Readers, client_id: RowId) -> Response:
    return _policy_page(request, db, client_id)


@router.post("/compliance/policies/{client_id}")
def change_policy(
    request: Request, posted: PostedForm, db: DbSession, officer: Officer, client_id: RowId
) -> Response:
    """A new policy version with the officer's reason (only compliance officers)."""
    if clients_service.get_client(db, client_id=client_id) is None:
        raise NotFound("client")
    values = form_values(posted)
    try:
        parsed = service.parse_policy_values(values)
        service.set_policy(
            db,
            client_id=client_id,
            values=parsed,
            reason=values.get("reason", ""),
            actor_id=officer.id,
        )
    except service.ComplianceError as exc:
        # The message's prefix is the name of the field it is about.
        errors = service_errors(str(exc))
        raise ResponseError(
            _policy_page(request, db, client_id, values=values, errors=errors, status_code=422)
        ) from exc
    return flash.redirect(f"/compliance/policies/{client_id}", "Policy saved as a new version.")
