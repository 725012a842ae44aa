"""The blocked attempts screen: blocked attempts per UTC day by rule, client or agent, as
a stacked bar chart and a table, each series linked to the ledger search."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from agency.clients import service as clients_service
from agency.compliance import repository
from agency.compliance.catalogue import describe
from agency.compliance.chart import Series, build_chart
from agency.compliance.names import user_names
from agency.compliance.schemas import BlockedQuery
from agency.compliance.views.common import Readers, form_status, labelled, start_of, utc_today
from agency.db import DbSession
from agency.kit.forms import FormError, parse
from agency.kit.templates import render

router = APIRouter()

# series-0 .. series-7 in agency.css are colours, series-8 .. series-15 the same colours
# hatched (patterns in blocked.html); only a 17th series and beyond share series-other.
SERIES_COLOURS = 16


def _ledger_link(**params: Any) -> str:
    return "/compliance/ledger?" + urlencode(
        {k: v for k, v in params.items() if v not in (None, "")}
    )


@router.get("/compliance/blocked")
def blocked(request: Request, db: DbSession, _: Readers) -> Response:
    """Blocked attempts per UTC day by rule, client or agent: a stacked bar chart (SVG,
    server-drawn) and the same numbers as a table, each series linked to the ledger."""
    values = dict(request.query_params)
    errors: dict[str, str] = {}
    try:
        query = parse(BlockedQuery, values)
    except FormError as exc:
        errors = dict(exc.errors)
        if "__all__" in errors:
            errors["until"] = errors.pop("__all__")
        errors = labelled(errors, {"by": "Group by", "since": "From", "until": "To"})
        query = BlockedQuery()
    until = query.until or utc_today()
    since = query.since or min(until, utc_today()) - timedelta(days=29)
    if since > until:
        since = until
    rows = repository.blocked_counts(
        db, since=start_of(since), until=start_of(until) + timedelta(days=1), by=query.by
    )
    days = [(since + timedelta(days=i)).isoformat() for i in range((until - since).days + 1)]
    counts: dict[str, dict[str, int]] = {}
    for day, key, count in rows:
        counts.setdefault(key, {})[day] = counts.get(key, {}).get(day, 0) + count
    labels = _series_labels(db, query.by, list(counts))
    ordered = sorted(counts, key=lambda key: (-sum(counts[key].values()), labels[key][0]))
    span = {"since": since.isoformat(), "until": until.isoformat()}
    series = []
    for index, key in enumerate(ordered):
        label, title, params = labels[key]
        series.append(
            Series(
                key=key,
                label=label,
                title=title,
                css=f"series-{index}" if index < SERIES_COLOURS else "series-other",
                href=_ledger_link(decision="blocked", **params, **span) if params else None,
                counts=counts[key],
            )
        )

    def link(one: Series, day: str) -> str | None:
        params = labels[one.key][2]
        return _ledger_link(decision="blocked", **params, since=day, until=day) if params else None

    return render(
        request,
        "compliance/blocked.html",
        {
            "values": {"by": query.by, **span},
            "errors": errors,
            "by": query.by,
            "days": days,
            "series": series,
            "chart": build_chart(days, series, link),
            "day_totals": {day: sum(s.counts.get(day, 0) for s in series) for day in days},
            "since": since,
            "until": until,
        },
        status_code=form_status(request, errors),
    )


def _series_labels(
    db: Session, by: str, keys: Sequence[str]
) -> dict[str, tuple[str, str, dict[str, str]]]:
    """Per series key: (label, tooltip, the ledger filter that selects it)."""
    labels: dict[str, tuple[str, str, dict[str, str]]] = {}
    if by == "rule":
        for key in keys:
            rule = describe(key)
            label, params = (f"{rule.title} ({key})", {"rule": key}) if rule.known else (key, {})
            labels[key] = (label, f"{rule.title}: {rule.plain}", params)
    elif by == "client":
        clients = {str(c.id): c.name for c in clients_service.all_clients(db)}
        for key in keys:
            name = clients.get(key, f"client {key}")
            labels[key] = (name, name, {"client_id": key})
    else:
        names = user_names(db, [int(k) for k in keys if k.isdigit()])
        for key in keys:
            if key.isdigit():
                name = names.get(int(key), f"user {key}")
                labels[key] = (name, name, {"agent_id": key})
            else:
                labels[key] = ("No agent (automatic)", "Strategy steps and retries", {})
    return labels
