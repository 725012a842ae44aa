"""US-REGF-7IN7 and US-REGF-7DAY-CONVO: the 7th and 8th call, the window's edges, the
consent exclusions, several debts, inbound calls and calls that never connected."""

from __future__ import annotations

from datetime import timedelta

from tests.compliance.engine_helpers import decide, event, scenario, z

# Tuesday 10 June 2025, 10:00 CDT.  Local day D = 10 June; the window is 4-10 June.
AT = "2025-06-10T15:00:00Z"


def _calls(count: int, start: str = "2025-06-04T14:00:00Z", **kwargs: object) -> list[dict]:
    first = z(start)
    return [event(first + timedelta(hours=5 * i), **kwargs) for i in range(count)]  # type: ignore[arg-type]


def test_seventh_call_allowed_eighth_blocked() -> None:
    data = scenario(AT)
    data["history"] = _calls(6)
    assert decide(data)["allowed"] is True
    data["history"] = _calls(7)
    result = decide(data)
    assert result["blocked_by"] == ["US-REGF-7IN7"]
    # the oldest (4 June, 09:00 CDT) leaves the window at local midnight of 11 June
    # (05:00Z) — still before 08:00, so the answer is 08:00 CDT on the 11th
    assert result["next_allowed_at"] == "2025-06-11T13:00:00Z"


def test_window_is_seven_local_days_including_today() -> None:
    data = scenario(AT)
    # 3 June 23:30 CDT is 4 June 04:30Z: outside the window although within 7x24 hours
    # of the first local day by UTC date
    data["history"] = [event("2025-06-04T04:30:00Z"), *_calls(6)]
    assert decide(data)["allowed"] is True
    data["history"] = [event("2025-06-04T05:00:00Z"), *_calls(6)]  # 4 June 00:00 CDT
    assert decide(data)["blocked_by"] == ["US-REGF-7IN7"]


def test_calls_that_never_connected_and_inbound_calls_are_not_attempts() -> None:
    data = scenario(AT)
    data["history"] = [
        *_calls(6),
        event("2025-06-09T15:00:00Z", outcome="not_connected"),
        event("2025-06-09T16:00:00Z", outcome="failed"),
        event("2025-06-09T17:00:00Z", outcome="no_answer", direction="inbound"),
    ]
    assert decide(data)["allowed"] is True
    data["history"].append(event("2025-06-09T18:00:00Z", outcome="voicemail", point="h1"))
    assert decide(data)["blocked_by"] == ["US-REGF-7IN7"]  # every number shares one count


def test_a_call_about_several_debts_counts_for_each() -> None:
    data = scenario(AT, case_ids=["B"])
    data["cases"].append({"id": "B", "validation_sent_at": "2025-01-02T12:00:00Z"})
    data["history"] = _calls(7, cases=("A", "B"))
    assert decide(data)["blocked_by"] == ["US-REGF-7IN7"]
    data["history"] = _calls(7, cases=("A",))
    assert decide(data)["allowed"] is True
    data["attempt"]["case_ids"] = ["A", "B"]
    assert decide(data)["blocked_by"] == ["US-REGF-7IN7"]


def test_history_at_or_after_the_attempt_is_ignored() -> None:
    data = scenario(AT)
    data["history"] = [*_calls(6), event(AT), event("2025-06-10T16:00:00Z")]
    assert decide(data)["allowed"] is True


def test_consent_takes_the_first_call_under_it_out_of_the_count() -> None:
    data = scenario(AT)
    data["history"] = _calls(7)  # 4 June 14:00Z, 19:00Z, 5 June 00:00Z, ...
    data["consents"] = [{"at": "2025-06-04T18:00:00Z", "case_ids": ["A"]}]
    assert decide(data)["allowed"] is True  # the 19:00Z call is not counted
    data["history"].append(event("2025-06-09T12:00:00Z"))  # an 8th attempt
    assert decide(data)["blocked_by"] == ["US-REGF-7IN7"]


def test_consent_window_edges() -> None:
    data = scenario(AT)
    data["history"] = _calls(7)
    # starts exactly at a call: that call is under it
    data["consents"] = [{"at": "2025-06-04T19:00:00Z", "case_ids": ["A"]}]
    assert decide(data)["allowed"] is True
    # ends exactly at a call (until excluded): nothing under it; the attempt is after it
    data["consents"] = [
        {"at": "2025-06-04T15:00:00Z", "case_ids": ["A"], "until": "2025-06-04T19:00:00Z"}
    ]
    assert decide(data)["blocked_by"] == ["US-REGF-7IN7"]
    # about another debt: no effect
    data["cases"].append({"id": "B"})
    data["consents"] = [{"at": "2025-06-04T18:00:00Z", "case_ids": ["B"]}]
    assert decide(data)["blocked_by"] == ["US-REGF-7IN7"]


def test_an_unused_consent_exempts_the_proposed_call() -> None:
    data = scenario(AT)
    data["history"] = _calls(7)
    data["consents"] = [{"at": "2025-06-10T14:00:00Z", "case_ids": ["A"]}]  # after them all
    assert decide(data)["allowed"] is True
    # used once a call was made under it: no longer exempts
    data["history"].append(event("2025-06-10T14:30:00Z"))
    assert decide(data)["blocked_by"] == ["US-REGF-7IN7"]


def test_a_consent_that_starts_later_is_a_bound() -> None:
    data = scenario(AT)
    data["history"] = _calls(7)
    data["consents"] = [{"at": "2025-06-10T18:00:00Z", "case_ids": ["A"]}]
    assert decide(data)["next_allowed_at"] == "2025-06-10T18:00:00Z"


# --- seven days after a conversation --------------------------------------------------------


def test_conversation_day_is_day_one_next_call_on_day_eight() -> None:
    data = scenario("2025-06-10T15:00:00Z")  # Tuesday 10 June
    data["history"] = [event("2025-06-03T23:00:00Z", outcome="conversation")]  # 3 June 18:00
    result = decide(data)
    assert result["allowed"] is True  # 10 June is day 8
    data["history"] = [event("2025-06-04T04:59:00Z", outcome="conversation")]  # 3 June 23:59
    assert decide(data)["allowed"] is True
    data["history"] = [event("2025-06-04T05:00:00Z", outcome="conversation")]  # 4 June 00:00
    result = decide(data)
    assert result["blocked_by"] == ["US-REGF-7DAY-CONVO"]
    assert result["next_allowed_at"] == "2025-06-11T13:00:00Z"  # 11 June 08:00 CDT


def test_inbound_conversations_count_and_cover_every_debt_discussed() -> None:
    data = scenario(AT, case_ids=["B"])
    data["cases"].append({"id": "B", "validation_sent_at": "2025-01-02T12:00:00Z"})
    data["history"] = [
        event("2025-06-08T15:00:00Z", outcome="conversation", direction="inbound", cases=("A", "B"))
    ]
    assert decide(data)["blocked_by"] == ["US-REGF-7DAY-CONVO"]
    data["history"][0]["case_ids"] = ["A"]
    assert decide(data)["allowed"] is True


def test_texts_and_emails_are_not_held_by_the_call_rules() -> None:
    data = scenario(AT, channel="sms", template="payment-reminder-sms")
    data["history"] = [*_calls(7), event("2025-06-09T15:00:00Z", outcome="conversation")]
    assert decide(data)["allowed"] is True


def test_consent_exempts_the_call_after_a_conversation() -> None:
    data = scenario(AT)
    data["history"] = [event("2025-06-08T15:00:00Z", outcome="conversation")]
    data["consents"] = [{"at": "2025-06-09T15:00:00Z", "case_ids": ["A"]}]
    assert decide(data)["allowed"] is True
    # a conversation on the call a consent took out does not start the wait
    data["history"] = [event("2025-06-09T16:00:00Z", outcome="conversation")]
    data["consents"] = [{"at": "2025-06-09T15:00:00Z", "case_ids": ["A"]}]
    assert decide(data)["allowed"] is True
