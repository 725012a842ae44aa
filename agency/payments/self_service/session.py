"""The proof that the identity check was passed: a short-lived signed cookie for one
case's page (``self_service_session_minutes``), HttpOnly, Secure per the settings,
SameSite=Lax, sent only to ``/pay/``.  It names the case and the signing time of the
link it was passed on, so it works with that link only (and dies with it when the case's
links are revoked); it holds no personal data."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from agency.config import get_settings
from agency.kit import signed
from agency.payments.self_service.links import PATH, Link

COOKIE = "agency_pay"
PURPOSE = "self-service-session"


def _max_age() -> int:
    return get_settings().self_service_session_minutes * 60


def start(response: Response, link: Link) -> None:
    """Give the browser the proof for ``link``'s case."""
    value = signed.sign(PURPOSE, {"case": link.case_id, "link": int(link.signed_at.timestamp())})
    response.set_cookie(
        COOKIE,
        value,
        max_age=_max_age(),
        httponly=True,
        secure=get_settings().secure_cookies,
        samesite="lax",
        path=f"{PATH}/",
    )


def end(response: Response) -> None:
    response.delete_cookie(COOKIE, path=f"{PATH}/")


def passed(request: Request, link: Link) -> bool:
    """Whether this browser passed the identity check for ``link``'s case lately."""
    value = request.cookies.get(COOKIE)
    if not value:
        return False
    try:
        payload = signed.unsign(PURPOSE, value, max_age_seconds=_max_age())
    except ValueError:
        return False
    return payload.get("case") == link.case_id and payload.get("link") == int(
        link.signed_at.timestamp()
    )
