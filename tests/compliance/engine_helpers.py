"""Builders for the rule-engine tests: scenarios in the documented JSON format.

``scenario()`` is a US consumer in Chicago (ZIP 60601) with a mobile, a home number, an
e-mail and a postal address, one debt ``A`` whose validation notice went out long ago,
and a call attempt; tests change what they need and ask ``decide``.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from agency.compliance.engine import evaluate
from agency.compliance.facts import Decision, Facts
from agency.compliance.scenario import decision_to_json, load_scenario

Json = dict[str, Any]


def z(text: str) -> datetime:
    """A time written like the scenario format ('2025-06-09T15:00:00Z')."""
    return datetime.fromisoformat(text).astimezone(UTC)


def iso(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def scenario(at: str = "2025-06-10T15:00:00Z", **attempt: Any) -> Json:
    data: Json = {
        "consumer": {
            "country": "US",
            "region": "IL",
            "postal_code": "60601",
            "contact_points": [
                {
                    "id": "m1",
                    "channel": "phone",
                    "value": "+13125550100",
                    "kind": "mobile",
                    "consent": True,
                },
                {"id": "h1", "channel": "phone", "value": "+13125550199", "kind": "home"},
                {"id": "e1", "channel": "email", "value": "pat@example.com"},
                {"id": "a1", "channel": "address", "value": "1 Main St, Chicago"},
            ],
        },
        "cases": [{"id": "A", "validation_sent_at": "2025-01-02T12:00:00Z"}],
        "history": [],
        "consents": [],
        "attempt": {
            "at": at,
            "channel": "call",
            "contact_point": "m1",
            "case_ids": ["A"],
            **attempt,
        },
    }
    return data


def consumer_in(
    data: Json,
    country: str,
    region: str | None,
    postal_code: str | None,
    phones: tuple[str, str] | None = None,
) -> Json:
    """The same scenario for a consumer elsewhere (phones: mobile, home)."""
    data = copy.deepcopy(data)
    consumer = data["consumer"]
    consumer["country"] = country
    consumer["region"] = region
    consumer["postal_code"] = postal_code
    if phones is not None:
        consumer["contact_points"][0]["value"] = phones[0]
        consumer["contact_points"][1]["value"] = phones[1]
    return data


def event(
    at: str | datetime,
    channel: str = "call",
    outcome: str = "no_answer",
    *,
    direction: str = "outbound",
    point: str | None = "m1",
    cases: tuple[str, ...] = ("A",),
) -> Json:
    return {
        "at": at if isinstance(at, str) else iso(at),
        "channel": channel,
        "direction": direction,
        "contact_point": point,
        "case_ids": list(cases),
        "outcome": outcome,
    }


def facts(data: Json) -> Facts:
    return load_scenario(data)


def decide(data: Json) -> Json:
    """The decision for a scenario, as the documented output JSON."""
    return decision_to_json(evaluate(load_scenario(data)))


def decision(data: Json) -> Decision:
    return evaluate(load_scenario(data))


def blocked_by(data: Json) -> list[str]:
    result: list[str] = decide(data)["blocked_by"]
    return result


def days_before(at: str, days: float, hours: float = 0) -> datetime:
    return z(at) - timedelta(days=days, hours=hours)
