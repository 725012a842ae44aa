"""Server-rendered pages and their htmx fragments, from one template (house rule 7).

``render()`` returns the whole page, or, for an htmx request whose target element id
names a block of the template (``case-table`` -> block ``case_table``), that block only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, tzinfo
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from jinja2 import pass_context
from jinja2.runtime import Context
from jinja2_fragments.fastapi import Jinja2Blocks
from starlette.responses import Response

from agency.config import ROOT
from agency.kit import clock, flash, numbers

templates = Jinja2Blocks(directory=str(ROOT / "templates"))
env = templates.env
env.autoescape = True


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def when(
    value: datetime | date | None, fmt: str = "%Y-%m-%d %H:%M %Z", *, zone: tzinfo | None = None
) -> str:
    """An instant on the agency's clock (``AGENCY_TIME_ZONE``) or in ``zone``, with the
    zone's abbreviation by default: "2025-06-09 14:00 EDT"; a date as it is."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(zone or clock.office_zone()).strftime(fmt)
    return value.isoformat()


def viewer_zone(context: Context) -> tzinfo:
    """The zone of whoever the page is for: the signed-in user's (``user.zone``, their
    profile's or the agency's), else the agency's."""
    zone = getattr(context.get("user"), "zone", None)
    return zone if isinstance(zone, tzinfo) else clock.office_zone()


@pass_context
def _when(context: Context, value: datetime | date | None, fmt: str = "%Y-%m-%d %H:%M %Z") -> str:
    """``when`` in the viewer's zone: every screen's times but the compliance ones."""
    return when(value, fmt, zone=viewer_zone(context))


def consumer_time(value: datetime | None, zones: Sequence[str]) -> str:
    """The instant as the consumer's clock shows it, in each zone they may be in (their
    candidate zones): "09:00 CDT / 10:00 EDT"."""
    if value is None or not zones:
        return ""
    shown = [value.astimezone(clock.zone(name)).strftime("%H:%M %Z") for name in zones]
    return " / ".join(dict.fromkeys(shown))


def when_with_consumer(value: datetime, *, zone: tzinfo, consumer_zones: Sequence[str]) -> str:
    """``when`` in the viewer's ``zone``, the consumer's time beside it (for texts code
    writes: "2025-06-09 14:00 EDT (consumer's time 13:00 CDT)")."""
    local = consumer_time(value, consumer_zones)
    return when(value, zone=zone) + (f" (consumer's time {local})" if local else "")


def _utc(value: datetime | date | None, fmt: str = "%Y-%m-%d %H:%M %Z") -> str:
    """``when`` in UTC: the compliance screens keep it, as the ledger, their date filters
    and the evidence bundles do."""
    return when(value, fmt, zone=UTC)


def query_with(request: Request, **changes: Any) -> str:
    """The current query string with ``changes`` applied (None removes a key)."""
    params = dict(request.query_params)
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    return "?" + urlencode(params) if params else "?"


env.filters["money"] = numbers.money
env.filters["percent"] = numbers.percent
env.filters["minor"] = numbers.minor
env.filters["when"] = _when
env.filters["consumer_time"] = consumer_time
env.filters["utc"] = _utc
env.globals["office_zone"] = lambda: clock.office_zone().key
env.globals["viewer_zone"] = pass_context(lambda context: str(viewer_zone(context)))
env.globals["query_with"] = query_with


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """Render ``name`` as a page, or one of its blocks for an htmx swap.

    A whole page shows (and so uses up) the confirmation a redirect left
    (``agency.kit.flash``)."""
    context = dict(context or {})
    context.setdefault("user", getattr(request.state, "viewer", None))
    block = None
    target = request.headers.get("HX-Target")
    if is_htmx(request) and target and request.headers.get("HX-Boosted") != "true":
        candidate = target.replace("-", "_")
        if candidate in env.get_template(name).blocks:
            block = candidate
    message = flash.pending(request) if block is None else None
    if message is not None:
        context.setdefault("flash", message)
    response = templates.TemplateResponse(
        request, name, context, status_code=status_code, headers=headers, block_name=block
    )
    if message is not None:
        flash.shown(response)
    return response
