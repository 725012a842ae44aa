"""Sign-in, sign-out, each role's home, and a password reset link issued by an admin."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from agency.auth import csrf, passwords, profile, repository, service
from agency.auth.hashing import HashingSlot
from agency.auth.models import Role, User
from agency.auth.permissions import (
    SESSION_COOKIE,
    CurrentUser,
    clear_session_cookie,
    client_ip,
    require,
    set_session_cookie,
)
from agency.auth.schemas import LoginForm
from agency.config import get_settings
from agency.db import DbSession
from agency.kit.errors import NotFound
from agency.kit.forms import FormError, PostedForm, form_values, parse
from agency.kit.params import RowId
from agency.kit.templates import render

router = APIRouter()
router.include_router(profile.router)

HOME_BY_ROLE = {
    Role.ADMIN: "/admin/clients",
    Role.SUPERVISOR: "/supervisor",
    Role.AGENT: "/cases?agent=me",
    Role.COMPLIANCE: "/compliance",
    Role.MERCHANT: "/portal",
}

Admin = Annotated[User, Depends(require(Role.ADMIN))]


def _safe_next(target: str) -> str | None:
    """Only same-site paths may be redirected to after sign-in."""
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc:
        return target
    return None


def login_page(
    request: Request,
    *,
    status_code: int = 200,
    error: str | None = None,
    notice: str | None = None,
    email: str = "",
    next_url: str = "",
    headers: dict[str, str] | None = None,
) -> Response:
    return render(
        request,
        "auth/login.html",
        {"error": error, "notice": notice, "email": email, "next": next_url},
        status_code=status_code,
        headers=headers,
    )


@router.get("/login")
def login_form(request: Request, next: str = "") -> Response:
    return login_page(request, next_url=_safe_next(next) or "")


@router.post("/login")
def login(request: Request, posted: PostedForm, _slot: HashingSlot, db: DbSession) -> Response:
    values = form_values(posted)
    try:
        form = parse(LoginForm, values)
    except FormError:
        return login_page(
            request,
            status_code=422,
            error="Enter your e-mail and password.",
            email=values.get("email", ""),
            next_url=values.get("next", ""),
        )
    try:
        signed_in = service.sign_in(
            db, email=form.email, password=form.password, client_ip=client_ip(request)
        )
    except service.LoginThrottled as exc:
        minutes = max(1, round(exc.retry_after / 60))
        return login_page(
            request,
            status_code=429,
            email=form.email,
            next_url=form.next,
            error=f"Too many failed sign-ins. Try again in about {minutes} minute"
            f"{'s' if minutes != 1 else ''}.",
            headers={"Retry-After": str(exc.retry_after)},
        )
    except service.LoginFailed:
        return login_page(
            request,
            status_code=401,
            error="E-mail or password is incorrect.",
            email=form.email,
            next_url=form.next,
        )
    previous = request.cookies.get(SESSION_COOKIE)
    if previous:  # signing in again (perhaps as someone else) ends the old session
        service.sign_out(db, token=previous)
    target = _safe_next(form.next) or HOME_BY_ROLE[signed_in.user.role]
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, signed_in.token, get_settings().session_hours * 3600)
    csrf.rotate(request)
    return response


@router.post("/logout")
def logout(request: Request, db: DbSession) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        service.sign_out(db, token=token)
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(response)
    csrf.rotate(request)
    return response


@router.get("/")
def home(user: CurrentUser) -> Response:
    return RedirectResponse(HOME_BY_ROLE[user.role], status_code=303)


# ---- user administration: the screens are agency.clients.user_views (they offer the
# clients a merchant user may belong to); issuing a reset link is auth's alone.


def _user_or_404(db: DbSession, user_id: int) -> User:
    user = repository.user_by_id(db, user_id)
    if user is None:
        raise NotFound("user")
    return user


@router.post("/admin/users/{user_id}/reset-link")
def issue_reset_link(request: Request, db: DbSession, admin: Admin, user_id: RowId) -> Response:
    """A new single-use password reset link for the user, shown once to the admin, who
    passes it on (the e-mailed self-service link waits for outreach)."""
    user = _user_or_404(db, user_id)
    issued = passwords.issue_reset(db, user=user, issued_by=admin)
    return render(
        request,
        "auth/reset_issued.html",
        {
            "edited": user,
            "link": profile.reset_link(request, issued.token),
            "expires_at": issued.expires_at,
        },
        headers={"Cache-Control": "no-store"},
    )
