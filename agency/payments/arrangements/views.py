"""The case page's arrangements panel (an htmx swap on load, or a page of its own):
the current promise, plan or settlement with its installments, the earlier ones, and
for whoever may work the case the builder (preview without writing, then make) and
cancelling with a reason.

The case is found as the case page finds it (``cases_service.case_for_viewer``): a
merchant asking about another client's case gets the same 404 as for no case; merchants
and compliance officers read only.  A refusal answers 422 with the panel again and the
message next to its control; the builder's token makes a form posted twice one
arrangement.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from agency.auth import service as auth_service
from agency.auth.permissions import CurrentViewer, Forbidden, Viewer
from agency.cases import service as cases_service
from agency.cases.models import Case
from agency.db import DbSession
from agency.kit.errors import NotFound, ResponseError
from agency.kit.forms import PostedForm, form_values
from agency.kit.money import Money
from agency.kit.params import RowId
from agency.kit.templates import is_htmx, render
from agency.payments.arrangements import form, making
from agency.payments.models import Frequency, PlanKind, PlanStatus
from agency.payments.repository import arrangements as repo
from agency.payments.schemas import PaymentError, Schedule

router = APIRouter()
TEMPLATE = "payments/arrangements/panel.html"
STATUS_WORDS = {
    PlanStatus.PENDING: "waiting for approval",
    PlanStatus.ACTIVE: "active",
    PlanStatus.KEPT: "kept",
    PlanStatus.BROKEN: "broken",
    PlanStatus.CANCELLED: "cancelled",
    PlanStatus.REFUSED: "refused",
}


def _case(db: Session, viewer: Viewer, case_id: int) -> Case:
    case = cases_service.case_for_viewer(db, viewer=viewer, case_id=case_id)
    if case is None:
        raise NotFound("case")
    return case


def may_make(db: Session, viewer: Viewer, case: Case) -> bool:
    """Whoever may work the case (its actions panel) may make and cancel arrangements."""
    return not viewer.is_merchant and cases_service.may_work(db, viewer=viewer, case=case)


def _workable(db: Session, viewer: Viewer, case_id: int) -> Case:
    case = _case(db, viewer, case_id)
    if not may_make(db, viewer, case):
        raise Forbidden
    return case


def panel(
    request: Request,
    db: Session,
    viewer: Viewer,
    case: Case,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    preview: Schedule | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    plans = repo.plans_of_case(db, case.id)
    current = next((p for p in plans if p.status in repo.OPEN), plans[0] if plans else None)
    people = {p.created_by_id for p in plans} | {p.decided_by_id for p in plans}
    ids = sorted(i for i in people if i is not None)
    names = {u.id: u.full_name for u in auth_service.users_by_ids(db, ids)} if ids else {}
    shown = dict(values or {})
    # A preview or a refusal keeps the form's token (the same form, posted again); a
    # fresh panel gets a new one.
    if not shown.get("token") or (preview is None and not errors):
        shown["token"] = form.new_token()
    context: dict[str, Any] = {
        "case": case,
        "current": current,
        "earlier": [p for p in plans if p is not current],
        "names": names,
        "words": STATUS_WORDS,
        "may_make": may_make(db, viewer, case) and case.status.is_open,
        "values": shown,
        "errors": errors or {},
        "labels": form.LABELS,
        "preview": preview,
        "notice": notice,
        "kinds": [(k.value, k.value) for k in PlanKind],
        "frequencies": [(f.value, f.value) for f in Frequency],
        "money": lambda minor: Money(minor, case.currency).format(),
    }
    return render(request, TEMPLATE, context, status_code=status_code)


@router.get("/cases/{case_id}/arrangements")
def arrangements(
    request: Request, db: DbSession, viewer: CurrentViewer, case_id: RowId
) -> Response:
    """The case's arrangements (the case page's ``case-arrangements`` block, or a page)."""
    return panel(request, db, viewer, _case(db, viewer, case_id))


def _refused(
    request: Request,
    db: Session,
    viewer: Viewer,
    case: Case,
    values: dict[str, str],
    exc: PaymentError,
) -> Response:
    """The panel again with the refusal next to its control: 422 for the page, 200 for
    an htmx swap (htmx swaps no 4xx); what the attempt flushed is rolled back."""
    status_code = 200 if is_htmx(request) else 422
    response = panel(
        request,
        db,
        viewer,
        case,
        values=values,
        errors=form.errors_of(exc),
        status_code=status_code,
    )
    if status_code == 422:
        raise ResponseError(response) from exc
    return response


@router.post("/cases/{case_id}/arrangements/preview")
def preview(
    request: Request, db: DbSession, viewer: CurrentViewer, posted: PostedForm, case_id: RowId
) -> Response:
    """The builder's offer computed on the case, with any approval reasons; nothing is
    written."""
    case = _workable(db, viewer, case_id)
    values = form_values(posted)
    try:
        schedule = making.preview(db, case_id=case.id, offer=form.read_offer(values, case.currency))
    except PaymentError as exc:
        return _refused(request, db, viewer, case, values, exc)
    return panel(request, db, viewer, case, values=values, preview=schedule)


@router.post("/cases/{case_id}/arrangements")
def make(
    request: Request, db: DbSession, viewer: CurrentViewer, posted: PostedForm, case_id: RowId
) -> Response:
    """Make the builder's offer the case's arrangement (active, or waiting for approval)."""
    case = _workable(db, viewer, case_id)
    values = form_values(posted)
    token = values.get("token", "").strip()
    try:
        if len(token) != form.TOKEN_LENGTH or not token.isalnum():
            raise PaymentError("token", "the form has expired: reload the page")
        offer = form.read_offer(values, case.currency)
        with db.begin_nested():
            made = making.propose(
                db, case_id=case.id, offer=offer, by_user_id=viewer.user_id, form_key=token
            )
    except PaymentError as exc:
        return _refused(request, db, viewer, case, values, exc)
    words = "is active" if made.status is PlanStatus.ACTIVE else "waits for a supervisor's approval"
    return _done(
        request, db, viewer, case, f"The {made.kind.value} of {made.total.format()} {words}."
    )


@router.post("/cases/{case_id}/arrangements/{plan_id}/cancel")
def cancel(
    request: Request,
    db: DbSession,
    viewer: CurrentViewer,
    posted: PostedForm,
    case_id: RowId,
    plan_id: RowId,
) -> Response:
    """Cancel the case's arrangement, with the reason (required)."""
    case = _workable(db, viewer, case_id)
    values = form_values(posted)
    if repo.case_of_plan(db, plan_id) != case.id:
        raise NotFound("arrangement")
    try:
        with db.begin_nested():
            ended = making.cancel(
                db, plan_id=plan_id, by_user_id=viewer.user_id, reason=values.get("reason", "")
            )
    except PaymentError as exc:
        return _refused(request, db, viewer, case, {}, exc)
    return _done(request, db, viewer, case, f"The {ended.kind.value} is cancelled.")


def _done(request: Request, db: Session, viewer: Viewer, case: Case, notice: str) -> Response:
    if is_htmx(request):
        db.expire_all()
        return panel(request, db, viewer, _case(db, viewer, case.id), notice=notice)
    return RedirectResponse(f"/cases/{case.id}/arrangements", status_code=303)
