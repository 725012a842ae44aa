"""The validation notice's description: read exactly as shared/validation-notice.md
says, every refusal one line naming its path."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from agency.compliance import validation
from agency.outreach import notice_input
from agency.outreach.notice_input import (
    MAX_NOTICE_BYTES,
    Collector,
    Consumer,
    Debt,
    NoticeDescription,
    NoticeInputError,
    notice_from_values,
    parse_notice,
    read_notice,
)
from tests.outreach.notices import EXAMPLE, example


def test_the_contracts_example() -> None:
    desc = read_notice(EXAMPLE.read_bytes())
    assert desc == NoticeDescription(
        language="en",
        sent_on=date(2026, 7, 1),
        collector=Collector(
            name="Northwind Recovery LLC",
            address_lines=("PO Box 1234", "Springfield, IL 62701"),
            phone="+1 800 555 0100",
            email="help@example.com",
            website="https://pay.example.com",
            hours="Mon-Fri 8am-8pm Central",
        ),
        consumer=Consumer(
            name="Jane Q. Doe", address_lines=("12 Elm St", "Apt 3", "Peoria, IL 61602")
        ),
        debt=Debt(
            creditor="Contoso Wireless",
            original_creditor=None,
            account_reference="CW-0042",
            currency="USD",
            itemization_date=date(2026, 1, 15),
            itemization_kind="charge_off",
            amount_on_itemization_date_minor=100000,
            interest_since_minor=1200,
            fees_since_minor=2500,
            payments_since_minor=5000,
            credits_since_minor=0,
        ),
        reference="N-2026-000123",
    )
    # 1000.00 + 12.00 + 25.00 - 50.00 - 0.00
    assert desc.total_due_minor == 98700


def test_only_the_required_keys() -> None:
    doc = example()
    del doc["language"], doc["reference"]
    for key in ("email", "website", "hours"):
        del doc["collector"][key]
    for key in (
        "original_creditor",
        "itemization_kind",
        "interest_since",
        "fees_since",
        "payments_since",
        "credits_since",
    ):
        del doc["debt"][key]
    desc = parse_notice(doc)
    assert desc.language == "en"
    assert desc.reference is None
    assert (desc.collector.email, desc.collector.website, desc.collector.hours) == (None,) * 3
    assert desc.debt.itemization_kind is None
    assert desc.total_due_minor == desc.debt.amount_on_itemization_date_minor == 100000


def test_credits_and_payments_both_lower_the_total() -> None:
    doc = example()
    doc["debt"]["credits_since"] = "10.50"
    desc = parse_notice(doc)
    assert desc.debt.paid_or_credited_minor == 6050
    assert desc.total_due_minor == 100000 + 1200 + 2500 - 6050


def test_amounts_in_a_currency_without_minor_units() -> None:
    doc = example()
    doc["debt"].update(
        currency="JPY",
        amount_on_itemization_date="150000",
        interest_since="0",
        fees_since="500",
        payments_since="1000",
        credits_since="0",
    )
    assert parse_notice(doc).total_due_minor == 149500
    doc["debt"]["fees_since"] = "500.00"
    with pytest.raises(NoticeInputError, match=r"^debt\.fees_since: has more than 0 decimal"):
        parse_notice(doc)


def test_the_end_date_is_the_gates_own_function() -> None:
    """The notice must state the period the gate enforces: the very same function."""
    assert vars(notice_input)["validation_period_end"] is validation.validation_period_end
    desc = read_notice(EXAMPLE.read_bytes())
    assert desc.validation_end == validation.validation_period_end(date(2026, 7, 1))


def _set(path: str, value: object) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target = doc
        for key in parents:
            target = target[key]
        target[last] = value

    return change


def _drop(path: str) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target = doc
        for key in parents:
            target = target[key]
        del target[last]

    return change


LONG = "x" * 201


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_set("colour", "blue"), "colour: unknown key (allowed: collector, consumer, debt,"),
        (_set("collector.fax", "1"), "collector.fax: unknown key"),
        (_set("consumer.email", "a@b.c"), "consumer.email: unknown key"),
        (_set("debt.principal", "1.00"), "debt.principal: unknown key"),
        (_drop("sent_on"), "sent_on: is required"),
        (_drop("collector"), "collector: is required"),
        (_drop("consumer"), "consumer: is required"),
        (_drop("debt"), "debt: is required"),
        (_drop("collector.name"), "collector.name: is required"),
        (_drop("collector.address_lines"), "collector.address_lines: is required"),
        (_drop("collector.phone"), "collector.phone: is required"),
        (_drop("consumer.name"), "consumer.name: is required"),
        (_drop("consumer.address_lines"), "consumer.address_lines: is required"),
        (_drop("debt.creditor"), "debt.creditor: is required"),
        (_drop("debt.account_reference"), "debt.account_reference: is required"),
        (_drop("debt.currency"), "debt.currency: is required"),
        (_drop("debt.itemization_date"), "debt.itemization_date: is required"),
        (
            _drop("debt.amount_on_itemization_date"),
            "debt.amount_on_itemization_date: is required",
        ),
        (_set("language", "fr"), "language: must be en or es"),
        (_set("language", None), "language: must be en or es"),
        (_set("sent_on", "07/01/2026"), "sent_on: not a date (YYYY-MM-DD)"),
        (_set("sent_on", "2026-02-30"), "sent_on: not a date (YYYY-MM-DD)"),
        (_set("sent_on", 20260701), "sent_on: not a date (YYYY-MM-DD)"),
        (_set("sent_on", "1999-12-31"), "sent_on: must be in the years 2000 to 2100"),
        (_set("collector", "Northwind"), "collector: must be an object"),
        (_set("collector.name", ""), "collector.name: must not be empty"),
        (_set("collector.name", "   "), "collector.name: must not be empty"),
        (_set("collector.name", 7), "collector.name: must be a string"),
        (_set("collector.name", None), "collector.name: must be a string"),
        (_set("collector.name", LONG), "collector.name: is longer than 200 characters"),
        (_set("collector.address_lines", []), "collector.address_lines: must be 1 to 4 lines"),
        (
            _set("collector.address_lines", ["a", "b", "c", "d", "e"]),
            "collector.address_lines: must be 1 to 4 lines, not 5",
        ),
        (
            _set("collector.address_lines", "PO Box 1234"),
            "collector.address_lines: must be a list of 1 to 4 lines",
        ),
        (
            _set("collector.address_lines", ["PO Box 1234", ""]),
            "collector.address_lines[1]: must not be empty",
        ),
        (
            _set("collector.address_lines", ["PO Box 1234", LONG]),
            "collector.address_lines[1]: is longer than 200 characters",
        ),
        (_set("collector.phone", "1" * 41), "collector.phone: is longer than 40 characters"),
        (_set("collector.email", "help.example.com"), "collector.email: not an e-mail address"),
        (_set("collector.website", "w" * 201), "collector.website: is longer than 200"),
        (_set("collector.hours", "h" * 201), "collector.hours: is longer than 200"),
        (_set("consumer.name", "Jane\nDoe"), "consumer.name: must be one line of text"),
        (
            _set("consumer.name", "Łucja Doe"),
            "consumer.name: has a character the notice cannot print: 'Ł' (U+0141)",
        ),
        (
            _set("consumer.address_lines", ["12 Elm St", "Apt\t3"]),
            "consumer.address_lines[1]: must be one line of text",
        ),
        (_set("debt", []), "debt: must be an object"),
        (_set("debt.creditor", LONG), "debt.creditor: is longer than 200 characters"),
        (_set("debt.original_creditor", ""), "debt.original_creditor: must not be empty"),
        (
            _set("debt.account_reference", "A" * 65),
            "debt.account_reference: is longer than 64 characters",
        ),
        (_set("debt.currency", "XYZ"), "debt.currency: not an ISO 4217 currency code"),
        (_set("debt.currency", 840), "debt.currency: must be a string"),
        (_set("debt.currency", "INR"), "debt.currency: the notice cannot print INR amounts"),
        (_set("debt.itemization_date", "15/01/2026"), "debt.itemization_date: not a date"),
        (
            _set("debt.itemization_date", "2026-07-02"),
            "debt.itemization_date: is after sent_on (2026-07-01)",
        ),
        (
            _set("debt.itemization_kind", "birthday"),
            "debt.itemization_kind: must be one of last_statement, charge_off, last_payment,"
            " transaction, judgment",
        ),
        (_set("debt.fees_since", "abc"), "debt.fees_since: not an amount in USD"),
        (_set("debt.fees_since", "1,000.00"), "debt.fees_since: not an amount in USD"),
        (_set("debt.fees_since", "25."), "debt.fees_since: not an amount in USD"),
        (_set("debt.fees_since", " 25.00"), "debt.fees_since: not an amount in USD"),
        (_set("debt.fees_since", True), "debt.fees_since: not an amount in USD"),
        (
            _set("debt.fees_since", 25),
            'debt.fees_since: not an amount in USD (amounts are strings: "25.00")',
        ),
        (_set("debt.fees_since", "-25.00"), "debt.fees_since: must not be negative"),
        (
            _set("debt.fees_since", "25.005"),
            "debt.fees_since: has more than 2 decimal places for USD",
        ),
        (
            _set("debt.fees_since", "1000000000.00"),
            "debt.fees_since: is more than 999,999,999.99, the largest amount accepted",
        ),
        (_set("debt.interest_since", "12.0.0"), "debt.interest_since: not an amount in USD"),
        (_set("debt.payments_since", "lots"), "debt.payments_since: not an amount in USD"),
        (_set("debt.credits_since", "-1"), "debt.credits_since: must not be negative"),
        (
            _set("debt.amount_on_itemization_date", None),
            "debt.amount_on_itemization_date: not an amount in USD",
        ),
        (
            _set("debt.payments_since", "2000.00"),
            "debt: payments and credits exceed what is owed by $963.00: the total is negative",
        ),
        (_set("reference", "R" * 65), "reference: is longer than 64 characters"),
    ],
)
def test_a_bad_description_names_its_path(
    change: Callable[[dict[str, Any]], None], message: str
) -> None:
    doc = example()
    change(doc)
    with pytest.raises(NoticeInputError) as raised:
        parse_notice(doc)
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)


def test_the_whole_description_must_be_an_object() -> None:
    with pytest.raises(NoticeInputError, match=r"^the description: must be an object$"):
        read_notice(b"[]")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b'{"sent_on": ', "not JSON: "),
        (b"\xff{}", "the JSON is not UTF-8"),
        (b'{"sent_on": "2026-07-01", "sent_on": "2026-07-02"}', "sent_on: is given twice"),
        (b'{"reference": "N\\u0000"}', "reference: contains a NUL character"),
        (b'{"debt": {"fees_since": 1e999}}', "debt.fees_since: is a number with an exponent"),
    ],
)
def test_json_beyond_bounds_is_refused_with_its_path(raw: bytes, message: str) -> None:
    with pytest.raises(NoticeInputError) as raised:
        read_notice(raw)
    assert str(raised.value).startswith(message)


def test_a_description_too_large_is_refused_before_parsing() -> None:
    padded = EXAMPLE.read_bytes() + b" " * MAX_NOTICE_BYTES
    with pytest.raises(NoticeInputError, match=r"^larger than 64 KB$"):
        read_notice(padded)
    read_notice(EXAMPLE.read_bytes().ljust(MAX_NOTICE_BYTES))  # exactly at the bound: read


def test_text_is_trimmed_and_spanish_letters_are_kept() -> None:
    doc = example()
    doc["consumer"]["name"] = "  José Núñez-Peña  "
    doc["language"] = "es"
    desc = parse_notice(doc)
    assert desc.consumer.name == "José Núñez-Peña"
    assert desc.locale == "es"


def _values(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "sent_on": date(2026, 7, 1),
        "collector_name": "Northwind Recovery LLC",
        "collector_address_lines": ["PO Box 1234", "Springfield, IL 62701"],
        "collector_phone": "+1 800 555 0100",
        "collector_email": "help@example.com",
        "collector_website": "https://pay.example.com",
        "collector_hours": "Mon-Fri 8am-8pm Central",
        "consumer_name": "Jane Q. Doe",
        "consumer_address_lines": ("12 Elm St", "Apt 3", "Peoria, IL 61602"),
        "creditor": "Contoso Wireless",
        "account_reference": "CW-0042",
        "currency": "usd",
        "itemization_date": date(2026, 1, 15),
        "itemization_kind": "charge_off",
        "amount_on_itemization_date_minor": 100000,
        "interest_since_minor": 1200,
        "fees_since_minor": 2500,
        "payments_since_minor": 5000,
        "reference": "N-2026-000123",
    }
    values.update(changes)
    return values


def test_plain_values_give_the_same_description_as_the_file() -> None:
    assert notice_from_values(**_values()) == read_notice(EXAMPLE.read_bytes())


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"fees_since_minor": -1}, "debt.fees_since: must not be negative"),
        ({"credits_since_minor": 10**12}, "debt.credits_since: is more than 999,999,999.99"),
        ({"currency": "dollars"}, "debt.currency: not an ISO 4217 currency code"),
        ({"collector_address_lines": []}, "collector.address_lines: must be 1 to 4 lines"),
        ({"language": "de"}, "language: must be en or es"),
        ({"itemization_kind": "whenever"}, "debt.itemization_kind: must be one of"),
        ({"payments_since_minor": 200000}, "debt: payments and credits exceed what is owed"),
    ],
)
def test_plain_values_are_checked_by_the_same_rules(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(NoticeInputError) as raised:
        notice_from_values(**_values(**changes))
    assert str(raised.value).startswith(message)
