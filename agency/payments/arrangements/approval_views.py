"""The supervisors' approval queue (``/approvals``): every offer beyond its client's
authority, oldest first, with its case, client, consumer, kind, total, schedule and the
reasons it needs approval; approve, or refuse with a reason.  Admins and supervisors
only.  A decision that can no longer be made (decided by another supervisor meanwhile,
the case closed, its balance changed) answers 422 with the queue and the reason."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from agency.auth import service as auth_service
from agency.cases.supervisor_shared import Supervisor
from agency.db import DbSession
from agency.kit import flash
from agency.kit.errors import ResponseError
from agency.kit.forms import PostedForm, form_values
from agency.kit.money import Money
from agency.kit.params import RowId
from agency.kit.templates import render
from agency.payments.arrangements import approval
from agency.payments.repository import arrangements as repo
from agency.payments.schemas import PaymentError

router = APIRouter()


def queue_page(
    request: Request,
    db: Session,
    *,
    errors: dict[int, str] | None = None,
    status_code: int = 200,
) -> Response:
    offers = repo.pending_offers(db)
    cases = {c.id: c for c in repo.cases_with_clients(db, sorted({o.case_id for o in offers}))}
    ids = sorted({o.created_by_id for o in offers if o.created_by_id is not None})
    names = {u.id: u.full_name for u in auth_service.users_by_ids(db, ids)} if ids else {}
    context: dict[str, Any] = {
        "offers": offers,
        "cases": cases,
        "names": names,
        "errors": errors or {},
        "money": lambda minor, currency: Money(minor, currency).format(),
    }
    return render(request, "payments/arrangements/approvals.html", context, status_code=status_code)


@router.get("/approvals")
def approvals(request: Request, db: DbSession, _: Supervisor) -> Response:
    """The offers waiting for a supervisor's decision, oldest first."""
    return queue_page(request, db)


@router.post("/approvals/{plan_id}")
def decide(
    request: Request, db: DbSession, user: Supervisor, posted: PostedForm, plan_id: RowId
) -> Response:
    """Approve (``decision=approve``) or refuse (``decision=refuse``, with a reason)."""
    values = form_values(posted)
    decision = values.get("decision", "")
    try:
        if decision not in ("approve", "refuse"):
            raise PaymentError("decision", "choose approve or refuse")
        made = approval.decide(
            db,
            plan_id=plan_id,
            approve=decision == "approve",
            by_user_id=user.id,
            reason=values.get("reason"),
        )
    except PaymentError as exc:
        raise ResponseError(
            queue_page(request, db, errors={plan_id: exc.message}, status_code=422)
        ) from exc
    verdict = "approved: it is active" if decision == "approve" else "refused"
    return flash.redirect(
        "/approvals", f"The {made.kind.value} of {made.total.format()} is {verdict}."
    )
