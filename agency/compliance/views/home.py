"""The compliance workspace's home: ledger integrity (verify now, acknowledge an alarm),
blocked attempts today and this week, and the latest facts to review."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.responses import Response

from agency.compliance import alarms, checkpoints, integrity, repository, service
from agency.compliance.models import FactKind, Source
from agency.compliance.names import user_names, who
from agency.compliance.views.common import Officer, Readers, sentence, start_of, utc_today
from agency.db import DbSession
from agency.kit import clock
from agency.kit.errors import ResponseError
from agency.kit.templates import is_htmx, render

router = APIRouter()

REVIEW_KINDS = (
    FactKind.DISPUTE,
    FactKind.CEASE,
    FactKind.OPT_OUT,
    FactKind.CONSENT_REVOKED,
    FactKind.DO_NOT_CALL,
    FactKind.DO_NOT_USE,
    FactKind.ATTORNEY,
)


def _home(
    request: Request,
    db: Session,
    *,
    status_code: int = 200,
    reasons: Mapping[int, str] | None = None,
    errors: Mapping[int, str] | None = None,
) -> Response:
    now = clock.now()
    today = start_of(utc_today())
    verification = repository.last_verification(db)
    records = alarms.load_alarms(db)
    acknowledged = sorted(records.acks.values(), key=lambda ack: ack.id, reverse=True)[:5]
    recent = repository.recent_facts(db, REVIEW_KINDS, limit=15)
    consumers = repository.consumers_by_id(db, sorted({f.consumer_id for f in recent}))
    names = user_names(
        db,
        [
            verification.run_by_id if verification else None,
            *(f.recorded_by_id for f in recent),
            *(ack.officer_id for ack in acknowledged),
        ],
    )
    return render(
        request,
        "compliance/home.html",
        {
            "verification": verification,
            "verified_by": (
                who(names, verification.run_by_id, Source.SYSTEM) if verification else ""
            ),
            "open_alarms": records.unacknowledged,
            "acknowledged": acknowledged,
            "alarms_by_id": {alarm.id: alarm for alarm in records.valid},
            "record_problems": records.problems,
            "checkpoint": checkpoints.newest_summary(),
            "reasons": reasons or {},
            "alarm_errors": errors or {},
            "blocked_today": repository.blocked_between(db, since=today, until=now + timedelta(1)),
            "blocked_week": repository.blocked_between(
                db, since=today - timedelta(days=6), until=now + timedelta(1)
            ),
            "today": today.date(),
            "week_start": (today - timedelta(days=6)).date(),
            "recent": recent,
            "consumers": consumers,
            "names": names,
        },
        status_code=status_code,
    )


@router.get("/compliance")
def home(request: Request, db: DbSession, _: Readers) -> Response:
    """Ledger integrity, blocked attempts lately, facts to review, and the tools."""
    return _home(request, db)


@router.post("/compliance/verify")
def verify(request: Request, db: DbSession, officer: Officer) -> Response:
    """Recompute every chain now (synchronously) and show the result."""
    integrity.verify_ledger(db, actor_id=officer.id)
    if is_htmx(request):
        return _home(request, db)
    return RedirectResponse("/compliance", status_code=303)


@router.post("/compliance/alarms/{alarm_id}/acknowledge")
def acknowledge_alarm(
    request: Request,
    db: DbSession,
    officer: Officer,
    alarm_id: int,
    reason: Annotated[str, Form()] = "",
) -> Response:
    """A compliance officer sets a ledger alarm aside, saying why (required)."""
    try:
        alarms.acknowledge_alarm(db, alarm_id=alarm_id, officer_id=officer.id, reason=reason)
    except service.ComplianceError as exc:
        message = str(exc).split(":", 1)[-1].strip()
        raise ResponseError(
            _home(
                request,
                db,
                status_code=422,
                reasons={alarm_id: reason},
                errors={alarm_id: sentence(message) + "."},
            )
        ) from exc
    return RedirectResponse("/compliance#integrity", status_code=303)
