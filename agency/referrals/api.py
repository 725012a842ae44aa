"""The JSON API of referral intake, for clients' machines (authenticated by API key)."""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query
from fastapi.responses import JSONResponse

from agency.clients import service as clients_service
from agency.clients.api_callers import CurrentApiCaller
from agency.clients.models import Client
from agency.db import DbSession
from agency.kit.bodies import RawBody
from agency.kit.errors import COMMON_API_ERRORS, ApiError, NotFound, api_responses
from agency.kit.json_input import JsonInputError, load_json
from agency.kit.params import MAX_ID
from agency.referrals import push, repository
from agency.referrals.errors import IntakeError
from agency.referrals.schemas import (
    MAX_PUSH,
    AccountAction,
    ActionResult,
    PlacementErrors,
    PlacementPush,
    PlacementSummary,
    PushResult,
)

router = APIRouter(
    prefix="/api/v1", tags=["referrals"], responses=api_responses(*COMMON_API_ERRORS)
)


def _client(db: DbSession, client_id: int) -> Client:
    client = clients_service.get_client(db, client_id=client_id)
    if client is None or not client.is_active:
        raise ApiError(403, "this client is not active")
    return client


def _json_body(raw: bytes) -> Any:
    """The body as JSON, within bounds (``kit.json_input``): numbers exact, never floats."""
    try:
        return load_json(raw)
    except JsonInputError as exc:
        raise ApiError(400, f"the body cannot be read: {exc}") from None


@router.post(
    "/placements",
    response_model=PushResult,
    status_code=201,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": PlacementPush.model_json_schema()}},
        }
    },
    responses=api_responses(400, 403, 409)
    | {200: {"description": "a retry with the same Idempotency-Key: the first answer"}},
)
def push_placement(
    db: DbSession,
    caller: CurrentApiCaller,
    raw: RawBody,
    idempotency_key: Annotated[str | None, Header(max_length=255)] = None,
    layout: Annotated[str | None, Query(max_length=60, description="a saved layout's name")] = None,
) -> JSONResponse:
    """Place up to 10,000 accounts; every account is accepted or rejected with reasons.

    Send an ``Idempotency-Key`` header: a retry with the same key and body returns the
    first answer (status 200) and writes nothing new.
    """
    body = _json_body(raw)
    accounts = body.get("accounts") if isinstance(body, dict) else None
    if not isinstance(accounts, list):
        raise ApiError(422, 'the body must be an object with an "accounts" list')
    if len(accounts) > MAX_PUSH:
        raise ApiError(413, f"at most {MAX_PUSH:,} accounts per request; split the batch")
    client = _client(db, caller.client_id)
    chosen = repository.layout(db, client.id, name=layout) if layout else None
    if layout and chosen is None:
        raise ApiError(422, f"this client has no layout named {layout!r}")
    request_hash = hashlib.sha256(
        json.dumps(body, sort_keys=True, default=str).encode()
    ).hexdigest()
    try:
        response, created = push.push_accounts(
            db,
            client=client,
            api_key_id=caller.key_id,
            accounts=accounts,
            idempotency_key=idempotency_key,
            request_hash=request_hash,
            layout=chosen,
        )
    except push.IdempotencyConflict as exc:
        raise ApiError(409, str(exc)) from exc
    except IntakeError as exc:
        raise ApiError(422, str(exc)) from exc
    return JSONResponse(response, status_code=201 if created else 200)


def _placement(db: DbSession, caller_client_id: int, placement_id: int) -> Any:
    placement = repository.placement(db, placement_id, client_id=caller_client_id)
    if placement is None:
        raise NotFound("placement")
    return placement


@router.get(
    "/placements/{placement_id}", response_model=PlacementSummary, responses=api_responses(404)
)
def get_placement(
    db: DbSession, caller: CurrentApiCaller, placement_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> PlacementSummary:
    """A placement's status and counts (file uploads and API pushes alike)."""
    return PlacementSummary.model_validate(_placement(db, caller.client_id, placement_id))


@router.get(
    "/placements/{placement_id}/errors",
    response_model=PlacementErrors,
    responses=api_responses(404),
)
def get_placement_errors(
    db: DbSession,
    caller: CurrentApiCaller,
    placement_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    after: Annotated[
        int, Query(ge=0, le=MAX_ID, description="the last row of the previous page")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> dict[str, Any]:
    """The rejected rows of a placement with their reasons, in row order, a page at a time."""
    placement = _placement(db, caller.client_id, placement_id)
    rows = repository.rejections(db, placement.id, limit=limit + 1, after_row=after)
    page = rows[:limit]
    return {
        "placement": placement.id,
        "errors": [
            {"row": r.row, "client_reference": r.client_reference, "errors": r.errors} for r in page
        ],
        "next_after": page[-1].row if len(rows) > limit else None,
    }


@router.post(
    "/accounts/{client_reference}/{action}",
    response_model=ActionResult,
    openapi_extra={
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": AccountAction.model_json_schema()}},
        }
    },
    responses=api_responses(400, 403, 404),
)
def account_action(
    db: DbSession,
    caller: CurrentApiCaller,
    raw: RawBody,
    client_reference: Annotated[str, Path(min_length=1, max_length=64)],
    action: Literal["recall", "update", "adjust", "direct-payment"],
) -> dict[str, Any]:
    """Recall an open account, update its contact data, adjust its balance, or record a
    payment the consumer made to the client directly."""
    body = _json_body(raw) if raw.strip() else {}
    if not isinstance(body, dict):
        raise ApiError(422, "the body must be a JSON object")
    client = _client(db, caller.client_id)
    placed = push.account_action(
        db,
        client=client,
        action=action.replace("-", "_"),
        client_reference=client_reference,
        body=body,
    )
    if placed.status == "rejected":
        unknown = any(e.message.startswith("no open account") for e in placed.errors)
        raise ApiError(
            404 if unknown else 422,
            placed.errors[0].message,
            [{"column": e.column, "message": e.message} for e in placed.errors],
        )
    assert placed.case_id is not None
    return {"client_reference": client_reference, "status": "accepted", "case_id": placed.case_id}
