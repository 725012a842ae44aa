"""The scenario JSON of ``shared/compliance-rules.md``: read it into ``Facts``, and write a
``Decision`` back in the documented output shape.

The format is a contract other tools write files to, so it is read *exactly*: unknown
keys are an error, every required key must be there, every value must have its type and
one of its allowed values, and every error names its path
(``consumer.contact_points[0].kind: must be one of mobile, home, work, other``).
Cross-checks: the attempt's contact point is one of the consumer's and fits the attempt's
channel (call/sms -> phone, email -> email, letter -> address); the attempt's cases are
in ``cases``; every time has a UTC offset; a template id is one we know and is meant for
the channel.  Contact points named in history may be unknown (or null), and case ids in
history, consents or the attorney's list that are not in ``cases`` are ignored (they are
facts about other debts).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, time
from typing import Any, NoReturn, cast, get_args

from agency.compliance import templates
from agency.compliance.facts import (
    CHANNELS,
    OUTCOMES,
    POINT_CHANNEL,
    POINT_FLAGS,
    Attempt,
    AttemptChannel,
    Attorney,
    CaseFacts,
    Consent,
    ConsumerFacts,
    ContactChannel,
    ContactPointFacts,
    Decision,
    Direction,
    Facts,
    HistoryEvent,
    InconvenientTime,
    Outcome,
)
from agency.compliance.rules.base import zone_info

KINDS: dict[str, tuple[str, ...]] = {
    "phone": ("mobile", "home", "work", "other"),
    "email": ("personal", "work"),
    "address": ("home", "work"),
}
CONTACT_CHANNELS: tuple[ContactChannel, ...] = get_args(ContactChannel)
DIRECTIONS: tuple[Direction, ...] = get_args(Direction)
# The largest scenario read, from a file or a request: a history of thousands of events.
MAX_SCENARIO_BYTES = 10 * 2**20
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


class ScenarioError(ValueError):
    """A scenario that does not follow the format; the message names the path."""


def _fail(path: str, message: str) -> NoReturn:
    raise ScenarioError(f"{path}: {message}" if path else message)


def _object(
    value: object, path: str, required: tuple[str, ...], optional: tuple[str, ...]
) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        _fail(path, "must be an object")
    allowed = set(required) | set(optional)
    for key in value:
        if key not in allowed:
            where = f"{path}.{key}" if path else str(key)
            _fail(where, f"unknown key (allowed: {', '.join(sorted(allowed))})")
    for key in required:
        if key not in value:
            where = f"{path}.{key}" if path else key
            _fail(where, "is required")
    return cast(Mapping[str, Any], value)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _string(obj: Mapping[str, Any], key: str, path: str, *, nullable: bool = False) -> str | None:
    value = obj.get(key)
    if value is None:
        if nullable or key not in obj:
            return None
        _fail(_join(path, key), "must be a string, not null")
    if not isinstance(value, str):
        _fail(_join(path, key), "must be a string")
    if not value.strip():
        _fail(_join(path, key), "must not be empty")
    return value


def _required_string(obj: Mapping[str, Any], key: str, path: str) -> str:
    value = _string(obj, key, path)
    if value is None:
        _fail(_join(path, key), "must be a string, not null")
    return value


def _bool(obj: Mapping[str, Any], key: str, path: str, default: bool = False) -> bool:
    if key not in obj:
        return default
    value = obj[key]
    if not isinstance(value, bool):
        _fail(_join(path, key), "must be true or false")
    return value


def _choice(value: object, path: str, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        _fail(path, f"must be one of {', '.join(allowed)}")
    return value


def _instant(value: object, path: str) -> datetime:
    if not isinstance(value, str):
        _fail(path, "must be an ISO 8601 time with offset, e.g. 2025-06-09T15:00:00Z")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        _fail(path, f"not an ISO 8601 time: {value!r}")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        _fail(path, f"needs a UTC offset (e.g. Z or +02:00): {value!r}")
    return parsed.astimezone(UTC)


def _optional_instant(obj: Mapping[str, Any], key: str, path: str) -> datetime | None:
    value = obj.get(key)
    return None if value is None else _instant(value, _join(path, key))


def _list(obj: Mapping[str, Any], key: str, path: str, *, required: bool = False) -> list[Any]:
    if key not in obj:
        return []
    value = obj[key]
    if value is None and not required:
        return []
    if not isinstance(value, list):
        _fail(_join(path, key), "must be a list")
    return value


def _ids(value: object, path: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        _fail(path, "must be a list of case ids")
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item:
            _fail(f"{path}[{index}]", "must be a case id (a non-empty string)")
    return tuple(dict.fromkeys(value))


def _clock(value: object, path: str, *, end: bool) -> time:
    if end and value == "24:00":
        return time(0)
    match = _HHMM.match(value) if isinstance(value, str) else None
    if match is None:
        _fail(path, "must be a time of day HH:MM (00:00-23:59" + (", or 24:00)" if end else ")"))
    return time(int(match.group(1)), int(match.group(2)))


def _point(value: object, path: str) -> ContactPointFacts:
    obj = _object(
        value,
        path,
        ("id", "channel"),
        ("value", "kind", *POINT_FLAGS),
    )
    point_id = _required_string(obj, "id", path)
    channel = cast(ContactChannel, _choice(obj["channel"], f"{path}.channel", CONTACT_CHANNELS))
    kinds = KINDS[channel]
    kind = kinds[-1] if channel == "phone" else kinds[0]
    if obj.get("kind") is not None:
        kind = _choice(obj["kind"], f"{path}.kind", kinds)
    text = _string(obj, "value", path, nullable=True)
    if text is not None:
        if channel == "phone" and not _E164.match(text):
            _fail(f"{path}.value", f"must be an E.164 phone number like +13125550100: {text!r}")
        if channel == "email" and "@" not in text:
            _fail(f"{path}.value", f"must be an e-mail address: {text!r}")
    flags: dict[str, Any] = {name: _bool(obj, name, path) for name in POINT_FLAGS}
    return ContactPointFacts(
        id=point_id,
        channel=channel,
        value=text,
        kind=kind,
        **flags,
    )


def _inconvenient(value: object, path: str) -> InconvenientTime:
    obj = _object(value, path, ("from", "to"), ("days",))
    days: frozenset[int] | None = None
    if obj.get("days") is not None:
        raw = obj["days"]
        if not isinstance(raw, list) or not raw:
            _fail(f"{path}.days", "must be a non-empty list of weekdays 0-6 (Monday=0), or null")
        for index, day in enumerate(raw):
            if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= 6:
                _fail(f"{path}.days[{index}]", "must be a weekday 0-6 (Monday=0)")
        days = frozenset(raw)
    return InconvenientTime(
        start=_clock(obj["from"], f"{path}.from", end=False),
        end=_clock(obj["to"], f"{path}.to", end=True),
        days=days,
    )


def _attorney(value: object, path: str) -> Attorney | None:
    if value is None:
        return None
    obj = _object(value, path, (), ("name", "phone", "email", "address", "case_ids"))
    case_ids = None if obj.get("case_ids") is None else _ids(obj["case_ids"], f"{path}.case_ids")
    return Attorney(
        name=_string(obj, "name", path, nullable=True),
        phone=_string(obj, "phone", path, nullable=True),
        email=_string(obj, "email", path, nullable=True),
        address=_string(obj, "address", path, nullable=True),
        case_ids=case_ids,
    )


def _consumer(value: object) -> ConsumerFacts:
    path = "consumer"
    obj = _object(
        value,
        path,
        ("country", "contact_points"),
        (
            "region",
            "postal_code",
            "stated_timezone",
            "attorney",
            "cease_received_at",
            "inconvenient_times",
        ),
    )
    country = _required_string(obj, "country", path)
    if not _COUNTRY.match(country):
        _fail(f"{path}.country", f"must be an ISO 3166-1 alpha-2 code like US: {country!r}")
    region = _string(obj, "region", path, nullable=True)
    if region is not None:
        region = region.strip().upper()
        if "-" in region:
            _fail(f"{path}.region", f"without the country prefix, e.g. IL not US-IL: {region!r}")
    stated = _string(obj, "stated_timezone", path, nullable=True)
    if stated is not None:
        try:
            zone_info(stated)
        except (ValueError, KeyError, OSError):
            _fail(f"{path}.stated_timezone", f"unknown IANA time zone: {stated!r}")
    points_raw = _list(obj, "contact_points", path, required=True)
    points = tuple(
        _point(item, f"{path}.contact_points[{index}]") for index, item in enumerate(points_raw)
    )
    seen: set[str] = set()
    for index, point in enumerate(points):
        if point.id in seen:
            _fail(f"{path}.contact_points[{index}].id", f"duplicate contact point id {point.id!r}")
        seen.add(point.id)
    times = tuple(
        _inconvenient(item, f"{path}.inconvenient_times[{index}]")
        for index, item in enumerate(_list(obj, "inconvenient_times", path))
    )
    return ConsumerFacts(
        country=country,
        contact_points=points,
        region=region,
        postal_code=_string(obj, "postal_code", path, nullable=True),
        stated_timezone=stated,
        attorney=_attorney(obj.get("attorney"), f"{path}.attorney"),
        cease_received_at=_optional_instant(obj, "cease_received_at", path),
        inconvenient_times=times,
    )


def _case(value: object, path: str) -> CaseFacts:
    obj = _object(
        value,
        path,
        ("id",),
        (
            "validation_sent_at",
            "disputed_at",
            "dispute_written",
            "verification_sent_at",
            "time_barred",
        ),
    )
    return CaseFacts(
        id=_required_string(obj, "id", path),
        validation_sent_at=_optional_instant(obj, "validation_sent_at", path),
        disputed_at=_optional_instant(obj, "disputed_at", path),
        dispute_written=_bool(obj, "dispute_written", path),
        verification_sent_at=_optional_instant(obj, "verification_sent_at", path),
        time_barred=_bool(obj, "time_barred", path),
    )


def _event(value: object, path: str, known_cases: set[str]) -> HistoryEvent:
    obj = _object(
        value, path, ("at", "channel", "direction", "outcome"), ("contact_point", "case_ids")
    )
    point = _string(obj, "contact_point", path, nullable=True)
    case_ids = () if obj.get("case_ids") is None else _ids(obj["case_ids"], f"{path}.case_ids")
    return HistoryEvent(
        at=_instant(obj["at"], f"{path}.at"),
        channel=cast(AttemptChannel, _choice(obj["channel"], f"{path}.channel", CHANNELS)),
        direction=cast(Direction, _choice(obj["direction"], f"{path}.direction", DIRECTIONS)),
        contact_point=point,
        case_ids=tuple(c for c in case_ids if c in known_cases),
        outcome=cast(Outcome, _choice(obj["outcome"], f"{path}.outcome", OUTCOMES)),
    )


def _consent(value: object, path: str, known_cases: set[str]) -> Consent:
    obj = _object(value, path, ("at", "case_ids"), ("until",))
    at = _instant(obj["at"], f"{path}.at")
    until = _optional_instant(obj, "until", path)
    if until is not None and until <= at:
        _fail(f"{path}.until", "must be after at")
    case_ids = _ids(obj["case_ids"], f"{path}.case_ids")
    return Consent(at=at, case_ids=tuple(c for c in case_ids if c in known_cases), until=until)


def _attempt(value: object, points: dict[str, ContactPointFacts], known_cases: set[str]) -> Attempt:
    path = "attempt"
    obj = _object(
        value, path, ("at", "channel", "contact_point", "case_ids"), ("automated", "template")
    )
    channel = cast(AttemptChannel, _choice(obj["channel"], f"{path}.channel", CHANNELS))
    point_id = _required_string(obj, "contact_point", path)
    point = points.get(point_id)
    if point is None:
        known = ", ".join(points) or "none"
        _fail(f"{path}.contact_point", f"no contact point {point_id!r} (consumer has: {known})")
    if point.channel != POINT_CHANNEL[channel]:
        _fail(
            f"{path}.contact_point",
            f"a {channel} needs a {POINT_CHANNEL[channel]} contact point; "
            f"{point_id!r} is {point.channel}",
        )
    case_ids = _ids(obj["case_ids"], f"{path}.case_ids")
    if not case_ids:
        _fail(f"{path}.case_ids", "must name at least one case")
    for index, case_id in enumerate(case_ids):
        if case_id not in known_cases:
            _fail(f"{path}.case_ids[{index}]", f"no case {case_id!r} in cases")
    template = _string(obj, "template", path, nullable=True)
    if template is not None:
        found = templates.get(template)
        if found is None:
            _fail(
                f"{path}.template",
                f"unknown template {template!r} (known: {', '.join(templates.known_ids())})",
            )
        if channel not in found.channels:
            _fail(
                f"{path}.template",
                f"template {template!r} is not for {channel} "
                f"(it is for {', '.join(sorted(found.channels))})",
            )
    return Attempt(
        at=_instant(obj["at"], f"{path}.at"),
        channel=channel,
        contact_point=point_id,
        case_ids=case_ids,
        automated=_bool(obj, "automated", path),
        template=template,
    )


def load_scenario(data: object) -> Facts:
    """The facts of a parsed scenario JSON document; ``ScenarioError`` names the first
    problem's path."""
    obj = _object(data, "", ("consumer", "cases", "attempt"), ("now", "history", "consents"))
    consumer = _consumer(obj["consumer"])
    cases_raw = _list(obj, "cases", "", required=True)
    cases = tuple(_case(item, f"cases[{index}]") for index, item in enumerate(cases_raw))
    known_cases: set[str] = set()
    for index, case in enumerate(cases):
        if case.id in known_cases:
            _fail(f"cases[{index}].id", f"duplicate case id {case.id!r}")
        known_cases.add(case.id)
    history = tuple(
        _event(item, f"history[{index}]", known_cases)
        for index, item in enumerate(_list(obj, "history", ""))
    )
    consents = tuple(
        _consent(item, f"consents[{index}]", known_cases)
        for index, item in enumerate(_list(obj, "consents", ""))
    )
    points = {point.id: point for point in consumer.contact_points}
    attempt = _attempt(obj["attempt"], points, known_cases)
    now = attempt.at if obj.get("now") is None else _instant(obj["now"], "now")
    return Facts(
        consumer=consumer,
        cases=cases,
        attempt=attempt,
        now=now,
        history=history,
        consents=consents,
    )


def iso_z(instant: datetime) -> str:
    """ISO 8601 in UTC with a ``Z`` (seconds, or microseconds when there are any)."""
    text = instant.astimezone(UTC).isoformat()
    return text.replace("+00:00", "Z")


def decision_to_json(decision: Decision) -> dict[str, object]:
    """The documented output shape: allowed, blocked_by, next_allowed_at, rule_set,
    timezones."""
    return {
        "allowed": decision.allowed,
        "blocked_by": list(decision.blocked_by),
        "next_allowed_at": (
            None if decision.next_allowed_at is None else iso_z(decision.next_allowed_at)
        ),
        "rule_set": decision.rule_set,
        "timezones": list(decision.timezones),
    }
