"""Choosing a plan or a settlement on the consumer's page among the options the client
allows (``arrangements.making.options_for_consumer``), with every payment shown before
confirming (``preview``); beyond the client's authority the offer waits for a
supervisor, and the page says we will confirm within one business day.  Moving the next
payment's date goes through ``move_next_date`` and its limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from agency.cases import self_service_effects as cases_effects
from agency.db import DbSession
from agency.kit.forms import PostedForm
from agency.kit.money import Money
from agency.payments.arrangements import making
from agency.payments.arrangements.form import new_token
from agency.payments.models import PlanKind, PlanStatus
from agency.payments.repository import self_service as repo
from agency.payments.schemas import Offer, PaymentError, Schedule
from agency.payments.self_service import links, pages
from agency.payments.self_service.landing import landing_context, next_unpaid
from agency.payments.self_service.text import Words, locale_of

router = APIRouter(prefix=links.PATH)


@dataclass(frozen=True, slots=True)
class Option:
    index: int
    offer: Offer
    schedule: Schedule
    label: str
    rows: tuple[tuple[date, str, bool], ...]  # due, amount, down payment
    total: str


def _label(offer: Offer, schedule: Schedule, w: Words, loc: str) -> str:
    payments = schedule.payments
    total = schedule.total.format(loc)
    frequency = w(offer.frequency.value) if offer.frequency else ""
    if offer.kind is PlanKind.SETTLEMENT:
        how = (
            w("in_one", date=payments[0].due)
            if len(payments) == 1
            else w("in_count", count=len(payments), frequency=frequency)
        )
        return w("option_settlement", amount=total, how=how)
    if offer.kind is PlanKind.PROMISE or len(payments) == 1:
        return w("option_promise", amount=total, date=payments[0].due)
    return w("option_plan", count=len(payments), frequency=frequency, date=payments[0].due)


def options(db: Session, visit: pages.Visit) -> list[Option]:
    w, loc, currency = visit.w, locale_of(visit.lang), visit.case.currency
    found = []
    for index, offer in enumerate(making.options_for_consumer(db, case_id=visit.case.id)):
        schedule = making.preview(db, case_id=visit.case.id, offer=offer)
        rows = tuple(
            (p.due, Money(p.amount_minor, currency).format(loc), p.down_payment)
            for p in schedule.payments
        )
        label = _label(offer, schedule, w, loc)
        found.append(Option(index, offer, schedule, label, rows, schedule.total.format(loc)))
    return found


def _chosen(db: Session, visit: pages.Visit, value: object) -> Option | None:
    text = str(value or "")
    if not text.isdigit():
        return None
    return next((o for o in options(db, visit) if o.index == int(text)), None)


def _choose_page(
    request: Request, db: Session, visit: pages.Visit, errors: dict[str, str], status: int = 200
) -> Response:
    context = {
        "base": visit.base,
        "options": options(db, visit),
        "errors": errors,
        "has_plan": repo.shown_plan(db, visit.case.id) is not None,
    }
    return pages.page(request, "plan.html", visit.lang, context, status_code=status)


@router.get("/{token}/plan")
def plan_form(request: Request, db: DbSession, token: str) -> Response:
    return _choose_page(request, db, pages.working_visit(db, request, token), {})


@router.post("/{token}/plan/preview")
def plan_preview(request: Request, db: DbSession, token: str, form: PostedForm) -> Response:
    """The chosen option's payments, with the button that confirms it."""
    visit = pages.working_visit(db, request, token)
    option = _chosen(db, visit, form.get("option"))
    if option is None:
        return _choose_page(request, db, visit, {"option": visit.w.need_option}, 422)
    context = {"base": visit.base, "option": option, "key": new_token()}
    return pages.page(request, "plan_preview.html", visit.lang, context)


@router.post("/{token}/plan")
def plan_confirm(request: Request, db: DbSession, token: str, form: PostedForm) -> Response:
    """Make the chosen option the case's arrangement: active, or pending approval."""
    visit = pages.working_visit(db, request, token, lock=True)
    option = _chosen(db, visit, form.get("option"))
    if option is None:
        return _choose_page(request, db, visit, {"option": visit.w.need_option}, 422)
    try:
        made = making.propose(
            db,
            case_id=visit.case.id,
            offer=option.offer,
            by_user_id=None,
            by_consumer=True,
            form_key=str(form.get("key") or "")[:64] or None,
        )
    except PaymentError as exc:
        errors = {"option": visit.w("refused", reason=exc.message)}
        return _choose_page(request, db, visit, errors, 422)
    pending = made.status is PlanStatus.PENDING
    state = "waiting for approval" if pending else "active"
    cases_effects.consumer_note(
        db, case_id=visit.case.id, body=f"chose {option.label} ({made.total.format()}, {state})"
    )
    plan = repo.shown_plan(db, visit.case.id)
    first = next_unpaid(plan) if plan is not None and not pending else None
    loc = locale_of(visit.lang)
    context = {
        "base": visit.base,
        "pending": pending,
        "first_id": first.id if first else None,
        "first_amount": Money(first.amount_minor, plan.currency).format(loc)
        if first and plan
        else None,
        "first_date": first.due_date if first else None,
    }
    return pages.page(request, "plan_done.html", visit.lang, context)


@router.post("/{token}/plan/next-date")
def move_date(request: Request, db: DbSession, token: str, form: PostedForm) -> Response:
    """Move the next payment's date within the arrangement's limits."""
    visit = pages.working_visit(db, request, token, lock=True)
    w = visit.w
    value = str(form.get("new_due") or "").strip()[:20]
    plan = repo.shown_plan(db, visit.case.id)
    errors: dict[str, str] = {}
    try:
        new_due = date.fromisoformat(value)
    except ValueError:
        errors["new_due"] = w.bad_date
    if plan is None or str(plan.id) != str(form.get("plan_id") or ""):
        errors["new_due"] = w("refused", reason="no active plan")
    if not errors and plan is not None:
        try:
            making.move_next_date(
                db, plan_id=plan.id, new_due=new_due, by_consumer=True, by_user_id=None
            )
        except PaymentError as exc:
            errors["new_due"] = w("refused", reason=exc.message)
    context = landing_context(db, visit)
    if errors:
        context.update(move_errors=errors, move_value=value)
        return pages.page(request, "landing.html", visit.lang, context, status_code=422)
    cases_effects.consumer_note(
        db, case_id=visit.case.id, body=f"moved the next payment to {new_due.isoformat()}"
    )
    context["notice"] = w("moved", date=new_due)
    return pages.page(request, "landing.html", visit.lang, context)
