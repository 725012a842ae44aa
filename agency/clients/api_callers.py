"""Who calls the JSON API: a client's machine, known by its API key.

The key is the client's (``ApiKey`` in clients.models), so the dependency that
authenticates it lives here, not in auth, which imports no client."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from agency.clients import service as clients_service
from agency.db import DbSession


class ApiKeyRejected(Exception):
    """No usable API key on a JSON API call (401)."""


@dataclass(frozen=True, slots=True)
class ApiCaller:
    """A client's machine, known by its API key.  Everything it reaches is that client's."""

    key_id: int
    client_id: int


_bearer = HTTPBearer(auto_error=False, description="the client's API key")


def api_caller(
    db: DbSession,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> ApiCaller:
    """The API key in ``Authorization: Bearer <key>``; 401 if missing, unknown or revoked."""
    if credentials is None or not credentials.credentials.strip():
        raise ApiKeyRejected("send the client's API key as: Authorization: Bearer <key>")
    key = clients_service.authenticate_api_key(db, secret=credentials.credentials.strip())
    if key is None:
        raise ApiKeyRejected("the API key is unknown or has been revoked")
    return ApiCaller(key_id=key.id, client_id=key.client_id)


CurrentApiCaller = Annotated[ApiCaller, Depends(api_caller)]
