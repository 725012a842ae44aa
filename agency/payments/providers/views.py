"""Taking a card or bank payment from the case page (staff on the phone with the payer):
``GET /cases/{id}/payments/charge`` is the form (a fragment the case page's payments
panel loads, or a page), ``POST`` the same path takes the payment (``start_payment``).

In sandbox mode the form offers the sandbox's test numbers and the answer is known at
once: the fragment comes back (an htmx swap of ``payment-charge``) with the outcome and
a fresh form.  With Stripe the form asks only the amount and the method, and its post
answers with the Stripe payment page (``stripe_pay.html``): the Payment Element, loaded
from js.stripe.com under that page's own Content-Security-Policy, where the card is
typed — never into our forms.  The payment is posted when Stripe's webhook says so.

Admins, supervisors and the agents who may work the case take payments; compliance
officers and merchants are refused (403), another client's case is a 404.  A refusal is
shown beside its field: 200 for an htmx swap, 422 for the page; nothing is written.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from agency.auth.models import Role, User
from agency.auth.permissions import CurrentViewer, Forbidden, Viewer, require
from agency.cases import service as cases_service
from agency.cases.models import Case
from agency.config import get_settings
from agency.db import DbSession
from agency.kit.errors import NotFound, ResponseError
from agency.kit.forms import PostedForm, form_values
from agency.kit.money import Money
from agency.kit.params import RowId
from agency.kit.templates import is_htmx, render
from agency.payments.providers import charge_form, charging
from agency.payments.providers.base import IntentStatus
from agency.payments.repository import providers as repo
from agency.payments.schemas import PaymentError

router = APIRouter()
Takers = Annotated[User, Depends(require(Role.ADMIN, Role.SUPERVISOR, Role.AGENT))]
TEMPLATE = "payments/providers/charge.html"


def _case(db: Session, viewer: Viewer, case_id: int) -> Case:
    case = cases_service.case_for_viewer(db, viewer=viewer, case_id=case_id)
    if case is None:
        raise NotFound("case")
    if viewer.is_merchant or not cases_service.may_work(db, viewer=viewer, case=case):
        raise Forbidden
    return case


def action_of(case_id: int) -> str:
    return f"/cases/{case_id}/payments/charge"


def _page(
    request: Request, case: Case, charge: charge_form.ChargeForm, *, status_code: int = 200
) -> Response:
    context: dict[str, Any] = {"case_id": case.id, "balance": case.balance, "charge": charge}
    return render(request, TEMPLATE, context, status_code=status_code)


@router.get("/cases/{case_id}/payments/charge")
def charge_page(
    request: Request, db: DbSession, _: Takers, viewer: CurrentViewer, case_id: RowId
) -> Response:
    """The form to take a card or bank account payment on the case."""
    case = _case(db, viewer, case_id)
    return _page(request, case, charge_form.form(action=action_of(case.id), currency=case.currency))


@router.post("/cases/{case_id}/payments/charge")
def charge(
    request: Request,
    db: DbSession,
    _: Takers,
    viewer: CurrentViewer,
    posted: PostedForm,
    case_id: RowId,
) -> Response:
    """Take the payment through the configured provider (the form's token is its
    idempotency key: the same form posted twice is one charge)."""
    case = _case(db, viewer, case_id)
    values = form_values(posted)
    action = action_of(case.id)
    try:
        form = charge_form.read(values, currency=case.currency)
        result = charging.start_payment(
            db,
            case_id=case.id,
            amount_minor=form.amount_minor,
            method=form.method,
            installment_id=form.installment_id,
            by_consumer=False,
            by_user_id=viewer.user_id,
            test_card=form.test_number,
            idempotency_key=form.token,
        )
    except PaymentError as exc:
        errors = {exc.field: exc.message}
        token = values.get("token") if exc.field != "token" else None
        again = charge_form.form(
            action=action, currency=case.currency, values=values, errors=errors, token=token
        )
        if is_htmx(request):
            return _page(request, case, again)
        raise ResponseError(_page(request, case, again, status_code=422)) from None
    if result.status is IntentStatus.REQUIRES_ACTION and result.client_secret:
        return stripe_page(request, case_id=case.id, result=result, return_url=_done_url(result))
    # A provider that could not be reached: the same token again sends the same request.
    keep = result.status is IntentStatus.FAILED and result.intent_id.startswith(charging.UNSENT)
    fresh = charge_form.form(
        action=action,
        currency=case.currency,
        result=result,
        values=values if keep else None,
        token=form.token if keep else None,
    )
    return _page(request, case, fresh)


def _done_url(result: charging.AttemptResult) -> str:
    base = get_settings().public_url.rstrip("/")
    return f"{base}/cases/{result.case_id}/payments/attempts/{result.attempt_id}"


def stripe_page(
    request: Request, *, case_id: int, result: charging.AttemptResult, return_url: str
) -> Response:
    """Stripe's Payment Element for the attempt's intent, with the one Content-Security-
    Policy that lets Stripe.js in (the consumer's page uses it too)."""
    stripe = {
        "publishable_key": charge_form.publishable_key(),
        "client_secret": result.client_secret,
        "return_url": return_url,
        "script": charge_form.STRIPE_JS,
    }
    context = {"case_id": case_id, "result": result, "stripe": stripe}
    headers = {"Content-Security-Policy": charge_form.STRIPE_CSP}
    return render(request, "payments/providers/stripe_pay.html", context, headers=headers)


@router.get("/cases/{case_id}/payments/attempts/{attempt_id}")
def attempt_page(
    request: Request,
    db: DbSession,
    _: Takers,
    viewer: CurrentViewer,
    case_id: RowId,
    attempt_id: RowId,
) -> Response:
    """Where Stripe sends the payer back: what became of the attempt so far (it is
    posted when Stripe's webhook says it succeeded)."""
    case = _case(db, viewer, case_id)
    attempt = repo.attempt_of_case(db, case.id, attempt_id)
    if attempt is None:
        raise NotFound("payment attempt")
    amount = Money(attempt.amount_minor, attempt.currency)
    context = {"case_id": case.id, "attempt": attempt, "amount": amount}
    return render(request, "payments/providers/attempt.html", context)
