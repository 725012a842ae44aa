"""CSRF protection for every form post and htmx request (signed double-submit cookie).

The browser holds a random nonce in the ``agency_csrf`` cookie; pages embed
HMAC(secret, nonce) as the token.  An unsafe request (POST, PUT, PATCH, DELETE) must send
that token in the ``csrf_token`` form field or the ``X-CSRF-Token`` header.  Another site
can neither read our pages nor forge the HMAC, so it cannot produce a valid token.
Requests authenticated by an ``Authorization`` header (API keys), and API calls that
carry no session cookie, have no ambient credential to abuse and are exempt; an API call
made with a session cookie is checked like any form.
"""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response
from starlette.types import Scope

from agency.config import get_settings
from agency.kit.crypto import keyed_hash, new_token, same
from agency.kit.forms import read_form

SESSION_COOKIE = "agency_session"  # the sign-in session (agency.auth.permissions)
COOKIE = "agency_csrf"
FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfFailed(Exception):
    """The request had no valid CSRF token."""


def _nonce(request: Request) -> str:
    """This browser's nonce, minting one for this response if it has none yet."""
    nonce = getattr(request.state, "csrf_nonce", None) or request.cookies.get(COOKIE)
    if not nonce:
        nonce = new_token()
        request.state.csrf_nonce_new = True
    request.state.csrf_nonce = nonce
    return str(nonce)


def csrf_token(request: Request) -> str:
    """The token to embed in this page's forms and htmx headers."""
    return keyed_hash(_nonce(request), purpose="csrf")


def rotate(request: Request) -> None:
    """Give the browser a new nonce (at sign-in and sign-out)."""
    request.state.csrf_nonce = new_token()
    request.state.csrf_nonce_new = True


def cookie_headers(scope: Scope) -> list[tuple[bytes, bytes]]:
    """The ``Set-Cookie`` header giving the browser its new nonce, if this request minted
    or rotated one (read from the request's state in its ASGI scope)."""
    state = scope.get("state", {})
    if not state.get("csrf_nonce_new"):
        return []
    response = Response()
    response.set_cookie(
        COOKIE,
        state["csrf_nonce"],
        httponly=True,
        secure=get_settings().secure_cookies,
        samesite="lax",
        path="/",
    )
    return [(name, value) for name, value in response.raw_headers if name == b"set-cookie"]


async def verify(request: Request) -> None:
    """App-wide dependency: refuse an unsafe request without a valid token."""
    if request.method in SAFE_METHODS or "authorization" in request.headers:
        return
    if request.url.path.startswith("/api/") and SESSION_COOKIE not in request.cookies:
        return  # a machine with no ambient credential: the API key check answers it
    nonce = request.cookies.get(COOKIE)
    sent = request.headers.get(HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await read_form(request)).get(FIELD)
        sent = value if isinstance(value, str) else None
    if not nonce or not sent or not same(sent, keyed_hash(nonce, purpose="csrf")):
        raise CsrfFailed
