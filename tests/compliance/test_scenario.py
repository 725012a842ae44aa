"""The scenario JSON format, read exactly, and the decision's output shape."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from agency.compliance.facts import Decision
from agency.compliance.scenario import ScenarioError, decision_to_json, load_scenario
from tests.compliance.engine_helpers import decide, scenario

EXAMPLE = json.loads((Path(__file__).parent / "scenarios" / "example.json").read_text())


def test_the_catalogue_example_reproduced_exactly() -> None:
    # 10:00 CDT is inside "00:00-12:00": the stated inconvenient time blocks until noon,
    # when nothing else does (one voicemail; the consent of 3 June still covers the call).
    assert decide(EXAMPLE) == {
        "allowed": False,
        "blocked_by": ["US-REGF-INCONVENIENT"],
        "next_allowed_at": "2025-06-09T17:00:00Z",
        "rule_set": "2026.1",
        "timezones": ["America/Chicago"],
    }


def test_the_example_reads_every_field() -> None:
    facts = load_scenario(EXAMPLE)
    assert facts.now == datetime(2025, 6, 9, 15, tzinfo=UTC)
    point = facts.consumer.contact_points[0]
    assert (point.id, point.kind, point.consent, point.do_not_call) == ("m1", "mobile", True, False)
    assert facts.consents[0].until is None
    assert facts.history[0].outcome == "voicemail"
    assert facts.attempt.template is None


def test_defaults() -> None:
    data = {
        "consumer": {
            "country": "US",
            "contact_points": [
                {"id": "p", "channel": "phone"},
                {"id": "e", "channel": "email"},
                {"id": "a", "channel": "address"},
            ],
        },
        "cases": [{"id": "A"}],
        "attempt": {
            "at": "2025-06-09T15:00:00+02:00",
            "channel": "call",
            "contact_point": "p",
            "case_ids": ["A"],
        },
    }
    facts = load_scenario(data)
    assert [p.kind for p in facts.consumer.contact_points] == ["other", "personal", "home"]
    assert facts.now == facts.attempt.at == datetime(2025, 6, 9, 13, tzinfo=UTC)
    assert facts.history == () and facts.consents == ()
    assert facts.attempt.automated is False
    assert facts.consumer.region is None and facts.consumer.inconvenient_times == ()


def _error(data: object) -> str:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(data)
    return str(caught.value)


def _with(path: str, value: object) -> dict:
    data = copy.deepcopy(scenario())
    target = data
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[int(key)] if key.isdigit() else target[key]
    last = keys[-1]
    if value is _DELETE:
        del target[last]
    else:
        target[last] = value
    return data


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (
            "consumer.contact_points.0.kind",
            "cell",
            "consumer.contact_points[0].kind: must be one of mobile, home, work, other",
        ),
        (
            "consumer.contact_points.2.kind",
            "home",
            "consumer.contact_points[2].kind: must be one of personal, work",
        ),
        (
            "consumer.contact_points.0.channel",
            "fax",
            "consumer.contact_points[0].channel: must be one of phone, email, address",
        ),
        (
            "consumer.contact_points.0.colour",
            "red",
            "consumer.contact_points[0].colour: unknown key",
        ),
        ("consumer.shoe_size", 9, "consumer.shoe_size: unknown key"),
        ("extra", 1, "extra: unknown key"),
        ("consumer.country", _DELETE, "consumer.country: is required"),
        ("cases", _DELETE, "cases: is required"),
        ("attempt.case_ids", _DELETE, "attempt.case_ids: is required"),
        (
            "consumer.contact_points.0.consent",
            "yes",
            "consumer.contact_points[0].consent: must be true or false",
        ),
        (
            "consumer.contact_points.0.value",
            "312-555-0100",
            "consumer.contact_points[0].value: must be an E.164",
        ),
        ("consumer.country", "USA", "consumer.country: must be an ISO 3166-1 alpha-2"),
        (
            "consumer.stated_timezone",
            "Mars/Olympus",
            "consumer.stated_timezone: unknown IANA time zone",
        ),
        ("attempt.at", "2025-06-09T15:00:00", "attempt.at: needs a UTC offset"),
        ("attempt.at", "next Tuesday", "attempt.at: not an ISO 8601 time"),
        ("attempt.at", 1749481200, "attempt.at: must be an ISO 8601 time"),
        ("attempt.channel", "fax", "attempt.channel: must be one of call, sms, email, letter"),
        ("attempt.contact_point", "zz", "attempt.contact_point: no contact point 'zz'"),
        (
            "attempt.contact_point",
            "e1",
            "attempt.contact_point: a call needs a phone contact point; 'e1' is email",
        ),
        ("attempt.case_ids", ["B"], "attempt.case_ids[0]: no case 'B' in cases"),
        ("attempt.case_ids", [], "attempt.case_ids: must name at least one case"),
        ("attempt.template", "hello-world", "attempt.template: unknown template 'hello-world'"),
        (
            "attempt.template",
            "suit-notice",
            "attempt.template: template 'suit-notice' is not for call",
        ),
        ("attempt.automated", 1, "attempt.automated: must be true or false"),
        (
            "cases.0.validation_sent_at",
            "2025-13-01T00:00:00Z",
            "cases[0].validation_sent_at: not an ISO 8601 time",
        ),
        (
            "history",
            [
                {
                    "at": "2025-06-01T00:00:00Z",
                    "channel": "call",
                    "direction": "out",
                    "outcome": "voicemail",
                }
            ],
            "history[0].direction: must be one of outbound, inbound",
        ),
        (
            "history",
            [{"at": "2025-06-01T00:00:00Z", "channel": "call", "direction": "outbound"}],
            "history[0].outcome: is required",
        ),
        (
            "history",
            [
                {
                    "at": "2025-06-01T00:00:00Z",
                    "channel": "call",
                    "direction": "outbound",
                    "outcome": "busy",
                }
            ],
            "history[0].outcome: must be one of not_connected, no_answer, voicemail, "
            "conversation, delivered, failed",
        ),
        (
            "consents",
            [{"at": "2025-06-01T00:00:00Z", "case_ids": ["A"], "until": "2025-05-01T00:00:00Z"}],
            "consents[0].until: must be after at",
        ),
        (
            "consumer.inconvenient_times",
            [{"from": "8:00", "to": "12:00"}],
            "consumer.inconvenient_times[0].from: must be a time of day HH:MM",
        ),
        (
            "consumer.inconvenient_times",
            [{"from": "08:00", "to": "12:00", "days": [7]}],
            "consumer.inconvenient_times[0].days[0]: must be a weekday 0-6",
        ),
        (
            "consumer.inconvenient_times",
            [{"from": "08:00", "until": "12:00"}],
            "consumer.inconvenient_times[0].until: unknown key",
        ),
        ("consumer.attorney", {"name": "J", "firm": "X"}, "consumer.attorney.firm: unknown key"),
        ("consumer.region", "US-IL", "consumer.region: without the country prefix"),
    ],
)
def test_errors_name_the_path(path: str, value: object, message: str) -> None:
    text = _error(_with(path, value))
    assert text.startswith(message), text
    assert "\n" not in text


def test_a_document_that_is_not_an_object() -> None:
    assert _error([1, 2]) == "must be an object"
    assert _error({"consumer": [], "cases": [], "attempt": {}}).startswith(
        "consumer: must be an object"
    )


def test_duplicate_ids() -> None:
    data = scenario()
    data["cases"].append({"id": "A"})
    assert _error(data) == "cases[1].id: duplicate case id 'A'"
    data = scenario()
    data["consumer"]["contact_points"].append({"id": "m1", "channel": "email"})
    assert _error(data) == "consumer.contact_points[4].id: duplicate contact point id 'm1'"


def test_history_may_name_unknown_points_and_other_debts() -> None:
    data = scenario()
    data["history"] = [
        {
            "at": "2025-06-09T15:00:00Z",
            "channel": "call",
            "direction": "outbound",
            "contact_point": "gone",
            "case_ids": ["A", "Z"],
            "outcome": "voicemail",
        },
        {
            "at": "2025-06-09T16:00:00Z",
            "channel": "letter",
            "direction": "outbound",
            "contact_point": None,
            "case_ids": ["Z"],
            "outcome": "delivered",
        },
    ]
    data["consents"] = [{"at": "2025-06-09T15:00:00Z", "case_ids": ["Z"]}]
    facts = load_scenario(data)
    assert facts.history[0].case_ids == ("A",)
    assert facts.history[1].case_ids == ()
    assert facts.history[1].contact_point is None
    assert facts.consents[0].case_ids == ()


def test_times_keep_their_instant_in_any_offset() -> None:
    data = scenario("2025-06-10T10:00:00-05:00")
    assert load_scenario(data).attempt.at == datetime(2025, 6, 10, 15, tzinfo=UTC)
    assert decide(data) == decide(scenario("2025-06-10T15:00:00Z"))


def test_24_00_ends_a_day() -> None:
    data = scenario()
    data["consumer"]["inconvenient_times"] = [{"from": "20:00", "to": "24:00", "days": None}]
    interval = load_scenario(data).consumer.inconvenient_times[0]
    assert (interval.start.hour, interval.end.hour, interval.days) == (20, 0, None)
    data["consumer"]["inconvenient_times"] = [{"from": "24:00", "to": "08:00"}]
    assert _error(data).startswith("consumer.inconvenient_times[0].from")


def test_decision_json_shape() -> None:
    decision = Decision(
        allowed=False,
        blocked_by=("US-REGF-7IN7",),
        next_allowed_at=datetime(2025, 6, 10, 8, tzinfo=timezone(timedelta(hours=-5))),
        rule_set="2026.1",
        timezones=("America/Chicago",),
    )
    assert decision_to_json(decision) == {
        "allowed": False,
        "blocked_by": ["US-REGF-7IN7"],
        "next_allowed_at": "2025-06-10T13:00:00Z",
        "rule_set": "2026.1",
        "timezones": ["America/Chicago"],
    }
    allowed = Decision(True, (), None, "2026.1", ("America/Chicago",))
    assert decision_to_json(allowed)["next_allowed_at"] is None
    assert list(decision_to_json(allowed)) == [
        "allowed",
        "blocked_by",
        "next_allowed_at",
        "rule_set",
        "timezones",
    ]
