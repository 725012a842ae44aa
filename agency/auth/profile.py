"""Everyone's own profile (the time zone their screens use, the phone click-to-call
rings, their password) and the
password reset link an admin issued (agency.auth.passwords)."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from starlette.responses import Response

from agency.auth import csrf, passwords, repository, service
from agency.auth.hashing import HashingSlot
from agency.auth.models import PasswordReset
from agency.auth.permissions import SESSION_COOKIE, CurrentUser, clear_session_cookie, client_ip
from agency.auth.schemas import NewPasswordForm, PasswordChangeForm, PhoneForm, TimeZoneForm
from agency.db import DbSession
from agency.kit import clock, flash
from agency.kit.crypto import token_digest
from agency.kit.forms import FormError, PostedForm, form_values, parse
from agency.kit.templates import render
from agency.kit.timezones import user_zone_choices

router = APIRouter()


def _profile(
    request: Request,
    user: CurrentUser,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    return render(
        request,
        "auth/profile.html",
        {
            "me": user,
            "values": values or _saved(user),
            "errors": errors or {},
            "zones": user_zone_choices(),
            "agency_zone": clock.office_zone().key,
            "now": clock.now(),
        },
        status_code=status_code,
        headers=headers,
    )


def _saved(user: CurrentUser) -> dict[str, str]:
    return {"time_zone": user.time_zone or "", "phone": user.phone or ""}


@router.get("/profile")
def profile(request: Request, user: CurrentUser) -> Response:
    return _profile(request, user)


@router.post("/profile/time-zone")
def set_time_zone(
    request: Request, posted: PostedForm, db: DbSession, user: CurrentUser
) -> Response:
    values = form_values(posted)
    try:
        form = parse(TimeZoneForm, values)
    except FormError as exc:
        shown = {**_saved(user), **values}
        return _profile(request, user, values=shown, errors=exc.errors, status_code=422)
    service.set_time_zone(db, user=user, time_zone=form.time_zone or None)
    return flash.redirect("/profile", "Your time zone is saved: times on every screen now use it.")


@router.post("/profile/phone")
def set_phone(request: Request, posted: PostedForm, db: DbSession, user: CurrentUser) -> Response:
    """The phone click-to-call rings (then connects to the consumer)."""
    values = form_values(posted)
    try:
        form = parse(PhoneForm, values)
    except FormError as exc:
        shown = {**_saved(user), **values}
        return _profile(request, user, values=shown, errors=exc.errors, status_code=422)
    service.set_phone(db, user=user, phone=form.phone or None)
    if form.phone:
        return flash.redirect("/profile", f"Click-to-call now rings {form.phone}.")
    return flash.redirect("/profile", "Your phone is removed: click-to-call cannot ring you.")


@router.post("/profile/password")
def change_password(
    request: Request, posted: PostedForm, _slot: HashingSlot, db: DbSession, user: CurrentUser
) -> Response:
    """Change one's own password: the current one is checked like a sign-in, and
    throttled with it; the other sessions end."""
    values = form_values(posted)
    keep = _saved(user)  # passwords are never typed back
    try:
        form = parse(PasswordChangeForm, values)
        passwords.change_password(
            db,
            user=user,
            current=form.current_password,
            new=form.new_password,
            client_ip=client_ip(request),
            keep_session_token=request.cookies.get(SESSION_COOKIE, ""),
        )
    except FormError as exc:
        return _profile(request, user, values=keep, errors=exc.errors, status_code=422)
    except service.LoginThrottled as exc:
        minutes = max(1, round(exc.retry_after / 60))
        error = f"had too many wrong tries. Try again in about {minutes} min"
        return _profile(
            request,
            user,
            values=keep,
            errors={"current_password": error},
            status_code=429,
            headers={"Retry-After": str(exc.retry_after)},
        )
    except passwords.WrongPassword:
        error = "is not your password"
        return _profile(
            request, user, values=keep, errors={"current_password": error}, status_code=422
        )
    return flash.redirect(
        "/profile", "Your password is changed. Your other sessions have been signed out."
    )


# ---- the reset link an admin issued ---------------------------------------------------------
# The token rides in the query string (and the form's body), never the path: the access
# log leaves query strings out, so no log line holds a working link.

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,100}$")  # as new_token() makes them (43 characters)


def _usable(db: DbSession, token: str) -> PasswordReset | None:
    return passwords.reset_for_token(db, token) if _TOKEN.match(token) else None


def _reset_page(
    request: Request, *, token: str, usable: bool, errors: dict[str, str] | None = None
) -> Response:
    status_code = 422 if errors else 200
    return render(
        request,
        "auth/reset.html",
        {"token": token, "usable": usable, "errors": errors or {}},
        status_code=status_code if usable else 404,
    )


@router.get("/password-reset")
def reset_form(request: Request, db: DbSession, token: str = "") -> Response:
    return _reset_page(request, token=token, usable=_usable(db, token) is not None)


@router.post("/password-reset")
def reset(request: Request, posted: PostedForm, _slot: HashingSlot, db: DbSession) -> Response:
    """Set a new password with a reset link: once, before it expires; every session of
    the user ends, so they sign in again with it."""
    values = form_values(posted)
    token = values.get("token", "")
    found = _usable(db, token)
    if found is None:
        return _reset_page(request, token="", usable=False)
    try:
        form = parse(NewPasswordForm, values)
    except FormError as exc:
        return _reset_page(request, token=token, usable=True, errors=exc.errors)
    user = passwords.reset_password(db, reset=found, new=form.new_password)
    browser_session = request.cookies.get(SESSION_COOKIE)
    ended = bool(browser_session) and (
        repository.session_by_token_hash(db, token_digest(browser_session or "")) is None
    )
    if ended:  # this browser's session was the user's: it ended with the others
        csrf.session_ended(request)
    response = render(
        request,
        "auth/login.html",
        {"notice": "Your password is set. Sign in with it.", "email": user.email, "next": ""},
    )
    if ended:
        clear_session_cookie(response)
    return response


def reset_link(request: Request, token: str) -> str:
    """The link to give the user (absolute, on this site)."""
    return str(request.url_for("reset_form").include_query_params(token=token))
