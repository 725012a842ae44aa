"""Dry runs of a strategy's newest version, for supervisors and admins: one case's next
30 days (``dry_run``) or its whole segment (``segment_run``).  The editor dry-runs the
steps it holds before they are published (``editor_views``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from agency.cases.supervisor_shared import Supervisor
from agency.compliance import service as compliance
from agency.db import DbSession
from agency.kit import clock
from agency.kit.errors import NotFound
from agency.kit.params import MAX_ID, RowId
from agency.kit.templates import render
from agency.outreach.strategies import dry_run, listing, reading, segment_run, versions
from agency.outreach.strategies.models import Strategy
from agency.outreach.strategies.stepping import Plans
from agency.outreach.strategies.steps import Step

router = APIRouter()


def results(
    db: Session, strategy: Strategy, steps: list[Step], *, case: str, segment: bool
) -> dict[str, Any]:
    """What the dry-run part of a page shows: a case's replay (or why there is none) and
    the segment's sums, as asked (``case``: the case number typed, blank: none)."""
    now = clock.now()
    found: dict[str, Any] = {"case_id": case.strip(), "lines": None, "case_error": None}
    found["segment"] = None
    number = case.strip()
    if number and not (number.isdigit() and 1 <= int(number) <= MAX_ID):
        found["case_error"] = "must be a case number, as in the case page's address"
    elif number:
        batch = reading.read_cases(db, [int(number)])
        loaded = batch.cases.get(int(number))
        if loaded is None:
            found["case_error"] = f"there is no case {number}"
        else:
            found["case"] = loaded
            found["lines"] = dry_run.for_case(db, case=loaded, batch=batch, steps=steps, start=now)
    if segment:
        found["segment"] = segment_run.for_segment(
            db, strategy_id=strategy.id, steps=steps, start=now
        )
    ids = {r for line in found["lines"] or () for r in line.rules}
    ids |= set(found["segment"].blocked) if found["segment"] else set()
    found["rules"] = {r: compliance.describe(r) for r in ids}
    return found


@router.get("/supervisor/strategies/{strategy_id}/dry-run")
def dry_run_page(
    request: Request,
    db: DbSession,
    _: Supervisor,
    strategy_id: RowId,
    case_id: Annotated[str, Query(max_length=20, description="a case's number")] = "",
    segment: Annotated[Literal["yes", ""], Query()] = "",
) -> Response:
    """The newest version dry-run on a case or on the segment (blank fields: not asked)."""
    strategy = listing.strategy(db, strategy_id)
    if strategy is None:
        raise NotFound("strategy")
    newest = next(iter(versions.versions_of(db, strategy.id)), None)
    context: dict[str, object] = {"strategy": strategy, "version": newest}
    if newest is not None:
        steps = Plans(db)[newest.id].steps
        context |= results(db, strategy, steps, case=case_id, segment=segment == "yes")
    return render(request, "outreach/strategies/dry_run.html", context)
