"""The other federal rules: cease, medium, attorney, workplace, e-opt-out, validation,
dispute hold, time-barred, passive reporting, mini-Miranda, TCPA, the electronic cap."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from agency.compliance.engine import evaluate
from agency.compliance.facts import Policy
from agency.compliance.validation import assumed_receipt, validation_period_end
from tests.compliance.engine_helpers import decide, event, facts, scenario, z

AT = "2025-06-10T15:00:00Z"  # Tuesday, 10:00 CDT


def _sms(**attempt: object) -> dict:
    return scenario(AT, **{"channel": "sms", "template": "payment-reminder-sms", **attempt})


def _email(**attempt: object) -> dict:
    defaults = {"channel": "email", "contact_point": "e1", "template": "payment-reminder-email"}
    return scenario(AT, **{**defaults, **attempt})


def _letter(template: str | None = None) -> dict:
    return scenario(AT, channel="letter", contact_point="a1", template=template)


# --- cease --------------------------------------------------------------------------------


def test_cease_blocks_every_channel_for_good() -> None:
    for data in (scenario(AT), _sms(), _email(), _letter()):
        data["consumer"]["cease_received_at"] = "2025-06-01T12:00:00Z"
        result = decide(data)
        assert result["blocked_by"] == ["US-REGF-CEASE"]
        assert result["next_allowed_at"] is None


@pytest.mark.parametrize("template", ["cease-confirmation", "remedy-notice"])
def test_cease_exceptions(template: str) -> None:
    data = _letter(template)
    data["consumer"]["cease_received_at"] = "2025-06-01T12:00:00Z"
    assert decide(data)["allowed"] is True


def test_a_cease_received_later_makes_waiting_useless() -> None:
    data = scenario("2025-06-11T03:00:00Z")  # 22:00 CDT: blocked by the hours
    data["consumer"]["cease_received_at"] = "2025-06-11T06:00:00Z"
    result = decide(data)
    assert result["blocked_by"] == ["US-REGF-TIME"]
    assert result["next_allowed_at"] is None


# --- medium, attorney, workplace ------------------------------------------------------------


def test_do_not_use_blocks_every_channel_of_that_point_only() -> None:
    data = scenario(AT)
    data["consumer"]["contact_points"][0]["do_not_use"] = True
    assert decide(data)["blocked_by"] == ["US-REGF-MEDIUM"]
    assert decide(data)["next_allowed_at"] is None
    data["attempt"]["contact_point"] = "h1"
    assert decide(data)["allowed"] is True


def test_do_not_call_blocks_calls_not_texts() -> None:
    data = scenario(AT)
    data["consumer"]["contact_points"][0]["do_not_call"] = True
    assert decide(data)["blocked_by"] == ["US-REGF-MEDIUM"]
    sms = _sms()
    sms["consumer"]["contact_points"][0]["do_not_call"] = True
    assert decide(sms)["allowed"] is True


def test_attorney_for_this_debt_or_every_debt() -> None:
    data = scenario(AT)
    data["cases"].append({"id": "B"})
    data["consumer"]["attorney"] = {"name": "J. Counsel", "case_ids": ["B"]}
    assert decide(data)["allowed"] is True
    data["consumer"]["attorney"]["case_ids"] = ["A"]
    assert decide(data)["blocked_by"] == ["US-REGF-ATTORNEY"]
    data["consumer"]["attorney"] = {"name": "J. Counsel"}
    result = decide(data)
    assert result["blocked_by"] == ["US-REGF-ATTORNEY"]
    assert result["next_allowed_at"] is None


def test_employer_forbids_contact_at_the_workplace() -> None:
    data = scenario(AT, contact_point="w1")
    data["consumer"]["contact_points"].append(
        {
            "id": "w1",
            "channel": "phone",
            "value": "+13125550111",
            "kind": "work",
            "workplace": True,
            "do_not_use": True,
        }
    )
    assert decide(data)["blocked_by"] == ["US-REGF-WORKPLACE"]  # not MEDIUM


def test_no_email_to_a_work_address() -> None:
    data = _email(contact_point="w1")
    data["consumer"]["contact_points"].append(
        {"id": "w1", "channel": "email", "value": "pat@employer.example", "kind": "work"}
    )
    assert decide(data)["blocked_by"] == ["US-REGF-WORKPLACE"]
    loose = dataclasses.replace(facts(data), policy=Policy(block_work_email=False))
    assert evaluate(loose).allowed is True
    used = facts(data)
    points = tuple(
        dataclasses.replace(p, used_by_consumer=True) if p.id == "w1" else p
        for p in used.consumer.contact_points
    )
    used = dataclasses.replace(
        used, consumer=dataclasses.replace(used.consumer, contact_points=points)
    )
    assert evaluate(used).allowed is True


# --- electronic opt-out, templates -----------------------------------------------------------


def test_opted_out_point_is_blocked_for_texts_and_emails_not_calls() -> None:
    for data in (_sms(), _email()):
        index = 0 if data["attempt"]["channel"] == "sms" else 2
        data["consumer"]["contact_points"][index]["opted_out"] = True
        result = decide(data)
        assert result["blocked_by"] == ["US-REGF-EOPTOUT"]
        assert result["next_allowed_at"] is None
    call = scenario(AT)
    call["consumer"]["contact_points"][0]["opted_out"] = True
    assert decide(call)["allowed"] is True


def test_a_text_template_without_an_opt_out_instruction_or_mini_miranda() -> None:
    result = decide(_sms(template="callback-request-sms"))
    assert result["blocked_by"] == ["US-FDCPA-MINIMIRANDA", "US-REGF-EOPTOUT"]


def test_time_barred_debt_no_suit_threat() -> None:
    data = _letter("suit-notice")
    assert decide(data)["allowed"] is True
    data["cases"][0]["time_barred"] = True
    assert decide(data)["blocked_by"] == ["US-REGF-TIMEBARRED"]
    data["attempt"]["template"] = "payment-reminder-email"
    data["attempt"].update(channel="email", contact_point="e1")
    assert decide(data)["allowed"] is True


# --- validation --------------------------------------------------------------------------------


def test_validation_notice_within_five_days_of_the_first_contact() -> None:
    data = scenario(AT)
    data["cases"][0]["validation_sent_at"] = None
    assert decide(data)["allowed"] is True  # no contact yet: this can be the first
    data["history"] = [event("2025-06-05T15:00:00Z", outcome="voicemail")]  # 5 local days
    assert decide(data)["allowed"] is True
    data["history"] = [event("2025-06-04T15:00:00Z", outcome="voicemail")]  # 6
    result = decide(data)
    assert result["blocked_by"] == ["US-REGF-VALIDATION"]
    assert result["next_allowed_at"] is None
    # an unanswered call reached nobody: not a contact
    data["history"] = [event("2025-06-04T15:00:00Z", outcome="no_answer")]
    assert decide(data)["allowed"] is True


def test_the_validation_notice_itself_may_go() -> None:
    data = scenario(AT, channel="letter", contact_point="a1", template="validation-notice")
    data["cases"][0]["validation_sent_at"] = None
    data["history"] = [event("2025-05-01T15:00:00Z", outcome="conversation")]
    assert decide(data)["allowed"] is True


def test_a_notice_recorded_as_sent_later_is_the_bound() -> None:
    data = scenario(AT)
    data["cases"][0]["validation_sent_at"] = "2025-06-12T15:00:00Z"
    data["history"] = [event("2025-05-01T15:00:00Z", outcome="voicemail")]
    assert decide(data)["next_allowed_at"] == "2025-06-12T15:00:00Z"


@pytest.mark.parametrize(
    ("sent", "receipt", "end"),
    [
        # the Wednesday before Thanksgiving: Thu 27 Nov is a holiday, then a weekend
        (date(2025, 11, 26), date(2025, 12, 4), date(2026, 1, 3)),
        # a Monday with no holiday: receipt the next Monday
        (date(2025, 6, 2), date(2025, 6, 9), date(2025, 7, 9)),
        # over Christmas and New Year
        (date(2025, 12, 23), date(2025, 12, 31), date(2026, 1, 30)),
        # Friday before Memorial Day (26 May 2025)
        (date(2025, 5, 23), date(2025, 6, 2), date(2025, 7, 2)),
        # Juneteenth (Thursday 19 June 2025)
        (date(2025, 6, 16), date(2025, 6, 24), date(2025, 7, 24)),
    ],
)
def test_validation_period_end(sent: date, receipt: date, end: date) -> None:
    assert assumed_receipt(sent) == receipt
    assert validation_period_end(sent) == end


def test_validation_period_end_takes_a_datetime_on_its_own_date() -> None:
    assert validation_period_end(z("2025-11-26T23:00:00Z")) == date(2026, 1, 3)


# --- dispute hold ----------------------------------------------------------------------------


def _disputed(**case: object) -> dict:
    data = scenario(AT)
    data["cases"][0].update(
        {
            "validation_sent_at": "2025-06-02T15:00:00Z",
            "disputed_at": "2025-06-05T15:00:00Z",
            "dispute_written": True,
            **case,
        }
    )
    return data


def test_written_dispute_in_the_period_holds_every_channel() -> None:
    result = decide(_disputed())
    assert result["blocked_by"] == ["US-REGF-DISPUTE-HOLD"]
    assert result["next_allowed_at"] is None
    for data in (_disputed(), _disputed()):
        data["attempt"].update(channel="sms", template="payment-reminder-sms")
        assert decide(data)["blocked_by"] == ["US-REGF-DISPUTE-HOLD"]


def test_dispute_hold_ends_when_verification_is_sent() -> None:
    assert decide(_disputed(verification_sent_at="2025-06-09T15:00:00Z"))["allowed"] is True
    later = decide(_disputed(verification_sent_at="2025-06-12T15:00:00Z"))
    assert later["next_allowed_at"] == "2025-06-12T15:00:00Z"


def test_oral_late_or_future_disputes_do_not_hold() -> None:
    assert decide(_disputed(dispute_written=False))["allowed"] is True
    # period for a notice sent Mon 2 June: receipt Mon 9 June, end Wed 9 July
    assert decide(_disputed(disputed_at="2025-07-10T15:00:00Z"))["allowed"] is True
    late_at_t = _disputed(disputed_at="2025-07-09T15:00:00Z")
    late_at_t["attempt"]["at"] = "2025-07-10T15:00:00Z"
    assert decide(late_at_t)["blocked_by"] == ["US-REGF-DISPUTE-HOLD"]  # last day counts
    assert decide(_disputed(disputed_at="2025-06-11T15:00:00Z"))["allowed"] is True


def test_verification_and_validation_templates_go_during_the_hold() -> None:
    data = _disputed()
    data["attempt"].update(channel="letter", contact_point="a1", template="debt-verification")
    assert decide(data)["allowed"] is True


def test_dispute_without_a_validation_notice_holds() -> None:
    assert decide(_disputed(validation_sent_at=None))["blocked_by"] == ["US-REGF-DISPUTE-HOLD"]


# --- TCPA ----------------------------------------------------------------------------------


def test_automated_calls_to_mobiles_and_automated_texts_need_consent() -> None:
    data = scenario(AT, automated=True)
    assert decide(data)["allowed"] is True  # m1 has consent
    data["consumer"]["contact_points"][0]["consent"] = False
    assert decide(data)["blocked_by"] == ["US-TCPA-CONSENT"]
    data["attempt"]["automated"] = False
    assert decide(data)["allowed"] is True
    home = scenario(AT, automated=True, contact_point="h1")
    assert decide(home)["allowed"] is True  # a landline call
    text = scenario(
        AT, channel="sms", contact_point="h1", automated=True, template="payment-reminder-sms"
    )
    assert decide(text)["blocked_by"] == ["US-TCPA-CONSENT"]


def _revoked(template: str = "payment-reminder-sms", automated: bool = True) -> object:
    found = facts(_sms(template=template, automated=automated))
    points = tuple(
        dataclasses.replace(p, consent_revoked_at=z("2025-06-09T15:00:00Z")) if p.id == "m1" else p
        for p in found.consumer.contact_points
    )
    return dataclasses.replace(
        found, consumer=dataclasses.replace(found.consumer, contact_points=points)
    )


def test_revoked_consent_blocks_texts_but_one_confirmation() -> None:
    blocked = evaluate(_revoked())  # type: ignore[arg-type]
    assert blocked.blocked_by == ("US-TCPA-REVOKE",)
    assert blocked.next_allowed_at is None
    confirmation = _revoked("opt-out-confirmation")
    assert evaluate(confirmation).allowed is True  # type: ignore[arg-type]
    from agency.compliance.facts import HistoryEvent

    sent = dataclasses.replace(
        confirmation,  # type: ignore[type-var]
        history=(
            HistoryEvent(
                at=z("2025-06-09T15:05:00Z"),
                channel="sms",
                direction="outbound",
                contact_point="m1",
                case_ids=("A",),
                outcome="delivered",
            ),
        ),
    )
    assert evaluate(sent).blocked_by == ("US-TCPA-REVOKE",)  # type: ignore[arg-type]


# --- passive reporting ----------------------------------------------------------------------


def _report(history: list[dict]) -> object:
    found = facts(scenario(AT))
    from agency.compliance.facts import HistoryEvent

    events = tuple(
        HistoryEvent(
            at=z(e["at"]),
            channel=e["channel"],
            direction=e["direction"],
            contact_point=e["contact_point"],
            case_ids=tuple(e["case_ids"]),
            outcome=e["outcome"],
        )
        for e in history
    )
    attempt = dataclasses.replace(found.attempt, channel="credit_report", contact_point="a1")
    return dataclasses.replace(found, attempt=attempt, history=events)


def test_no_passive_credit_reporting() -> None:
    nothing = evaluate(_report([]))  # type: ignore[arg-type]
    assert nothing.blocked_by == ("US-REGF-PASSIVE",)
    assert nothing.next_allowed_at is None
    spoke = evaluate(_report([event("2025-06-09T15:00:00Z", outcome="conversation")]))  # type: ignore[arg-type]
    assert spoke.allowed is True
    letter = event("2025-06-01T15:00:00Z", "letter", "delivered", point="a1")
    recent = evaluate(_report([letter]))  # type: ignore[arg-type]
    assert recent.next_allowed_at == z("2025-06-15T15:00:00Z")
    old = dict(letter, at="2025-05-20T15:00:00Z")
    assert evaluate(_report([old])).allowed is True  # type: ignore[arg-type]
    returned = event("2025-05-25T15:00:00Z", "letter", "failed", point="a1")
    assert evaluate(_report([old, returned])).allowed is False  # type: ignore[arg-type]


# --- the electronic cap ----------------------------------------------------------------------


def test_electronic_cap_per_debt() -> None:
    data = _sms()
    data["history"] = [event(f"2025-06-0{d}T15:00:00Z", "sms", "delivered") for d in (5, 6, 7)]
    result = decide(data)
    assert result["blocked_by"] == ["AGENCY-ELECTRONIC-CAP"]
    # the 5 June text leaves the window at 12 June 00:00 CDT; the hours then say 08:00
    assert result["next_allowed_at"] == "2025-06-12T13:00:00Z"
    capped = dataclasses.replace(facts(data), policy=Policy(sms_per_7_days=4))
    assert evaluate(capped).allowed is True
    email = _email()
    email["history"] = data["history"]
    assert decide(email)["allowed"] is True
