"""Who is asking, and may they: FastAPI dependencies used by every route.

``Viewer`` is what the repository layers need for tenant scoping: a merchant user is
bound to one client and every query it reaches filters by that client.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from starlette.responses import Response

from agency.auth import service
from agency.auth.csrf import SESSION_COOKIE as SESSION_COOKIE
from agency.auth.csrf import session_ended
from agency.auth.models import Role, User
from agency.config import get_settings
from agency.db import DbSession
from agency.kit import clock


class NotAuthenticated(Exception):
    """No signed-in user; ``expired`` tells a lapsed session from no session at all."""

    def __init__(self, *, expired: bool = False) -> None:
        super().__init__("expired session" if expired else "not signed in")
        self.expired = expired


class Forbidden(Exception):
    """Signed in, but this role may not do this."""


@dataclass(frozen=True, slots=True)
class Viewer:
    """A plain snapshot of the signed-in user: safe to use after the session has ended
    (error pages render after a rollback has expired every ORM object)."""

    user_id: int
    role: Role
    client_id: int | None
    full_name: str
    time_zone: str | None = None  # the profile's; None: the agency's

    @property
    def is_merchant(self) -> bool:
        return self.role is Role.MERCHANT

    @property
    def zone(self) -> ZoneInfo:
        """The zone this user's screens show times in."""
        return clock.zone(self.time_zone) if self.time_zone else clock.office_zone()


def current_user(request: Request, db: DbSession) -> User:
    """The signed-in user; raises NotAuthenticated (401) otherwise."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise NotAuthenticated
    try:
        user = service.user_for_token(db, token=token)
    except service.SessionExpired:
        session_ended(request)  # the answer clears the cookie: its form needs no session
        raise NotAuthenticated(expired=True) from None
    request.state.viewer = Viewer(
        user_id=user.id,
        role=user.role,
        client_id=user.client_id,
        full_name=user.full_name,
        time_zone=user.time_zone,
    )
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def client_ip(request: Request) -> str:
    """The address a request came from, as the socket or a trusted proxy gives it (at
    most IPv6's 45 characters): what login throttling counts by."""
    return (request.client.host if request.client else "unknown")[:45]


def require(*roles: Role) -> Callable[[User], Awaitable[User]]:
    """A dependency admitting only ``roles`` (403 for any other signed-in user)."""

    async def dependency(user: CurrentUser) -> User:  # async: no thread for a comparison
        if user.role not in roles:
            raise Forbidden
        return user

    dependency.__name__ = "require_" + "_or_".join(role.value for role in roles)
    return dependency


async def viewer(request: Request, user: CurrentUser) -> Viewer:
    result: Viewer = request.state.viewer
    return result


CurrentViewer = Annotated[Viewer, Depends(viewer)]


def set_session_cookie(response: Response, token: str, max_age: int) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age,
        httponly=True,
        secure=get_settings().secure_cookies,
        samesite="lax",
        path="/",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, secure=get_settings().secure_cookies
    )
