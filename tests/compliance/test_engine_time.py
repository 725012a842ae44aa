"""US-REGF-TIME and US-REGF-INCONVENIENT: local hours at their edges, DST, several zones,
consent for a specific time, stated inconvenient times."""

from __future__ import annotations

import dataclasses

import pytest

from agency.compliance.engine import evaluate
from agency.compliance.facts import Policy
from tests.compliance.engine_helpers import (
    consumer_in,
    decide,
    facts,
    scenario,
)


@pytest.mark.parametrize(
    ("at", "allowed", "next_at"),
    [
        ("2025-06-10T12:59:00Z", False, "2025-06-10T13:00:00Z"),  # 07:59 CDT
        ("2025-06-10T13:00:00Z", True, None),  # 08:00
        ("2025-06-11T01:59:00Z", True, None),  # 20:59
        ("2025-06-11T01:59:59Z", True, None),  # 20:59:59
        ("2025-06-11T02:00:00Z", False, "2025-06-11T13:00:00Z"),  # 21:00 -> 08:00 next day
        ("2025-06-11T04:30:00Z", False, "2025-06-11T13:00:00Z"),  # 23:30
    ],
)
def test_hours_edges_in_chicago(at: str, allowed: bool, next_at: str | None) -> None:
    result = decide(scenario(at))
    assert result["allowed"] is allowed
    assert result["next_allowed_at"] == next_at
    assert result["blocked_by"] == ([] if allowed else ["US-REGF-TIME"])
    assert result["timezones"] == ["America/Chicago"]


@pytest.mark.parametrize("channel", ["sms", "email", "letter"])
def test_every_channel_keeps_the_hours(channel: str) -> None:
    point = {"sms": "m1", "email": "e1", "letter": "a1"}[channel]
    template = {"sms": "payment-reminder-sms", "email": "payment-reminder-email"}.get(channel)
    data = scenario("2025-06-11T03:00:00Z", channel=channel, contact_point=point, template=template)
    result = decide(data)
    assert result["blocked_by"] == ["US-REGF-TIME"]
    assert result["next_allowed_at"] == "2025-06-11T13:00:00Z"


def test_spring_forward() -> None:
    # 8 March 2026, 02:00 CST -> 03:00 CDT: 08:00 is 13:00Z that day, 14:00Z the day before.
    assert decide(scenario("2026-03-07T13:30:00Z"))["next_allowed_at"] == "2026-03-07T14:00:00Z"
    assert decide(scenario("2026-03-08T13:30:00Z"))["allowed"] is True  # 08:30 CDT
    late = decide(scenario("2026-03-08T12:59:00Z"))  # 07:59 CDT
    assert late["next_allowed_at"] == "2026-03-08T13:00:00Z"
    # 20:59 CST on the 7th is 02:59Z; on the 8th 20:59 CDT is 01:59Z.
    assert decide(scenario("2026-03-08T02:59:00Z"))["allowed"] is True
    assert decide(scenario("2026-03-09T02:00:00Z"))["next_allowed_at"] == "2026-03-09T13:00:00Z"


def test_fall_back() -> None:
    # 1 November 2026, 02:00 CDT -> 01:00 CST: 08:00 is 14:00Z that day.
    assert decide(scenario("2026-11-01T13:30:00Z"))["next_allowed_at"] == "2026-11-01T14:00:00Z"
    assert decide(scenario("2026-11-01T14:00:00Z"))["allowed"] is True
    assert decide(scenario("2026-11-02T02:59:00Z"))["allowed"] is True  # 20:59 CST
    assert decide(scenario("2026-11-02T03:00:00Z"))["allowed"] is False  # 21:00 CST
    # Saturday 31 October, 07:30 CDT (12:30Z) -> 08:00 CDT (13:00Z)
    assert decide(scenario("2026-10-31T12:30:00Z"))["next_allowed_at"] == "2026-10-31T13:00:00Z"


def _two_zones(at: str) -> dict[str, object]:
    data = scenario(at, contact_point="h1")
    data["consumer"]["contact_points"][1]["value"] = "+12135550199"  # Los Angeles landline
    return data


def test_conflicting_zones_allow_only_the_overlap() -> None:
    # ZIP says Chicago, the home number's area code says Los Angeles (two hours behind).
    early = decide(_two_zones("2025-06-10T14:00:00Z"))  # 09:00 CDT, 07:00 PDT
    assert early["timezones"] == ["America/Chicago", "America/Los_Angeles"]
    assert early["blocked_by"] == ["US-REGF-TIME"]
    assert early["next_allowed_at"] == "2025-06-10T15:00:00Z"  # 08:00 PDT, 10:00 CDT
    assert decide(_two_zones("2025-06-10T15:00:00Z"))["allowed"] is True
    assert decide(_two_zones("2025-06-11T01:59:00Z"))["allowed"] is True  # 20:59 CDT
    evening = decide(_two_zones("2025-06-11T02:30:00Z"))  # 21:30 CDT, 19:30 PDT
    assert evening["next_allowed_at"] == "2025-06-11T15:00:00Z"


def test_one_zone_when_the_policy_says_so() -> None:
    found = facts(_two_zones("2025-06-10T14:00:00Z"))
    single = dataclasses.replace(found, policy=Policy(all_candidate_zones=False))
    decision = evaluate(single)
    assert decision.allowed is True
    assert decision.timezones == ("America/Chicago",)


def test_a_us_mobile_area_code_counts_as_a_zone() -> None:
    data = scenario("2025-06-10T14:00:00Z")
    data["consumer"]["contact_points"][0]["value"] = "+14155550100"  # San Francisco mobile
    result = decide(data)
    assert result["timezones"] == ["America/Chicago", "America/Los_Angeles"]
    assert result["allowed"] is False


def test_stated_zone_is_a_signal() -> None:
    data = scenario("2025-06-10T14:00:00Z")
    data["consumer"]["stated_timezone"] = "America/Denver"
    result = decide(data)
    assert result["timezones"] == ["America/Chicago", "America/Denver"]
    assert result["allowed"] is True  # 08:00 MDT, 09:00 CDT


def test_consent_for_a_specific_time_overrides_the_hours() -> None:
    data = scenario("2025-06-10T12:00:00Z")  # 07:00 CDT
    data["consents"] = [
        {"at": "2025-06-10T11:30:00Z", "case_ids": ["A"], "until": "2025-06-10T12:30:00Z"}
    ]
    assert decide(data)["allowed"] is True
    data["attempt"]["at"] = "2025-06-10T12:30:00Z"  # until is excluded
    assert decide(data)["blocked_by"] == ["US-REGF-TIME"]
    data["attempt"]["at"] = "2025-06-10T11:29:00Z"  # before it: waiting until it starts helps
    assert decide(data)["next_allowed_at"] == "2025-06-10T11:30:00Z"


def test_a_default_seven_day_consent_does_not_override_the_hours() -> None:
    data = scenario("2025-06-10T12:00:00Z")
    data["consents"] = [{"at": "2025-06-10T11:30:00Z", "case_ids": ["A"]}]
    assert decide(data)["blocked_by"] == ["US-REGF-TIME"]


def test_consent_for_another_debt_or_a_text_does_not_override() -> None:
    data = scenario("2025-06-10T12:00:00Z")
    data["cases"].append({"id": "B"})
    data["consents"] = [
        {"at": "2025-06-10T11:30:00Z", "case_ids": ["B"], "until": "2025-06-10T12:30:00Z"}
    ]
    assert decide(data)["allowed"] is False
    data["consents"][0]["case_ids"] = ["A"]
    data["attempt"].update(channel="sms", template="payment-reminder-sms")
    assert decide(data)["blocked_by"] == ["US-REGF-TIME"]


# --- stated inconvenient times -------------------------------------------------------------


def _inconvenient(at: str, *intervals: dict[str, object]) -> dict[str, object]:
    data = scenario(at)
    data["consumer"]["inconvenient_times"] = list(intervals)
    return data


def test_inconvenient_interval_start_included_end_excluded() -> None:
    interval = {"from": "12:00", "to": "13:30"}
    at_start = decide(_inconvenient("2025-06-10T17:00:00Z", interval))  # 12:00 CDT
    assert at_start["blocked_by"] == ["US-REGF-INCONVENIENT"]
    assert at_start["next_allowed_at"] == "2025-06-10T18:30:00Z"
    assert decide(_inconvenient("2025-06-10T16:59:00Z", interval))["allowed"] is True
    assert decide(_inconvenient("2025-06-10T18:30:00Z", interval))["allowed"] is True


def test_inconvenient_interval_across_midnight_and_days() -> None:
    evening = {"from": "18:00", "to": "09:30", "days": [1]}  # Tuesday evenings
    tuesday = decide(_inconvenient("2025-06-10T23:00:00Z", evening))  # Tue 18:00 CDT
    assert tuesday["blocked_by"] == ["US-REGF-INCONVENIENT"]
    # ends at 09:30 on Wednesday (the end is on the next day)
    assert tuesday["next_allowed_at"] == "2025-06-11T14:30:00Z"
    assert decide(_inconvenient("2025-06-11T23:00:00Z", evening))["allowed"] is True  # Wed
    # Tuesday morning 09:00 is inside the (Tuesday) interval's morning part
    morning = decide(_inconvenient("2025-06-10T14:00:00Z", evening))
    assert morning["next_allowed_at"] == "2025-06-10T14:30:00Z"


def test_inconvenient_and_hours_together_find_the_first_free_instant() -> None:
    # "not before noon": 08:00-12:00 blocked by the consumer, before 08:00 by the rule.
    result = decide(_inconvenient("2025-06-10T11:00:00Z", {"from": "00:00", "to": "12:00"}))
    assert result["blocked_by"] == ["US-REGF-INCONVENIENT", "US-REGF-TIME"]
    assert result["next_allowed_at"] == "2025-06-10T17:00:00Z"


def test_whole_day_interval() -> None:
    data = _inconvenient("2025-06-10T17:00:00Z", {"from": "00:00", "to": "24:00", "days": [1]})
    result = decide(data)
    assert result["blocked_by"] == ["US-REGF-INCONVENIENT"]
    assert result["next_allowed_at"] == "2025-06-11T13:00:00Z"  # Wednesday 08:00


def test_au_dst_goes_the_other_way() -> None:
    # Sydney: DST ends 5 April 2026 (03:00 AEDT -> 02:00 AEST), starts 4 October 2026.
    data = consumer_in(scenario(), "AU", "NSW", "2000", ("+61412345678", "+61298765432"))
    data["cases"][0]["validation_sent_at"] = None
    data["attempt"]["at"] = "2026-04-06T21:00:00Z"  # Tue 07 Apr 07:00 AEST
    result = decide(data)
    assert result["timezones"] == ["Australia/Sydney"]
    assert result["next_allowed_at"] == "2026-04-06T21:30:00Z"  # 07:30 AEST (+10)
    data["attempt"]["at"] = "2026-04-02T20:00:00Z"  # Fri 3 Apr (Good Friday, a holiday)
    assert decide(data)["blocked_by"] == ["AU-ACCC-HOURS"]
    data["attempt"]["at"] = "2026-10-05T20:00:00Z"  # Tue 6 Oct 07:00 AEDT
    assert decide(data)["next_allowed_at"] == "2026-10-05T20:30:00Z"  # 07:30 AEDT (+11)
