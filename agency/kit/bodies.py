"""Request bodies: a size limit for every route, enforced as the body arrives.

``BodyLimit`` is a plain ASGI middleware, outside routing, authentication and parsing.
A declared ``Content-Length`` over the route's limit is refused at once, before the app
sees the request; a body sent without one (chunked) is counted as it is received and
refused the moment it passes the limit, so no more than the limit is ever read or
spooled.  Routes that take no files get a small limit, whoever is asking; the routes
that take files or large JSON documents get theirs only with a credential (a session
cookie or an ``Authorization`` header), so an anonymous client cannot make the server
read a large body at all.

``RawBody`` gives a plain ``def`` endpoint the body it needs: the bytes are received on
the event loop (network I/O only), the parsing and everything after run in the thread
pool with the endpoint.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class BodyTooLarge(Exception):
    """The request's body is over its route's limit (413)."""

    def __init__(self, limit: int, message: str) -> None:
        super().__init__(f"the request body is over {limit} bytes")
        self.limit = limit
        self.message = message


@dataclass(frozen=True, slots=True)
class Limit:
    """A route's limit in bytes, and the refusal's message for a person."""

    size: int
    message: str


@dataclass(frozen=True, slots=True)
class Limits:
    """``routes``: (method, path) -> the limit for callers with a credential; every other
    unsafe request, and an anonymous one on those routes, gets ``default``."""

    default: Limit
    routes: Mapping[tuple[str, str], Limit]
    # Routes with a path parameter: (method, full-match pattern, limit).
    patterns: Sequence[tuple[str, re.Pattern[str], Limit]] = ()

    def for_scope(self, scope: Scope) -> Limit:
        special = self.routes.get((scope["method"], scope["path"]))
        if special is None:
            special = next(
                (
                    limit
                    for method, pattern, limit in self.patterns
                    if method == scope["method"] and pattern.fullmatch(scope["path"])
                ),
                None,
            )
        if special is None or not _has_credential(scope):
            return self.default
        return special


# The cookies that prove a caller: a staff session, and a consumer's passed identity
# check on their self-service page.
CREDENTIAL_COOKIES = (b"agency_session=", b"agency_pay=")


def _has_credential(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"authorization":
            return True
        if name == b"cookie" and any(cookie in value for cookie in CREDENTIAL_COOKIES):
            return True
    return False


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodyLimit:
    """Refuse a body over its route's limit: by its declared length before the app runs,
    or while it is received.  ``refuse(scope, error)`` makes the 413 response."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limits: Callable[[], Limits],
        refuse: Callable[[Scope, BodyTooLarge], Response],
    ) -> None:
        self.app = app
        self.limits = limits
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        limit = self.limits().for_scope(scope)
        declared = _declared_length(scope)
        if declared is not None and declared > limit.size:
            await self.refuse(scope, BodyTooLarge(limit.size, limit.message))(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit.size:
                    raise BodyTooLarge(limit.size, limit.message)
            return message

        await self.app(scope, counted, send)


async def _raw_body(request: Request) -> bytes:
    return await request.body()


# Declare it after the route's authentication: a body is read only for a known caller.
RawBody = Annotated[bytes, Depends(_raw_body)]
