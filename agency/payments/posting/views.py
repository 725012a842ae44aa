"""The case page's payments panel (``case-payments``, swapped in on load): the itemized
balance, the payments with their allocation and reversals; for whoever may work the
case (agents on their cases, supervisors, admins) the "Post a payment" form, and for
supervisors and admins a "Reverse" form per payment.

The case is found as the case page finds it (``cases_service.case_for_viewer``): a
merchant asking about another client's case gets the same 404 as for no case; the
client's own merchant users read the panel without its forms.  A refused form comes
back with the message by its field (422); posting and reversing refuse before they
write, and the refused request rolls back whatever it held.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from agency.auth import service as auth_service
from agency.auth.models import Role
from agency.auth.permissions import CurrentViewer, Viewer
from agency.cases import service as cases_service
from agency.cases.models import Case
from agency.commission import service as commission
from agency.commission.schemas import EntryShown
from agency.db import DbSession
from agency.kit.errors import NotFound, ResponseError
from agency.kit.forms import PostedForm, form_values
from agency.kit.params import RowId
from agency.kit.templates import is_htmx, render
from agency.payments.models import Installment, Payment
from agency.payments.posting import forms
from agency.payments.posting.balance import itemized
from agency.payments.posting.installments import OPEN
from agency.payments.posting.post import office_today, post_payment
from agency.payments.posting.reverse import reverse_payment
from agency.payments.repository import posting as repo
from agency.payments.schemas import PaymentError

router = APIRouter()
REVERSERS = (Role.ADMIN, Role.SUPERVISOR)
# The post form's fields; a refusal about anything else shows at the amount.
_POST_FIELDS = frozenset(
    {"amount", "method", "received_on", "effective_on", "reference", "installment_id"}
)


@dataclass(frozen=True, slots=True)
class Line:
    """One payment of the panel, with the names the page shows."""

    payment: Payment
    installment_due: str | None
    posted_by: str | None
    reversed_by: str | None
    commission: EntryShown | None  # our commission on it, and why


def _case(db: Session, viewer: Viewer, case_id: int) -> Case:
    case = cases_service.case_for_viewer(db, viewer=viewer, case_id=case_id)
    if case is None:
        raise NotFound("case")
    return case


def may_post(db: Session, viewer: Viewer, case: Case) -> bool:
    return not viewer.is_merchant and cases_service.may_work(db, viewer=viewer, case=case)


def panel(
    request: Request,
    db: Session,
    viewer: Viewer,
    case: Case,
    *,
    post_form: forms.PostForm | None = None,
    reverse_errors: dict[int, dict[str, str]] | None = None,
    reverse_values: dict[int, dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    """The payments page, or its ``case-payments`` block for the case page."""
    payments = repo.payments_of_case(db, case.id)
    plan = repo.active_plan(db, case.id)
    open_installments = [i for i in plan.installments if i.status in OPEN] if plan else []
    dues = repo.installments(db, [p.installment_id for p in payments if p.installment_id])
    user_ids = {p.posted_by_id for p in payments} | {
        p.reversal.by_user_id for p in payments if p.reversal is not None
    }
    names = {
        u.id: u.full_name
        for u in auth_service.users_by_ids(db, sorted(i for i in user_ids if i is not None))
    }
    commissions = commission.entries_by_payment(db, [p.id for p in payments])
    lines = [_line(p, dues, names, commissions.get(p.id, [])) for p in payments]
    postable = may_post(db, viewer, case) and case.status.is_open
    if postable and post_form is None:
        post_form = forms.PostForm(
            token=forms.new_token(), values={"received_on": office_today().isoformat()}
        )
    return render(
        request,
        "payments/posting/case_payments.html",
        {
            "case": case,
            "items": itemized(db, case_id=case.id),
            "lines": lines,
            "post_form": post_form if postable else None,
            "methods": [(m.value, forms.METHOD_LABELS[m]) for m in forms.MANUAL_METHODS],
            "method_labels": {m.value: label for m, label in forms.METHOD_LABELS.items()},
            "kinds": [(k.value, label) for k, label in forms.KIND_LABELS.items()],
            "installments": open_installments,
            "may_reverse": viewer.role in REVERSERS,
            "reverse_errors": reverse_errors or {},
            "reverse_values": reverse_values or {},
            "staff": not viewer.is_merchant,
        },
        status_code=status_code,
    )


def _line(
    payment: Payment,
    dues: dict[int, Installment],
    names: dict[int, str],
    entries: list[EntryShown],
) -> Line:
    due = dues.get(payment.installment_id) if payment.installment_id else None
    reversal = payment.reversal
    return Line(
        payment=payment,
        installment_due=due.due_date.isoformat() if due is not None else None,
        posted_by=names.get(payment.posted_by_id) if payment.posted_by_id else None,
        reversed_by=(
            names.get(reversal.by_user_id) if reversal is not None and reversal.by_user_id else None
        ),
        commission=next((e for e in entries if e.reversal_id is None), None),
    )


@router.get("/cases/{case_id}/payments")
def case_payments(
    request: Request, db: DbSession, viewer: CurrentViewer, case_id: RowId
) -> Response:
    """The case's itemized balance, payments and reversals, with the forms the viewer
    may use."""
    return panel(request, db, viewer, _case(db, viewer, case_id))


def _done(request: Request, db: Session, viewer: Viewer, case: Case) -> Response:
    if is_htmx(request):
        return panel(request, db, viewer, case)
    return RedirectResponse(f"/cases/{case.id}/payments", status_code=303)


@router.post("/cases/{case_id}/payments")
def post_a_payment(
    request: Request, db: DbSession, viewer: CurrentViewer, posted: PostedForm, case_id: RowId
) -> Response:
    """Post a payment taken outside the system; the form's token makes it once."""
    case = _case(db, viewer, case_id)
    if not may_post(db, viewer, case):
        raise NotFound("case")
    values = form_values(posted)
    payment, form = forms.read_post(values, case.currency)
    if payment is not None:
        try:
            post_payment(db, case_id=case.id, payment=payment, by_user_id=viewer.user_id)
        except PaymentError as refused:
            name = refused.field if refused.field in _POST_FIELDS else "amount"
            form.errors[name] = refused.message
    if form.errors:
        raise ResponseError(panel(request, db, viewer, case, post_form=form, status_code=422))
    return _done(request, db, viewer, case)


@router.post("/cases/{case_id}/payments/{payment_id}/reverse")
def reverse_a_payment(
    request: Request,
    db: DbSession,
    viewer: CurrentViewer,
    posted: PostedForm,
    case_id: RowId,
    payment_id: RowId,
) -> Response:
    """Reverse one of the case's payments (supervisors and admins), with its kind and
    reason."""
    case = _case(db, viewer, case_id)
    payment = repo.payment(db, payment_id)
    if viewer.role not in REVERSERS or payment is None or payment.case_id != case.id:
        raise NotFound("payment")
    values = form_values(posted)
    kind, reason, errors = forms.read_reversal(values)
    if kind is not None and not errors:
        try:
            reverse_payment(
                db,
                payment_id=payment.id,
                kind=kind,
                reason=reason,
                effective_on=None,
                by_user_id=viewer.user_id,
            )
        except PaymentError as refused:
            errors["reason" if refused.field == "reason" else "kind"] = refused.message
    if errors:
        kept: dict[str, Any] = {"kind": values.get("kind", ""), "reason": reason}
        raise ResponseError(
            panel(
                request,
                db,
                viewer,
                case,
                reverse_errors={payment_id: errors},
                reverse_values={payment_id: kept},
                status_code=422,
            )
        )
    return _done(request, db, viewer, case)
