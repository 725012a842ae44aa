"""The runner's health page for supervisors and admins (``health``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from agency.cases.supervisor_shared import Supervisor
from agency.db import DbSession
from agency.kit import clock
from agency.kit.templates import render
from agency.outreach.strategies.health import health

router = APIRouter()


@router.get("/supervisor/strategies/health")
def runner_health(request: Request, db: DbSession, _: Supervisor) -> Response:
    """Due now, and what the runner did in the last hour and day, with the cases."""
    now = clock.now()
    return render(
        request, "outreach/strategies/health.html", {"health": health(db, now=now), "now": now}
    )
