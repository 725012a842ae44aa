"""The US state and city overlays: Massachusetts, Washington, New York, New York City."""

from __future__ import annotations

import dataclasses

from agency.compliance.engine import evaluate
from agency.compliance.facts import Policy
from tests.compliance.engine_helpers import consumer_in, decide, event, facts, scenario

# Tuesday 10 June 2025, 11:00 EDT / 10:00 CDT / 08:00 PDT
AT = "2025-06-10T15:00:00Z"


def _ma(**attempt: object) -> dict:
    return consumer_in(
        scenario(AT, **attempt), "US", "MA", "02108", ("+16175550100", "+16175550199")
    )


def _wa(**attempt: object) -> dict:
    return consumer_in(
        scenario(AT, **attempt), "US", "WA", "98101", ("+12065550100", "+12065550199")
    )


def _ny(postal: str = "12207", **attempt: object) -> dict:
    return consumer_in(
        scenario(AT, **attempt), "US", "NY", postal, ("+15185550100", "+15185550199")
    )


# --- Massachusetts ------------------------------------------------------------------------


def test_ma_two_telephone_communications_per_debt_in_seven_days() -> None:
    data = _ma()
    data["history"] = [
        event("2025-06-05T15:00:00Z", outcome="voicemail"),
        event("2025-06-06T15:00:00Z", outcome="no_answer"),  # did not reach: not counted
    ]
    assert decide(data)["allowed"] is True
    data["history"].append(event("2025-06-07T15:00:00Z", "sms", "delivered"))
    result = decide(data)
    assert result["blocked_by"] == ["US-MA-CALLS"]
    # 5 June leaves the window at 12 June 00:00 EDT; the hours then say 08:00 EDT
    assert result["next_allowed_at"] == "2025-06-12T12:00:00Z"
    email = dict(
        data,
        attempt=dict(
            data["attempt"], channel="email", contact_point="e1", template="payment-reminder-email"
        ),
    )
    assert decide(email)["allowed"] is True  # e-mail is not telephone communication


def test_ma_work_numbers_have_their_own_thirty_day_count() -> None:
    data = _ma(contact_point="w1")
    data["consumer"]["contact_points"].append(
        {"id": "w1", "channel": "phone", "value": "+16175550111", "kind": "work"}
    )
    data["history"] = [
        event("2025-05-15T15:00:00Z", outcome="conversation", point="w1"),
        event("2025-06-01T15:00:00Z", outcome="voicemail", point="w1"),
        event("2025-06-09T15:00:00Z", outcome="voicemail", point="m1"),  # other category
    ]
    assert decide(data)["blocked_by"] == ["US-MA-CALLS"]
    data["history"][0]["at"] = "2025-05-11T15:00:00Z"  # 31 local days ago
    assert decide(data)["allowed"] is True


def test_the_overlay_follows_the_zip_when_the_region_is_missing() -> None:
    data = _ma()
    data["consumer"]["region"] = None
    data["history"] = [event(f"2025-06-0{d}T15:00:00Z", outcome="voicemail") for d in (6, 7)]
    assert decide(data)["blocked_by"] == ["US-MA-CALLS"]


# --- Washington ---------------------------------------------------------------------------


def test_wa_three_contacts_per_person_in_a_week() -> None:
    data = _wa(channel="letter", contact_point="a1")
    data["cases"].append({"id": "B", "validation_sent_at": "2025-01-02T12:00:00Z"})
    data["history"] = [
        event("2025-06-05T18:00:00Z", outcome="voicemail", cases=("A",)),
        event("2025-06-06T18:00:00Z", "email", "delivered", point="e1", cases=("B",)),
    ]
    assert decide(data)["allowed"] is True
    data["history"].append(
        event("2025-06-07T18:00:00Z", "letter", "delivered", point="a1", cases=("B",))
    )
    result = decide(data)
    assert result["blocked_by"] == ["US-WA-FREQ"]  # per person: debt B's contacts count
    assert result["next_allowed_at"] == "2025-06-12T15:00:00Z"  # 12 June 08:00 PDT


def test_wa_once_a_week_at_the_workplace() -> None:
    data = _wa(contact_point="w1")
    data["consumer"]["contact_points"].append(
        {"id": "w1", "channel": "phone", "value": "+12065550111", "kind": "work"}
    )
    data["history"] = [event("2025-06-09T18:00:00Z", outcome="voicemail", point="m1")]
    assert decide(data)["allowed"] is True
    data["history"] = [event("2025-06-09T18:00:00Z", outcome="voicemail", point="w1")]
    assert decide(data)["blocked_by"] == ["US-WA-FREQ"]


def test_wa_two_calls_or_texts_a_day_to_a_mobile() -> None:
    data = _wa()
    data["history"] = [
        event("2025-06-10T07:30:00Z", outcome="no_answer"),  # 10 June 00:30 PDT
        event("2025-06-10T14:00:00Z", "sms", "delivered"),
    ]
    result = decide(data)
    assert result["blocked_by"] == ["US-WA-FREQ"]
    assert result["next_allowed_at"] == "2025-06-11T15:00:00Z"  # tomorrow 08:00 PDT
    data["history"][0]["at"] = "2025-06-10T06:30:00Z"  # 9 June 23:30 PDT
    assert decide(data)["allowed"] is True


def test_wa_calls_to_a_home_from_0730() -> None:
    data = _wa(contact_point="h1")
    data["attempt"]["at"] = "2025-06-10T14:15:00Z"  # 07:15 PDT
    assert decide(data)["blocked_by"] == ["US-REGF-TIME", "US-WA-FREQ"]


# --- New York -----------------------------------------------------------------------------


def test_ny_three_attempts_or_one_conversation_per_debt() -> None:
    data = _ny()
    data["history"] = [event(f"2025-06-0{d}T15:00:00Z") for d in (6, 7)]
    assert decide(data)["allowed"] is True
    data["history"].append(event("2025-06-08T15:00:00Z"))
    assert decide(data)["blocked_by"] == ["US-NY-DFS"]
    data["history"] = [event("2025-06-09T15:00:00Z", outcome="conversation")]
    assert decide(data)["blocked_by"] == ["US-NY-DFS", "US-REGF-7DAY-CONVO"]
    data["history"][0]["direction"] = "inbound"  # NY counts our conversations only
    assert decide(data)["blocked_by"] == ["US-REGF-7DAY-CONVO"]


def test_ny_texts_and_emails_need_written_consent() -> None:
    data = _ny(channel="email", contact_point="e1", template="payment-reminder-email")
    result = decide(data)
    assert result["blocked_by"] == ["US-NY-DFS"]
    assert result["next_allowed_at"] is None
    data["consumer"]["contact_points"][2]["consent"] = True
    assert decide(data)["allowed"] is True


def test_nyc_two_communications_per_debt_in_seven_days() -> None:
    data = _ny("11201", channel="letter", contact_point="a1")  # Brooklyn
    data["history"] = [
        event("2025-06-06T15:00:00Z", "letter", "delivered", point="a1"),
        event("2025-06-08T15:00:00Z", "email", "delivered", point="e1"),
    ]
    result = decide(data)
    assert result["blocked_by"] == ["US-NYC-FREQ"]
    assert result["next_allowed_at"] == "2025-06-13T12:00:00Z"  # 13 June 08:00 EDT
    data["attempt"]["template"] = "validation-notice"  # legally required notices excepted
    assert decide(data)["allowed"] is True
    data["attempt"]["template"] = None
    policy = dataclasses.replace(facts(data), policy=Policy(nyc_communications_per_7_days=3))
    assert evaluate(policy).allowed is True


def test_yonkers_is_new_york_state_but_not_the_city() -> None:
    data = _ny("10701", channel="letter", contact_point="a1")
    data["history"] = [
        event("2025-06-06T15:00:00Z", "letter", "delivered", point="a1"),
        event("2025-06-08T15:00:00Z", "email", "delivered", point="e1"),
    ]
    assert decide(data)["allowed"] is True
