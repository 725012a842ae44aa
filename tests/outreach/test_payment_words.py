"""The receipt's and the confirmation's template variables: written in the language,
empty in every other message, and a long plan's schedule kept within a value's bound
with its last payments summed up."""

from __future__ import annotations

from datetime import date, timedelta

from agency.kit.money import Money
from agency.outreach.payment_words import (
    MAX_SCHEDULE,
    ArrangementFacts,
    arrangement_values,
    payment_values,
    schedule_lines,
)
from agency.outreach.templating import VARIABLES, TemplateParts, parse_template, render
from agency.outreach.templating import sample_variables as samples


def test_the_payment_variables_are_documented_and_previewed_in_both_languages() -> None:
    assert {"payment.amount", "payment.balance_after", "arrangement.schedule"} <= set(VARIABLES)
    body = "{{ payment.amount }} {{ payment.method }} | {{ arrangement.kind }}"
    parsed = parse_template(TemplateParts(body=body), channel="sms")
    assert render(parsed, samples("en")).body == "$250.00 card | payment plan"
    assert render(parsed, samples("es")).body == "$250.00 tarjeta | plan de pagos"


def test_a_message_that_is_no_receipt_has_them_empty() -> None:
    assert set(payment_values(None, language="en", locale="en_US").values()) == {""}
    assert set(arrangement_values(None, language="es", locale="es_US").values()) == {""}


def test_a_long_schedule_is_cut_with_the_rest_summed_up() -> None:
    first = date(2026, 1, 5)
    payments = tuple((first + timedelta(weeks=n), Money(10_000, "USD")) for n in range(60))
    facts = ArrangementFacts(
        kind="plan",
        total=Money(600_000, "USD"),
        payments=payments,
        next_due=first,
        next_amount=Money(10_000, "USD"),
    )
    text = schedule_lines(facts, language="en", locale="en_US")
    assert len(text) <= MAX_SCHEDULE
    assert text.startswith("January 5, 2026: $100.00; January 12, 2026: $100.00; ")
    shown = text.count(": $100.00")
    assert text.endswith(f"and {60 - shown} more payments, ${(60 - shown) * 100:,}.00 in all")
    short = ArrangementFacts("promise", Money(5_000, "USD"), payments[:1], first, None)
    assert schedule_lines(short, language="en", locale="en_US") == "January 5, 2026: $100.00"
