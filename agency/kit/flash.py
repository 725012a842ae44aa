"""A confirmation shown once on the page a form redirects to (POST, redirect, GET).

``redirect(url, message)`` answers 303 with the message in a short-lived, signed cookie;
``render()`` shows it in the page's status region (``base.html``) and deletes the cookie,
so a reload does not show it again.  Signed so that nobody can make the app say
something it did not; messages name what was done, never personal data.
"""

from __future__ import annotations

import base64
import binascii

from fastapi import Request
from starlette.responses import RedirectResponse, Response

from agency.config import get_settings
from agency.kit.crypto import keyed_hash, same

COOKIE = "agency_flash"
MAX_LENGTH = 300
_PURPOSE = "flash message"


def redirect(url: str, message: str) -> RedirectResponse:
    """A 303 to ``url`` that shows ``message`` there, once."""
    response = RedirectResponse(url, status_code=303)
    value = base64.urlsafe_b64encode(message[:MAX_LENGTH].encode()).decode()
    response.set_cookie(
        COOKIE,
        f"{value}.{keyed_hash(value, purpose=_PURPOSE)}",
        max_age=60,
        httponly=True,
        secure=get_settings().secure_cookies,
        samesite="lax",
        path="/",
    )
    return response


def pending(request: Request) -> str | None:
    """The message waiting for this request's page, if it is ours and intact."""
    value, _, signature = request.cookies.get(COOKIE, "").partition(".")
    if not value or not same(signature, keyed_hash(value, purpose=_PURPOSE)):
        return None
    try:
        return base64.urlsafe_b64decode(value.encode()).decode()[:MAX_LENGTH]
    except (binascii.Error, UnicodeDecodeError):
        return None


def shown(response: Response) -> None:
    """The message was put on the page: forget it."""
    response.delete_cookie(
        COOKIE, path="/", httponly=True, secure=get_settings().secure_cookies, samesite="lax"
    )
