"""CSRF protection for every form post and htmx request: tokens bound to the session.

A signed-in browser's token is HMAC(secret, SHA-256 of its session token), so a token
shown in one session is refused in every other, and signing out or in again (a new
session) changes it.  Before sign-in (the login form) there is no session to bind to:
the browser holds a random nonce in the ``agency_csrf`` cookie, pages embed
HMAC(secret, nonce), and the nonce rotates at sign-in and sign-out.  An unsafe request
(POST, PUT, PATCH, DELETE) must send the token of the session cookie it carries (or, with
none, of its nonce) in the ``csrf_token`` form field or the ``X-CSRF-Token`` header.
Another site can neither read our pages nor compute the HMAC, so it cannot produce one.

A request with the session cookie is always checked, whatever other headers it has:
browsers add ``Authorization: Basic`` or ``Negotiate`` by themselves behind some
proxies, so an ``Authorization`` header proves nothing.  Only ``/api/`` calls that carry
no session cookie are exempt: the one credential the API takes without a session is an
API key (``Authorization: Bearer``), which a browser never adds on its own, and a call
without one is refused by the route's own check (401).
"""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response
from starlette.types import Scope

from agency.config import get_settings
from agency.kit.crypto import keyed_hash, new_token, same, token_digest
from agency.kit.forms import read_form

SESSION_COOKIE = "agency_session"  # the sign-in session (agency.auth.permissions)
COOKIE = "agency_csrf"
FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfFailed(Exception):
    """The request had no valid CSRF token."""


def for_session(session_token: str) -> str:
    """The token of a signed-in browser: bound to its session."""
    return keyed_hash(token_digest(session_token), purpose="csrf-session")


def for_nonce(nonce: str) -> str:
    """The token of a browser with no session yet: bound to its nonce cookie."""
    return keyed_hash(nonce, purpose="csrf")


def _nonce(request: Request) -> str:
    """This browser's nonce, minting one for this response if it has none yet."""
    nonce = getattr(request.state, "csrf_nonce", None) or request.cookies.get(COOKIE)
    if not nonce:
        nonce = new_token()
        request.state.csrf_nonce_new = True
    request.state.csrf_nonce = nonce
    return str(nonce)


def _session_token(request: Request) -> str | None:
    """The session cookie the browser will still hold after this response."""
    if getattr(request.state, "csrf_session_ended", False):
        return None
    return request.cookies.get(SESSION_COOKIE) or None


def csrf_token(request: Request) -> str:
    """The token to embed in this page's forms and htmx headers."""
    session_token = _session_token(request)
    return for_session(session_token) if session_token else for_nonce(_nonce(request))


def session_ended(request: Request) -> None:
    """The session cookie names an ended session and this response clears it: a page
    rendered now (the sign-in form) carries the pre-session token the next post needs."""
    request.state.csrf_session_ended = True


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


def _expected(request: Request) -> str | None:
    """The token this request must carry, from the cookies it came with."""
    session_token = request.cookies.get(SESSION_COOKIE)
    if session_token:
        return for_session(session_token)
    nonce = request.cookies.get(COOKIE)
    return for_nonce(nonce) if nonce else None


# Where callers have no session, each with its own credential: the API (a key), a
# provider's webhooks (a signature), an e-mail's opt-out link (its signed token; a mail
# program's RFC 8058 one-click POST carries no cookie).
MACHINE_PATHS = ("/api/", "/webhooks/", "/opt-out/")


async def verify(request: Request) -> None:
    """App-wide dependency: refuse an unsafe request without a valid token."""
    if request.method in SAFE_METHODS:
        return
    if request.url.path.startswith(MACHINE_PATHS) and SESSION_COOKIE not in request.cookies:
        return  # a machine with no ambient credential: its key or signature check answers it
    expected = _expected(request)
    sent = request.headers.get(HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await read_form(request)).get(FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not same(sent, expected):
        raise CsrfFailed
