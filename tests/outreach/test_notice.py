"""The validation notice's PDF, read back with pypdf: what Model Form B-1 requires, in
English and in Spanish, with the validation period's end from the gate's own rule."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from agency.compliance.validation import validation_period_end
from agency.outreach.notice import mask_account_reference, render_notice
from agency.outreach.notice_input import parse_notice
from tests.outreach.notices import example, pdf_pages, pdf_text


def _render(doc: dict[str, Any]) -> tuple[str, int]:
    notice = render_notice(parse_notice(doc))
    return pdf_text(notice.pdf), notice.pages


def test_the_english_notice_holds_what_the_contract_requires() -> None:
    notice = render_notice(parse_notice(example()))
    text = pdf_text(notice.pdf)
    assert notice.pages == pdf_pages(notice.pdf) == 1
    assert notice.validation_end == date(2026, 8, 8)
    assert notice.total_due_minor == 98700
    for words in (
        "Northwind Recovery LLC",
        "Jane Q. Doe",
        "12 Elm St Apt 3 Peoria, IL 61602",
        "Northwind Recovery LLC is a debt collector. We are trying to collect a debt that you"
        " owe to Contoso Wireless. We will use any information you give us to help collect"
        " the debt.",
        "Our information shows:",
        "You had an account from Contoso Wireless with account number CW-0042.",
        "January 15, 2026 is the charge-off date.",
        "As of January 15, 2026, you owed: $1,000.00",
        "Between January 15, 2026 and today:",
        "You were charged this amount in interest: + $12.00",
        "You were charged this amount in fees: + $25.00",
        "You paid or were credited this amount toward the debt: \u2013 $50.00",
        "Total amount of the debt now: $987.00",
        "How can you dispute the debt?",
        "Call or write to us by August 8, 2026, to dispute all or part of the debt.",
        "If you write to us by August 8, 2026, we must stop collection on any amount you dispute",
        "What else can you do?",
        "Write to ask for the name and address of the original creditor",
        "Go to www.cfpb.gov/debt-collection to learn more about your rights under federal law.",
        "Póngase en contacto con nosotros para solicitar una copia de este formulario en español.",
        "How do you want to respond?",
        "Mail this form to: Northwind Recovery LLC PO Box 1234 Springfield, IL 62701",
        "I want to dispute the debt because I think: This is not my debt. The amount is wrong."
        " Other",
        "I want you to send me the name and address of the original creditor.",
        "I enclosed this amount: $",
        "Make your check payable to Northwind Recovery LLC. Include the reference number"
        " N-2026-000123.",
        "Reference: N-2026-000123",
    ):
        assert words in text, words


def test_the_spanish_notice_is_spanish_throughout() -> None:
    doc = example()
    doc["language"] = "es"
    text, pages = _render(doc)
    assert pages == 1
    for words in (
        "Northwind Recovery LLC es un cobrador de deudas. Estamos tratando de cobrar una deuda"
        " que usted le debe a Contoso Wireless.",
        "Usaremos cualquier información que usted nos dé para ayudar a cobrar la deuda.",
        "Nuestra información muestra:",
        "Al 15 de enero de 2026, usted debía: 1.000,00 US$",
        "Entre el 15 de enero de 2026 y hoy:",
        "Se le cobró esta cantidad en intereses: + 12,00 US$",
        "Se le cobró esta cantidad en cargos: + 25,00 US$",
        "Usted pagó o se le acreditó esta cantidad a la deuda: \u2013 50,00 US$",
        "Cantidad total de la deuda ahora: 987,00 US$",
        "¿Cómo puede disputar la deuda?",
        "Llámenos o escríbanos a más tardar el 8 de agosto de 2026 para disputar toda la deuda"
        " o parte de ella.",
        "¿Qué más puede hacer?",
        "Escríbanos para pedir el nombre y la dirección del acreedor original",
        "Visite www.cfpb.gov/debt-collection",
        "¿Cómo desea responder?",
        "Envíe este formulario por correo a:",
        "Esta deuda no es mía.",
        "Adjunté esta cantidad: __________ US$",
        "Referencia: N-2026-000123",
    ):
        assert words in text, words
    assert "debt collector" not in text
    assert "Póngase en contacto" not in text  # the offer of a Spanish copy is the English's


def test_the_original_creditor_is_named_where_it_differs() -> None:
    doc = example()
    doc["debt"]["original_creditor"] = "Fabrikam Bank"
    text, _pages = _render(doc)
    assert "You had an account from Fabrikam Bank with account number CW-0042." in text
    assert "a debt that you owe to Contoso Wireless." in text


def test_payments_and_credits_are_one_line_of_the_table() -> None:
    doc = example()
    doc["debt"]["credits_since"] = "10.00"
    text, _pages = _render(doc)
    assert "You paid or were credited this amount toward the debt: \u2013 $60.00" in text
    assert "Total amount of the debt now: $977.00" in text


@pytest.mark.parametrize(
    ("sent_on", "end", "en", "es"),
    [
        # Sent Wednesday 1 July 2026.  Receipt is assumed 5 days later, not counting
        # Saturdays, Sundays and federal holidays: Thu 2 (1), Fri 3 is skipped (July 4
        # falls on a Saturday and is observed on Friday 3), Sat 4 and Sun 5 are skipped,
        # Mon 6 (2), Tue 7 (3), Wed 8 (4), Thu 9 July (5).  30 days after Thursday 9 July
        # is Saturday 8 August 2026.
        ("2026-07-01", date(2026, 8, 8), "August 8, 2026", "8 de agosto de 2026"),
        # validation.py's own example: sent Wednesday 26 November 2025, Thanksgiving on
        # the 27th; Fri 28 (1), Mon 1 (2) … Thu 4 December (5); + 30 days.
        ("2025-11-26", date(2026, 1, 3), "January 3, 2026", "3 de enero de 2026"),
    ],
    ids=["july-4", "thanksgiving"],
)
def test_the_validation_end_across_holidays(sent_on: str, end: date, en: str, es: str) -> None:
    doc = example()
    doc["sent_on"] = sent_on
    doc["debt"]["itemization_date"] = "2025-06-30"
    desc = parse_notice(doc)
    assert desc.validation_end == validation_period_end(date.fromisoformat(sent_on)) == end
    notice = render_notice(desc)
    assert notice.validation_end == end
    assert f"Call or write to us by {en}, to dispute" in pdf_text(notice.pdf)
    doc["language"] = "es"
    text, _pages = _render(doc)
    assert f"Llámenos o escríbanos a más tardar el {es} para disputar" in text


def test_the_same_description_gives_the_same_bytes() -> None:
    first = render_notice(parse_notice(example())).pdf
    assert render_notice(parse_notice(example())).pdf == first
    other = example()
    other["reference"] = "N-2026-000124"
    assert render_notice(parse_notice(other)).pdf != first


@pytest.mark.parametrize(
    ("reference", "printed"),
    [
        ("CW-0042", "CW-0042"),
        ("ABCD1234", "ABCD1234"),  # 8 characters: shown whole
        ("ABCDE1234", "****1234"),  # 9: all but the last 4 hidden
        ("4111-2222-3333-4444", "****4444"),
    ],
)
def test_a_long_account_reference_is_masked(reference: str, printed: str) -> None:
    assert mask_account_reference(reference) == printed
    doc = example()
    doc["debt"]["account_reference"] = reference
    text, _pages = _render(doc)
    assert f"with account number {printed}." in text
    if printed != reference:
        assert reference[:-4] not in text


def test_text_at_every_bound_still_renders_every_part() -> None:
    """Names and lines at their longest overflow a page; the notice runs on, whole."""
    word = ("Wwwwwwww " * 23)[:200].strip()
    doc = example()
    doc["collector"].update(
        name=word,
        address_lines=[word] * 4,
        phone="9" * 40,
        email="a" * 242 + "@example.com",
        website="w" * 200,
        hours=word,
    )
    doc["consumer"].update(name=word, address_lines=[word] * 4)
    doc["debt"].update(
        creditor=word,
        original_creditor=word,
        account_reference="X" * 64,
        amount_on_itemization_date="999999999.99",
        interest_since="999999999.99",
        fees_since="999999999.99",
        payments_since="0.00",
    )
    doc["reference"] = "R" * 64
    for language, total in (("en", "$2,999,999,999.97"), ("es", "2.999.999.999,97 US$")):
        doc["language"] = language
        notice = render_notice(parse_notice(doc))
        assert notice.pages == pdf_pages(notice.pdf) > 1
        text = pdf_text(notice.pdf)
        assert total in text
        # Header, response form, the check's reference (a word too long for its column
        # is broken over lines: read without the breaks).
        assert "".join(text.split()).count("R" * 64) == 3
        assert "www.cfpb.gov/debt-collection" in text
