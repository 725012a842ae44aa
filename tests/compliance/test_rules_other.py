"""Australia, Canada (Ontario, Quebec), the UK, the agency's own preferences rule, and a
country we have no pack for."""

from __future__ import annotations

import dataclasses
from datetime import time

from agency.compliance.engine import evaluate
from agency.compliance.facts import Policy
from tests.compliance.engine_helpers import consumer_in, decide, event, facts, scenario


def _au(at: str, **attempt: object) -> dict:
    data = consumer_in(
        scenario(at, **attempt), "AU", "NSW", "2000", ("+61412345678", "+61298765432")
    )
    data["cases"][0]["validation_sent_at"] = None
    return data


def _on(at: str, **attempt: object) -> dict:
    return consumer_in(
        scenario(at, **attempt), "CA", "ON", "M5H 2N2", ("+14165550100", "+14165550199")
    )


def _qc(at: str, **attempt: object) -> dict:
    return consumer_in(
        scenario(at, **attempt), "CA", "QC", "H2X 1Y4", ("+15145550100", "+15145550199")
    )


def _uk(at: str, **attempt: object) -> dict:
    return consumer_in(
        scenario(at, **attempt), "GB", None, "SW1A 1AA", ("+447700900123", "+442079460000")
    )


# --- Australia ------------------------------------------------------------------------------


def test_au_weekday_and_weekend_hours() -> None:
    # June: AEST (+10).  Tuesday 10 June 07:29 / 07:30; Saturday 14 June 08:59 / 09:00.
    early = decide(_au("2025-06-09T21:29:00Z"))
    assert early["blocked_by"] == ["AU-ACCC-HOURS"]
    assert early["next_allowed_at"] == "2025-06-09T21:30:00Z"
    assert decide(_au("2025-06-09T21:30:00Z"))["allowed"] is True
    assert decide(_au("2025-06-13T22:59:00Z"))["next_allowed_at"] == "2025-06-13T23:00:00Z"
    assert decide(_au("2025-06-13T23:00:00Z"))["allowed"] is True
    assert decide(_au("2025-06-10T10:59:00Z"))["allowed"] is True  # 20:59
    late = decide(_au("2025-06-10T11:00:00Z"))  # 21:00
    assert late["next_allowed_at"] == "2025-06-10T21:30:00Z"


def test_au_letters_have_no_hours_and_emails_only_holidays() -> None:
    assert decide(_au("2025-06-10T12:00:00Z", channel="letter", contact_point="a1"))["allowed"]
    email = _au(
        "2025-06-10T12:00:00Z",
        channel="email",
        contact_point="e1",
        template="payment-reminder-email",
    )
    assert decide(email)["allowed"] is True  # 22:00, but hours are for calls and texts
    # Australia Day, Monday 26 January 2026 (AEDT +11)
    holiday = _au(
        "2026-01-25T23:00:00Z",
        channel="email",
        contact_point="e1",
        template="payment-reminder-email",
    )
    result = decide(holiday)
    assert result["blocked_by"] == ["AU-ACCC-HOURS"]
    assert result["next_allowed_at"] == "2026-01-26T13:00:00Z"  # 27 Jan 00:00 AEDT


def test_au_public_holiday_moves_a_call_to_the_next_working_morning() -> None:
    result = decide(_au("2025-12-24T23:00:00Z"))  # Christmas Day 10:00 AEDT
    assert result["blocked_by"] == ["AU-ACCC-HOURS"]
    # Boxing Day (Friday) is a holiday too; Saturday 27 December opens at 09:00 AEDT
    assert result["next_allowed_at"] == "2025-12-26T22:00:00Z"


def test_au_perth_is_its_own_zone() -> None:
    data = consumer_in(
        scenario("2025-06-09T23:00:00Z"), "AU", "WA", "6000", ("+61412345678", "+61412345679")
    )
    data["cases"][0]["validation_sent_at"] = None
    result = decide(data)  # 07:00 AWST
    assert result["timezones"] == ["Australia/Perth"]
    assert result["next_allowed_at"] == "2025-06-09T23:30:00Z"


def test_au_three_contacts_a_week_ten_a_month() -> None:
    data = _au("2025-06-10T01:00:00Z")  # Tuesday 11:00 AEST
    data["history"] = [event(f"2025-06-0{d}T01:00:00Z", outcome="voicemail") for d in (4, 5)] + [
        event("2025-06-06T01:00:00Z", outcome="no_answer")
    ]
    assert decide(data)["allowed"] is True  # an unanswered call is not a contact
    data["history"].append(event("2025-06-07T01:00:00Z", "letter", "delivered", point="a1"))
    result = decide(data)
    assert result["blocked_by"] == ["AU-ACCC-FREQ"]
    assert result["next_allowed_at"] == "2025-06-10T21:30:00Z"  # 11 June 07:30 AEST
    month = _au("2025-06-10T01:00:00Z")
    month["history"] = [
        event(f"2025-05-{d:02d}T01:00:00Z", "email", "delivered", point="e1")
        for d in (13, 15, 17, 19, 21, 23, 25, 27, 29, 31)
    ]
    result = decide(month)
    assert result["blocked_by"] == ["AU-ACCC-FREQ"]
    assert result["next_allowed_at"] == "2025-06-11T21:30:00Z"  # 13 May leaves on 12 June


def test_au_preferences_under_the_agency_id() -> None:
    data = _au("2025-06-10T01:00:00Z")
    data["consumer"]["contact_points"][0]["do_not_call"] = True
    result = decide(data)
    assert result["blocked_by"] == ["AGENCY-PREFERENCES"]
    assert result["next_allowed_at"] is None


# --- Ontario --------------------------------------------------------------------------------


def test_ontario_hours_and_sundays() -> None:
    # June: EDT (-4).  Saturday 14 June 06:59 / 07:00; Sunday 15 June 12:59 / 13:00 / 17:00.
    assert decide(_on("2025-06-14T10:59:00Z"))["next_allowed_at"] == "2025-06-14T11:00:00Z"
    # federal-style 08:00 is not Ontario's: 07:00 is allowed there
    assert decide(_on("2025-06-14T11:00:00Z"))["allowed"] is True
    sunday = decide(_on("2025-06-15T16:59:00Z"))
    assert sunday["blocked_by"] == ["CA-ON-HOURS"]
    assert sunday["next_allowed_at"] == "2025-06-15T17:00:00Z"
    assert decide(_on("2025-06-15T17:00:00Z"))["allowed"] is True
    evening = decide(_on("2025-06-15T21:00:00Z"))  # Sunday 17:00
    assert evening["next_allowed_at"] == "2025-06-16T11:00:00Z"  # Monday 07:00


def test_ontario_statutory_holiday() -> None:
    # Family Day, Monday 16 February 2026 (EST -5)
    result = decide(_on("2026-02-16T15:00:00Z"))
    assert result["blocked_by"] == ["CA-ON-HOURS"]
    assert result["next_allowed_at"] == "2026-02-17T12:00:00Z"


def test_ontario_six_days_after_the_notice() -> None:
    data = _on("2025-06-10T15:00:00Z")
    data["cases"][0]["validation_sent_at"] = "2025-06-05T15:00:00Z"
    result = decide(data)
    assert result["blocked_by"] == ["CA-ON-FREQ"]
    assert result["next_allowed_at"] == "2025-06-11T15:00:00Z"
    data["cases"][0]["validation_sent_at"] = None
    assert decide(data)["next_allowed_at"] is None
    letter = _on("2025-06-10T15:00:00Z", channel="letter", contact_point="a1")
    letter["cases"][0]["validation_sent_at"] = None
    assert decide(letter)["allowed"] is True  # the notice itself


def test_ontario_three_contacts_after_the_first_conversation() -> None:
    data = _on("2025-06-10T15:00:00Z")
    data["history"] = [
        event("2025-06-06T15:00:00Z", outcome="voicemail"),
        event("2025-06-07T15:00:00Z", "email", "delivered", point="e1"),
        event("2025-06-08T15:00:00Z", outcome="voicemail"),
    ]
    assert decide(data)["allowed"] is True  # no conversation yet
    data["history"].append(event("2025-05-01T15:00:00Z", outcome="conversation"))
    result = decide(data)
    assert result["blocked_by"] == ["CA-ON-FREQ"]
    # 6 June leaves the window at 13 June 00:00 EDT; the hours then say 07:00
    assert result["next_allowed_at"] == "2025-06-13T11:00:00Z"
    data["consents"] = [{"at": "2025-06-10T14:00:00Z", "case_ids": ["A"]}]
    assert decide(data)["allowed"] is True


# --- Quebec --------------------------------------------------------------------------------


def test_quebec_hours_no_sundays_no_holidays() -> None:
    assert decide(_qc("2025-06-14T11:59:00Z"))["next_allowed_at"] == "2025-06-14T12:00:00Z"
    assert decide(_qc("2025-06-14T23:59:00Z"))["allowed"] is True  # Sat 19:59
    saturday_night = decide(_qc("2025-06-15T00:00:00Z"))  # Sat 20:00
    assert saturday_night["blocked_by"] == ["CA-QC-HOURS"]
    assert saturday_night["next_allowed_at"] == "2025-06-16T12:00:00Z"  # Monday 08:00
    # Saint-Jean-Baptiste, Tuesday 24 June 2025
    assert decide(_qc("2025-06-24T15:00:00Z"))["next_allowed_at"] == "2025-06-25T12:00:00Z"


def test_canadian_postal_codes_name_the_province_and_zone() -> None:
    data = consumer_in(
        scenario("2025-06-10T15:00:00Z"), "CA", None, "H2X 1Y4", ("+15145550100", "+15145550199")
    )
    result = decide(data)
    assert result["timezones"] == ["America/Toronto"]
    data["attempt"]["at"] = "2025-06-15T15:00:00Z"  # a Sunday: Quebec's rule applies
    assert decide(data)["blocked_by"] == ["CA-QC-HOURS"]


# --- United Kingdom -------------------------------------------------------------------------


def test_uk_policy_hours_and_limit() -> None:
    # June: BST (+1).  07:59 / 08:00
    early = decide(_uk("2025-06-10T06:59:00Z"))
    assert early["timezones"] == ["Europe/London"]
    assert early["blocked_by"] == ["UK-CONC-POLICY"]
    assert early["next_allowed_at"] == "2025-06-10T07:00:00Z"
    data = _uk("2025-06-10T12:00:00Z")
    data["history"] = [event(f"2025-06-0{d}T12:00:00Z", outcome="voicemail") for d in (5, 6, 7)]
    result = decide(data)
    assert result["blocked_by"] == ["UK-CONC-POLICY"]
    # 5 June leaves the window at 12 June 00:00 BST; the hours then say 08:00
    assert result["next_allowed_at"] == "2025-06-12T07:00:00Z"
    letters = dataclasses.replace(facts(data), policy=Policy(uk_contacts_per_7_days=4))
    assert evaluate(letters).allowed is True
    late = dataclasses.replace(
        facts(_uk("2025-06-10T06:30:00Z")),
        policy=Policy(uk_hours_start=time(7, 0), uk_hours_end=time(20, 0)),
    )
    assert evaluate(late).allowed is True


def test_uk_is_read_as_gb_and_preferences_are_honoured() -> None:
    data = _uk(
        "2025-06-10T12:00:00Z",
        channel="email",
        contact_point="e1",
        template="payment-reminder-email",
    )
    data["consumer"]["country"] = "UK"
    assert decide(data)["allowed"] is True
    data["consumer"]["contact_points"][2]["opted_out"] = True
    assert decide(data)["blocked_by"] == ["UK-CONC-POLICY"]
    ceased = _uk("2025-06-10T12:00:00Z")
    ceased["consumer"]["cease_received_at"] = "2025-06-01T00:00:00Z"
    assert decide(ceased)["next_allowed_at"] is None


# --- any other country -----------------------------------------------------------------------


def test_unknown_country_gets_only_the_agency_rules() -> None:
    data = consumer_in(
        scenario("2025-06-10T03:00:00Z"), "XK", None, None, ("+38344123456", "+38338123456")
    )
    result = decide(data)
    assert result["allowed"] is True
    data["consumer"]["cease_received_at"] = "2025-06-01T00:00:00Z"
    assert decide(data)["blocked_by"] == ["AGENCY-PREFERENCES"]


def test_a_country_with_no_known_zone_falls_back_to_utc() -> None:
    data = consumer_in(scenario("2025-06-10T03:00:00Z"), "XX", None, None)
    data["consumer"]["contact_points"] = data["consumer"]["contact_points"][2:]
    data["consumer"]["contact_points"].append({"id": "m1", "channel": "phone"})
    data["consumer"]["inconvenient_times"] = [{"from": "02:00", "to": "04:00"}]
    result = decide(data)
    assert result["timezones"] == ["Etc/UTC"]
    assert result["blocked_by"] == ["AGENCY-PREFERENCES"]
    assert result["next_allowed_at"] == "2025-06-10T04:00:00Z"
