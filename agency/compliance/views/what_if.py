"""The "what if" screen: ask the gate about a contact at any time, for any consumer, and
read its decision, the rules that block and when contact is next allowed; nothing is
written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from agency.auth.permissions import CurrentViewer
from agency.cases import picker
from agency.compliance import repository, service
from agency.compliance import templates as message_templates
from agency.compliance.facts import Decision
from agency.compliance.names import RuleText, rule_texts
from agency.compliance.point_flags import flags_of
from agency.compliance.schemas import LEDGER_CHANNELS, WhatIfForm
from agency.compliance.views.common import Readers, form_status, labelled, service_errors
from agency.db import DbSession
from agency.kit.forms import FormError, parse
from agency.kit.templates import render

if TYPE_CHECKING:
    from agency.cases.models import Case, Consumer, ContactPoint

router = APIRouter()

WHAT_IF_LABELS = {
    "consumer_id": "Consumer id",
    "contact_point_id": "Contact point",
    "case_ids": "Cases",
    "channel": "Channel",
    "at": "Date and time",
    "tz": "Time zone",
    "automated": "Automated",
    "template": "Template",
}
# The field a ComplianceError of service.what_if names by its message's prefix.
WHAT_IF_ERROR_FIELDS = {
    "contact point": "contact_point_id",
    "cases": "case_ids",
    "channel": "channel",
}


@dataclass(frozen=True, slots=True)
class WhatIfAnswer:
    decision: Decision
    asked_at: datetime  # the instant asked about (UTC)
    zone: str  # the zone the officer read the time in
    rules: tuple[RuleText, ...]
    next_allowed: tuple[tuple[str, datetime], ...]  # (zone, local time), UTC first


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@router.get("/compliance/what-if")
def what_if(request: Request, db: DbSession, _: Readers, viewer: CurrentViewer) -> Response:
    """Ask the gate about a contact at any time, for any consumer; nothing is written.

    The consumer picked (agency.cases.picker) loads their contact points and cases (htmx
    swaps the form; without JavaScript the "Load" button does the same); "Ask" evaluates.
    """
    params = request.query_params
    values: dict[str, Any] = dict(params)
    values["case_ids"] = [c for c in params.getlist("case_ids") if c]
    values.setdefault("tz", "UTC")
    errors: dict[str, str] = {}
    picked = picker.resolve(db, viewer, values)
    consumer = picked.consumer
    points: list[ContactPoint] = []
    cases: list[Case] = []
    if picked.error:
        errors["consumer"] = picked.error
    if consumer is not None:
        values["consumer_id"] = str(consumer.id)
        points = repository.consumer_with_points_and_cases(db, consumer.id).contact_points
        cases = repository.cases_with_clients(db, consumer.id)
        if "ask" not in params and not values["case_ids"] and len(cases) == 1:
            values["case_ids"] = [str(cases[0].id)]
    answer = None
    if "ask" in params and consumer is not None:
        answer = _ask(db, values, errors)
    elif "ask" in params and not errors:
        errors["consumer"] = "Consumer is required: search by name, reference, phone or e-mail."
    return render(
        request,
        "compliance/what_if.html",
        {
            "values": values,
            "errors": errors,
            "consumer": consumer,
            "picked": picked,
            "points": points,
            "point_flags": flags_of(db, (p.id for p in points)),
            "cases": cases,
            "channels": LEDGER_CHANNELS,
            "templates": [message_templates.TEMPLATES[t] for t in message_templates.known_ids()],
            "zones": _zone_choices(consumer),
            "answer": answer,
        },
        status_code=form_status(request, errors),
    )


def _zone_choices(consumer: Consumer | None) -> list[str]:
    zones = ["UTC"]
    if consumer is not None:
        zones.extend(sorted({*consumer.timezones, *filter(None, [consumer.stated_timezone])}))
    return list(dict.fromkeys(zones))


def _ask(db: Session, values: dict[str, Any], errors: dict[str, str]) -> WhatIfAnswer | None:
    try:
        form = parse(WhatIfForm, values)
    except FormError as exc:
        errors.update(labelled(exc.errors, WHAT_IF_LABELS))
        if "case_ids" in exc.errors:
            errors["case_ids"] = "Cases: choose at least one case the contact is about."
        return None
    zone = _zone(form.tz)
    if zone is None:
        errors["tz"] = "Time zone: not a time zone name (e.g. America/Chicago)."
        return None
    if form.template and message_templates.get(form.template) is None:
        errors["template"] = "Template: not one of the known templates."
        return None
    local = form.at.replace(tzinfo=None).replace(tzinfo=zone)
    at = local.astimezone(UTC)
    try:
        decision = service.what_if(
            db,
            consumer_id=form.consumer_id,
            channel=form.channel,
            contact_point_id=form.contact_point_id,
            case_ids=form.case_ids,
            at=at,
            automated=form.automated,
            template=form.template,
        )
    except service.ComplianceError as exc:
        errors.update(service_errors(str(exc), WHAT_IF_ERROR_FIELDS))
        return None
    next_allowed: list[tuple[str, datetime]] = []
    if decision.next_allowed_at is not None:
        for name in dict.fromkeys(["UTC", form.tz, *decision.timezones]):
            candidate = _zone(name)
            if candidate is not None:
                next_allowed.append((name, decision.next_allowed_at.astimezone(candidate)))
    return WhatIfAnswer(
        decision=decision,
        asked_at=at,
        zone=form.tz,
        rules=rule_texts(decision.blocked_by),
        next_allowed=tuple(next_allowed),
    )
