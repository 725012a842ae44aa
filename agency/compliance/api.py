"""The JSON API of the compliance domain: the "what if" evaluation of a scenario."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from agency.auth.models import Role, User
from agency.auth.permissions import require
from agency.compliance import engine
from agency.compliance.scenario import ScenarioError, decision_to_json, load_scenario
from agency.kit.bodies import RawBody
from agency.kit.errors import COMMON_API_ERRORS, ApiError, api_responses
from agency.kit.json_input import JsonInputError, load_json

router = APIRouter(prefix="/api/v1/compliance", tags=["compliance"])

EXAMPLE = {
    "now": "2025-06-09T15:00:00Z",
    "consumer": {
        "country": "US",
        "region": "IL",
        "postal_code": "60601",
        "contact_points": [
            {"id": "m1", "channel": "phone", "value": "+13125550100", "kind": "mobile"}
        ],
    },
    "cases": [{"id": "A", "validation_sent_at": "2025-06-01T12:00:00Z"}],
    "history": [
        {
            "at": "2025-06-02T15:00:00Z",
            "channel": "call",
            "direction": "outbound",
            "contact_point": "m1",
            "case_ids": ["A"],
            "outcome": "voicemail",
        }
    ],
    "attempt": {
        "at": "2025-06-09T15:00:00Z",
        "channel": "call",
        "contact_point": "m1",
        "case_ids": ["A"],
    },
}


@router.post(
    "/evaluate",
    summary="Decide a contact scenario",
    description=(
        "The compliance gate's decision for a scenario in the rule catalogue's format "
        "(the same as `agency compliance evaluate SCENARIO.json`): allowed, the blocking "
        "rule ids, when the same attempt would be allowed, the rule-set version and the "
        "candidate time zones. Nothing is written. For signed-in compliance officers "
        "(session cookie and the `X-CSRF-Token` header); an invalid scenario is a 422 "
        "whose `detail` names the field."
    ),
    responses=api_responses(400, 403, *COMMON_API_ERRORS),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"type": "object"},
                    "examples": {"call": {"value": EXAMPLE}},
                }
            },
        }
    },
)
def evaluate(
    _officer: Annotated[User, Depends(require(Role.COMPLIANCE))], raw: RawBody
) -> dict[str, object]:
    try:
        scenario = load_json(raw)
    except JsonInputError as exc:
        raise ApiError(400, f"the body cannot be read: {exc}") from None
    if not isinstance(scenario, dict):
        raise ApiError(422, "the body must be a JSON object (a scenario)")
    try:
        facts = load_scenario(scenario)
    except ScenarioError as exc:
        raise ApiError(422, str(exc)) from None
    return decision_to_json(engine.evaluate(facts))
