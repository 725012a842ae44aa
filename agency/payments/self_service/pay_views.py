"""Paying on the consumer's page: the whole balance, an installment of their plan, or any
amount from the contract's minimum, through the configured provider
(``providers.charging.start_payment``; in the sandbox the consumer picks one of its test
cards).  The form's token is the payment's idempotency key: two clicks are one charge.
A refusal names the field (422) and charges nothing; the result says what happened,
with the receipt once the payment is posted."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from agency.cases import self_service_effects as cases_effects
from agency.config import get_settings
from agency.db import DbSession
from agency.kit.forms import PostedForm
from agency.kit.money import Money
from agency.kit.params import RowId
from agency.payments.models import AttemptStatus, PaymentMethod, PaymentPlan
from agency.payments.providers import charge_form, charging, configured, sandbox
from agency.payments.providers.base import IntentStatus
from agency.payments.repository import providers as providers_repo
from agency.payments.repository import self_service as repo
from agency.payments.schemas import PaymentError
from agency.payments.self_service import links, pages
from agency.payments.self_service.account import Account, AmountRefused, account, read_amount
from agency.payments.self_service.landing import next_unpaid
from agency.payments.self_service.text import locale_of

router = APIRouter(prefix=links.PATH)
CARDS = tuple(i for i in sandbox.INSTRUMENTS if i.method is PaymentMethod.CARD)


def _installment(plan: PaymentPlan | None, wanted: str | None) -> tuple[int | None, int | None]:
    """(id, amount still owed) of the plan's next unpaid installment, when asked for."""
    if plan is None or not wanted or not wanted.isdigit():
        return None, None
    nxt = next_unpaid(plan)
    if nxt is None or nxt.id != int(wanted):
        return None, None
    return nxt.id, nxt.amount_minor - nxt.paid_minor


def _form(
    request: Request,
    visit: pages.Visit,
    acct: Account,
    values: dict[str, str],
    errors: dict[str, str],
    *,
    status_code: int = 200,
) -> Response:
    loc = locale_of(visit.lang)
    return pages.page(
        request,
        "pay.html",
        visit.lang,
        {
            "base": visit.base,
            "account": acct,
            "balance": acct.balance.format(loc),
            "minimum": acct.minimum.format(loc),
            "sandbox": configured.is_sandbox(),
            "cards": CARDS,
            "values": values,
            "errors": errors,
        },
        status_code=status_code,
    )


@router.get("/{token}/pay")
def pay_form(request: Request, db: DbSession, token: str) -> Response:
    visit = pages.working_visit(db, request, token)
    acct = account(db, visit.case, visit.lang)
    plan = repo.shown_plan(db, visit.case.id)
    installment, owed = _installment(plan, request.query_params.get("installment"))
    amount = Money(owed if owed else acct.balance.minor, visit.case.currency).major
    values = {
        "amount": f"{amount}",
        "installment": str(installment or ""),
        "key": charging.new_key(),
        "test_card": CARDS[0].number,
    }
    return _form(request, visit, acct, values, {})


@router.post("/{token}/pay")
def pay(request: Request, db: DbSession, token: str, form: PostedForm) -> Response:
    visit = pages.working_visit(db, request, token, lock=True)
    case, w, loc = visit.case, visit.w, locale_of(visit.lang)
    acct = account(db, case, visit.lang)
    values = {
        name: str(form.get(name) or "")[:100]
        for name in ("amount", "installment", "key", "test_card")
    }
    errors: dict[str, str] = {}
    money = None
    try:
        money = read_amount(
            values["amount"], currency=case.currency, account=acct, w=w, lang=visit.lang
        )
    except AmountRefused as exc:
        errors["amount"] = str(exc)
    sandboxed = configured.is_sandbox()
    if sandboxed and not values["test_card"]:
        errors["test_card"] = w.need_card
    if errors or money is None:
        return _form(request, visit, acct, values, errors, status_code=422)
    installment, _owed = _installment(repo.shown_plan(db, case.id), values["installment"])
    try:
        result = charging.start_payment(
            db,
            case_id=case.id,
            amount_minor=money.minor,
            method=PaymentMethod.CARD,
            installment_id=installment,
            by_consumer=True,
            by_user_id=None,
            test_card=values["test_card"] if sandboxed else None,
            idempotency_key=values["key"] or None,
        )
    except PaymentError as exc:
        control = exc.field if exc.field in ("amount", "test_card") else "__all__"
        errors[control] = w("refused", reason=exc.message)
        return _form(request, visit, acct, values, errors, status_code=422)
    if result.status is IntentStatus.SUCCEEDED and result.payment_id is not None:
        if not result.repeated:
            cases_effects.consumer_note(
                db, case_id=case.id, body=f"paid {result.amount.format()} by card"
            )
        after = account(db, case, visit.lang)
        return pages.page(
            request,
            "paid.html",
            visit.lang,
            {
                "base": visit.base,
                "amount": result.amount.format(loc),
                "balance": after.balance.format(loc),
                "receipt": f"{visit.base}/receipts/{result.payment_id}",
            },
        )
    if result.status is IntentStatus.FAILED:
        errors["__all__"] = w("declined_body", reason=w.decline(result.failure_code))
        values["key"] = charging.new_key()  # another try is another payment
        return _form(request, visit, acct, values, errors, status_code=422)
    if result.status is IntentStatus.REQUIRES_ACTION and result.client_secret:
        return _card_page(request, visit, result)
    return pages.page(request, "processing.html", visit.lang, {"base": visit.base})


def _card_page(request: Request, visit: pages.Visit, result: charging.AttemptResult) -> Response:
    """Stripe's Payment Element for the intent, in the consumer's language; Stripe.js
    confirms it and sends the consumer back to the attempt's page."""
    public = get_settings().public_url.rstrip("/")
    stripe = {
        "publishable_key": charge_form.publishable_key(),
        "client_secret": result.client_secret,
        "return_url": f"{public}{visit.base}/pay/attempts/{result.attempt_id}",
        "script": charge_form.STRIPE_JS,
        "locale": visit.lang,
        "pay_label": visit.w.pay_button,
    }
    context = {
        "base": visit.base,
        "amount": result.amount.format(locale_of(visit.lang)),
        "stripe": stripe,
    }
    headers = {"Content-Security-Policy": charge_form.STRIPE_CSP}
    return pages.page(request, "pay_card.html", visit.lang, context, headers=headers)


@router.get("/{token}/pay/attempts/{attempt_id}")
def attempt_page(request: Request, db: DbSession, token: str, attempt_id: RowId) -> Response:
    """Where Stripe sends the consumer back: paid (with the receipt) once the provider's
    webhook has posted the payment, declined, or still being processed."""
    visit = pages.working_visit(db, request, token)
    attempt = providers_repo.attempt_of_case(db, visit.case.id, attempt_id)
    if attempt is None:
        return pages.refused(request)
    w, loc = visit.w, locale_of(visit.lang)
    if attempt.status is AttemptStatus.SUCCEEDED and attempt.payment_id is not None:
        after = account(db, visit.case, visit.lang)
        context = {
            "base": visit.base,
            "amount": Money(attempt.amount_minor, attempt.currency).format(loc),
            "balance": after.balance.format(loc),
            "receipt": f"{visit.base}/receipts/{attempt.payment_id}",
        }
        return pages.page(request, "paid.html", visit.lang, context)
    if attempt.status is AttemptStatus.FAILED:
        acct = account(db, visit.case, visit.lang)
        values = {
            "amount": f"{Money(attempt.amount_minor, attempt.currency).major}",
            "installment": "",
            "key": charging.new_key(),
            "test_card": "",
        }
        errors = {"__all__": w("declined_body", reason=w.decline(attempt.failure_code))}
        return _form(request, visit, acct, values, errors)
    return pages.page(request, "processing.html", visit.lang, {"base": visit.base})
