"""What every route of the consumer's page does first: read the link, pick the language,
and answer the refused link, the lock, the identity check or the closed case the same
way wherever the consumer is; then render with the page's own layout."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from agency.cases.models import Case
from agency.config import get_settings
from agency.kit.errors import ResponseError
from agency.kit.templates import render
from agency.outreach.composing import agency_contact
from agency.payments.self_service import links, session
from agency.payments.self_service.text import LANG_NAMES, LANGS, Lang, Words, lang_of, words

LANG_COOKIE = "agency_pay_lang"
# The same answer for every link that does not open the page (tampered, expired,
# revoked, unknown): nothing tells them apart.
REFUSED_STATUS = 404


@dataclass(frozen=True, slots=True)
class Visit:
    """A consumer on their page: the link, its case (with consumer, client, contract)
    and the language they read."""

    link: links.Link
    case: Case
    lang: Lang

    @property
    def w(self) -> Words:
        return words(self.lang)

    @property
    def base(self) -> str:
        return self.link.path


def language(request: Request, case: Case | None = None) -> Lang:
    """The query's ``lang`` (the switch), else the one chosen before, else the case's."""
    return (
        lang_of(request.query_params.get("lang"))
        or lang_of(request.cookies.get(LANG_COOKIE))
        or lang_of(case.language if case is not None else None)
        or "en"
    )


def page(
    request: Request,
    name: str,
    lang: Lang,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """A page of the consumer's site in ``lang`` (its ``lang`` attribute follows)."""
    values = {
        "lang": lang,
        "w": words(lang),
        "langs": [(code, LANG_NAMES[code]) for code in LANGS],
        "agency": agency_contact(),
        "path": request.url.path,
        **(context or {}),
    }
    response = render(
        request, f"payments/self_service/{name}", values, status_code=status_code, headers=headers
    )
    if request.query_params.get("lang") == lang:
        response.set_cookie(
            LANG_COOKIE,
            lang,
            max_age=365 * 24 * 3600,
            httponly=True,
            secure=get_settings().secure_cookies,
            samesite="lax",
            path=f"{links.PATH}/",
        )
    return response


def refused(request: Request) -> Response:
    return page(request, "refused.html", language(request), status_code=REFUSED_STATUS)


def open_visit(db: Session, request: Request, token: str, *, lock: bool = False) -> Visit:
    """The visit of a link whose identity check this browser passed, or the page that
    answers instead (refused, locked, the identity check) as a ``ResponseError``."""
    try:
        link, case = links.verify(db, token, lock=lock)
    except links.LinkRefused:
        raise ResponseError(refused(request)) from None
    lang = language(request, case)
    if not session.passed(request, link):
        until = links.locked_until(links.access_of(db, case.id))
        if until is not None:
            raise ResponseError(locked(request, lang, until))
        raise ResponseError(
            page(request, "identity.html", lang, {"base": link.path, "values": {}, "errors": {}})
        )
    return Visit(link=link, case=case, lang=lang)


def working_visit(db: Session, request: Request, token: str, *, lock: bool = False) -> Visit:
    """``open_visit``, for the pages that change the case: a closed case gets the
    polite closed page with our contact details instead."""
    visit = open_visit(db, request, token, lock=lock)
    if not visit.case.status.is_open:
        raise ResponseError(closed(request, visit))
    return visit


def locked(request: Request, lang: Lang, until: Any) -> Response:
    return page(
        request,
        "locked.html",
        lang,
        {"until": until.strftime("%Y-%m-%d %H:%M")},
        status_code=429,
    )


def closed(request: Request, visit: Visit) -> Response:
    return page(request, "closed.html", visit.lang, {"base": visit.base}, status_code=409)
