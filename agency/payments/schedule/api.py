"""``POST /api/v1/schedules``: a scenario of ``payment-schedules.md`` computed, for a
client's machine (its API key) or signed-in agency staff.  Nothing is read or written
but the caller's credential."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from agency.auth.models import Role
from agency.auth.permissions import Forbidden, current_user
from agency.clients.api_callers import api_caller
from agency.db import DbSession
from agency.kit.bodies import RawBody
from agency.kit.errors import COMMON_API_ERRORS, ApiError, api_responses
from agency.kit.json_input import JsonInputError
from agency.payments.schedule.scenario import MAX_SCENARIO_BYTES, read_document, run_scenario
from agency.payments.schemas import PaymentError

router = APIRouter(prefix="/api/v1", tags=["payments"])
_bearer = HTTPBearer(auto_error=False, description="the client's API key")

EXAMPLE = {
    "today": "2026-03-10",
    "case": {"balance": "1000.00", "currency": "USD", "country": "US", "region": "NY"},
    "authority": {
        "settlement_floor": "60.000",
        "max_months": 12,
        "min_installment": "25.00",
        "min_down_payment_percent": "10.000",
    },
    "offer": {
        "kind": "plan",
        "total": None,
        "first_due": "2026-03-31",
        "frequency": "monthly",
        "count": 3,
        "installment": None,
        "down_payment": None,
    },
}


def staff_or_api_key(
    request: Request,
    db: DbSession,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """An API key (``Authorization: Bearer``) or a signed-in staff member's session; a
    merchant user signs in to the portal, not to this API (403)."""
    if credentials is not None:
        api_caller(db, credentials)
        return
    if current_user(request, db).role is Role.MERCHANT:
        raise Forbidden


@router.post(
    "/schedules",
    summary="Compute a payment schedule",
    description=(
        "The schedule of a promise, plan or settlement in the scenario format of "
        "`payment-schedules.md` (the same as `agency payments schedule FILE.json`): its "
        "payments in date order, the down payment first, and whether it needs a "
        "supervisor's approval, with one reason per limit passed. Nothing is written. "
        "An invalid scenario is a 422 whose `errors` name the path."
    ),
    dependencies=[Depends(staff_or_api_key)],
    responses=api_responses(400, 403, *COMMON_API_ERRORS),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"type": "object"},
                    "examples": {"plan": {"value": EXAMPLE}},
                }
            },
        }
    },
)
def schedule(raw: RawBody) -> dict[str, Any]:
    if len(raw) > MAX_SCENARIO_BYTES:
        raise ApiError(413, f"the scenario is larger than {MAX_SCENARIO_BYTES // 1024} KiB")
    try:
        document = read_document(raw)
    except JsonInputError as exc:
        raise ApiError(400, f"the body cannot be read: {exc}") from None
    try:
        return run_scenario(document)
    except PaymentError as exc:
        path = exc.field or "body"
        raise ApiError(
            422, f"{path}: {exc.message}", errors=[{"column": path, "message": exc.message}]
        ) from None
