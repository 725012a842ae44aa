"""The consumer's page, ``/pay/{token}`` (no login): the identity check, then the
account — who we are and for whom, the balance itemized, the mini-Miranda statement,
their plan, their documents, and the ways to act (``action_views``: pay, plan, dispute,
stop a channel).  Every route reads the link first (``pages``): a link that does not
open the page gets the same 404 page whatever is wrong with it."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from agency.auth.permissions import client_ip
from agency.db import DbSession
from agency.kit.forms import PostedForm
from agency.payments.self_service import identity, links, pages, session
from agency.payments.self_service.landing import landing_context
from agency.payments.self_service.text import words

router = APIRouter(prefix=links.PATH)
FIELD_MAX = 80


@router.get("/{token}")
def landing(request: Request, db: DbSession, token: str) -> Response:
    visit = pages.open_visit(db, request, token)
    return pages.page(request, "landing.html", visit.lang, landing_context(db, visit))


@router.post("/{token}/identity")
def check_identity(request: Request, db: DbSession, token: str, form: PostedForm) -> Response:
    """One answer to the identity check: right, the page (with the session cookie);
    wrong, the form again saying so (422); locked or throttled, the page that says
    when to try again."""
    try:
        link, case = links.verify(db, token, lock=True)
    except links.LinkRefused:
        return pages.refused(request)
    lang = pages.language(request, case)
    w = words(lang)
    values = {
        name: str(form.get(name) or "")[:FIELD_MAX]
        for name in ("last_name", "date_of_birth", "postal_code")
    }
    errors: dict[str, str] = {}
    if not values["last_name"].strip():
        errors["last_name"] = w.need_last_name
    born: date | None = None
    if values["date_of_birth"].strip():
        try:
            born = date.fromisoformat(values["date_of_birth"].strip())
        except ValueError:
            errors["date_of_birth"] = w.bad_date
    elif not values["postal_code"].strip():
        errors["date_of_birth"] = w.need_dob_or_postal
    context = {"base": link.path, "values": values, "errors": errors}
    if errors:
        return pages.page(request, "identity.html", lang, context, status_code=422)
    answer = identity.Answer(
        last_name=values["last_name"],
        date_of_birth=born,
        postal_code=None if born else values["postal_code"],
    )
    try:
        right = identity.check(db, case=case, answer=answer, client_ip=client_ip(request))
    except identity.Locked as exc:
        return pages.locked(request, lang, exc.until)
    except identity.Throttled as exc:
        context["errors"] = {"__all__": w("throttled_body", minutes=max(1, exc.seconds // 60))}
        return pages.page(request, "identity.html", lang, context, status_code=429)
    if not right:
        until = links.locked_until(links.access_of(db, case.id))
        if until is not None:
            return pages.locked(request, lang, until)
        context["errors"] = {"__all__": w.no_match}
        return pages.page(request, "identity.html", lang, context, status_code=422)
    response = RedirectResponse(link.path, status_code=303)
    session.start(response, link)
    return response
