"""The bad-file suite: each defect is reported on the exact rows with the exact reasons,
and the good rows of the same file still land.  Driven through `agency referrals import
--json`, the real path, with committed data (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from typer.testing import CliRunner

from agency.cases.models import Case, Consumer, ContactPoint
from agency.cli import app
from agency.db import session_scope
from tests.fixtures.referral_files import (
    COLUMNS,
    XLSX_HEADER,
    csv_text,
    errors_of,
    good,
    references_placed,
)
from tests.referrals.conftest import Place

# Each case: the rows of one file, and exactly what must be reported for them.
CASES: list[tuple[str, list[dict[str, str]], list[tuple[int, str, str]]]] = [
    (
        "impossible date",
        [good("A1"), good("A2", date_of_birth="2025-02-30")],
        [(3, "date_of_birth", "'2025-02-30' is not a real date")],
    ),
    (
        "not a date",
        [good("A1", itemization_date="soon"), good("A2")],
        [(2, "itemization_date", "'soon' is not a date (use YYYY-MM-DD or MM/DD/YYYY)")],
    ),
    (
        "future itemization date",
        [good("A1", itemization_date="2099-01-01"), good("A2")],
        [(2, "itemization_date", "2099-01-01 is in the future")],
    ),
    (
        "birth date not in the past",
        [good("A1", date_of_birth="2099-05-01"), good("A2")],
        [(2, "date_of_birth", "2099-05-01 is not in the past")],
    ),
    (
        "negative amount",
        [good("A1", principal="-5.00", balance=""), good("A2")],
        [(2, "principal", "'-5.00' is negative; amounts are never negative")],
    ),
    (
        "too many decimals",
        [good("A1", interest="1.234", balance=""), good("A2")],
        [(2, "interest", "'1.234' has more than 2 decimal places for USD")],
    ),
    (
        "not an amount",
        [good("A1", fees="ten", balance=""), good("A2")],
        [(2, "fees", "'ten' is not an amount")],
    ),
    (
        "amount beyond the largest",
        [good("A1", principal="99999999999999999999", balance=""), good("A2")],
        [
            (
                2,
                "principal",
                "'99999999999999999999' is more than 999,999,999.99, the largest amount accepted",
            )
        ],
    ),
    (
        "amount of 5,000 digits",
        [good("A1", fees="1" * 5000, balance=""), good("A2")],
        [(2, "fees", f"'{'1' * 40}'… is too long to be an amount")],
    ),
    (
        "balance beyond the largest",
        [good("A1", principal="999,999,999.00", interest="1.00", balance=""), good("A2")],
        [
            (
                2,
                "balance",
                "principal + interest + fees is more than 999,999,999.99, "
                "the largest balance accepted",
            )
        ],
    ),
    (
        "balance mismatch",
        [good("A1", balance="999.00"), good("A2")],
        [(2, "balance", "is not principal + interest + fees")],
    ),
    (
        "missing principal",
        [good("A1", principal="", balance=""), good("A2")],
        [(2, "principal", "is required")],
    ),
    (
        "missing reference",
        [good("", email="x0@example.com"), good("A2")],
        [(2, "client_reference", "is required")],
    ),
    (
        "missing names",
        [good("A1", first_name="", last_name=""), good("A2")],
        [
            (2, "first_name", "is required (or give full_name)"),
            (2, "last_name", "is required (or give full_name)"),
        ],
    ),
    (
        "bad e-mail",
        [good("A1", email="jane@"), good("A2")],
        [
            (
                2,
                "email",
                "'jane@' is not a valid e-mail address (There must be something after the @-sign.)",
            )
        ],
    ),
    (
        "bad phone",
        [good("A1", phone="555-01"), good("A2")],
        [(2, "phone", "'555-01' is not a valid phone number for US")],
    ),
    (
        "bad consent",
        [good("A1", phone_consent="maybe"), good("A2")],
        [(2, "phone_consent", "'maybe' is not yes or no")],
    ),
    (
        "bad state",
        [good("A1", region="ZZ"), good("A2")],
        [(2, "region", "'ZZ' is not a region of US")],
    ),
    (
        "bad ZIP",
        [good("A1", postal_code="6060"), good("A2")],
        [(2, "postal_code", "'6060' is not a ZIP code (12345 or 12345-6789)")],
    ),
    (
        "missing US state",
        [good("A1", region=""), good("A2")],
        [(2, "region", "is required for a US address")],
    ),
    (
        "unknown country",
        [good("A1", country="Atlantis"), good("A2")],
        [(2, "country", "'Atlantis' is not a country (use the ISO code, e.g. US)")],
    ),
    (
        "duplicate reference",
        [good("A1"), good("A2"), good("A1", first_name="Other")],
        [(4, "client_reference", "duplicate of row 2 in this placement")],
    ),
    (
        "rejected first occurrence is no duplicate",
        [good("A1", principal="x", balance=""), good("A1")],
        [(2, "principal", "'x' is not an amount")],
    ),
    (
        "several errors in one row, in column order",
        [
            good("A1", email="x", principal="-1", balance="", itemization_date="2026-13-01"),
            good("A2"),
        ],
        [
            (
                2,
                "email",
                "'x' is not a valid e-mail address (An email address must have an @-sign.)",
            ),
            (2, "principal", "'-1' is negative; amounts are never negative"),
            (2, "itemization_date", "'2026-13-01' is not a real date"),
        ],
    ),
]


@pytest.mark.parametrize(
    ("rows", "expected"), [(r, e) for _, r, e in CASES], ids=[name for name, _, _ in CASES]
)
def test_defective_rows_are_reported_and_good_rows_land(
    place: Place,
    rows: list[dict[str, str]],
    expected: list[tuple[int, str, str]],
) -> None:
    code, result = place(csv_text(rows))
    assert code == 0
    assert errors_of(result) == expected
    rejected_rows = {row for row, _, _ in expected}
    assert result["rejected"] == len(rejected_rows)
    assert result["accepted"] == len(rows) - len(rejected_rows)
    assert len(references_placed()) == result["accepted"]


def test_utf8_bom(place: Place) -> None:
    code, result = place(b"\xef\xbb\xbf" + csv_text([good("A1", first_name="Zoë")]).encode())
    assert (code, result["accepted"], result["encoding"]) == (0, 1, "utf-8-sig")
    with session_scope() as db:
        assert db.scalar(select(Consumer.first_name)) == "Zoë"


def test_windows_1252(place: Place) -> None:
    text = csv_text([good("A1", last_name="Müller", first_name="José", city="Cañon City")])
    code, result = place(text.encode("cp1252"))
    assert (code, result["accepted"], result["encoding"]) == (0, 1, "windows-1252")
    with session_scope() as db:
        assert db.scalar(select(Consumer.last_name)) == "Müller"


def test_latin_1_when_windows_1252_cannot_be(
    place: Place,
) -> None:
    content = csv_text([good("A1", notes="x")], columns=[*COLUMNS, "notes"]).encode("latin-1")
    content = content.replace(b"x\n", b"\x81\n")  # a byte Windows-1252 leaves undefined
    code, result = place(content)
    assert (code, result["accepted"], result["encoding"]) == (0, 1, "latin-1")


@pytest.mark.parametrize(("delimiter", "name"), [(";", "semicolon"), ("\t", "tab"), ("|", "pipe")])
def test_other_delimiters(place: Place, delimiter: str, name: str) -> None:
    code, result = place(
        csv_text(
            [good("A1", principal="1,234.00", balance="1,239.00"), good("A2")], delimiter=delimiter
        )
    )
    assert (code, result["accepted"], result["delimiter"]) == (0, 2, name)


def test_quotes_embedded_delimiters_and_newlines_keep_spreadsheet_row_numbers(
    place: Place,
) -> None:
    rows = [
        good("A1", address_line1='Flat 2, "The Mews"\nBack Lane'),
        good("A2", email="bad"),
        good("A3"),
    ]
    code, result = place(csv_text(rows, newline="\r\n"))
    assert code == 0
    assert errors_of(result) == [
        (3, "email", "'bad' is not a valid e-mail address (An email address must have an @-sign.)")
    ]
    assert result["accepted"] == 2
    with session_scope() as db:
        address = db.scalar(
            select(ContactPoint.value)
            .where(ContactPoint.channel == "address")
            .order_by(ContactPoint.id)
        )
    assert address is not None and address.startswith('Flat 2, "The Mews"\nBack Lane')


def test_rows_with_too_many_or_too_few_fields(
    place: Place,
) -> None:
    text = csv_text([good("A1"), good("A2"), good("A3")])
    lines = text.splitlines()
    lines[1] += ",surplus"
    lines[2] = lines[2].rsplit(",", 1)[0]
    code, result = place("\n".join(lines) + "\n")
    assert code == 0
    assert errors_of(result) == [
        (2, "", "expected 17 fields, found 18"),
        (3, "", "expected 17 fields, found 16"),
    ]
    assert result["accepted"] == 1


def test_trailing_empty_cells_are_harmless(
    place: Place,
) -> None:
    text = csv_text([good("A1")]).rstrip("\n") + ",,\n"
    assert place(text)[1]["accepted"] == 1


def test_a_missing_required_column_rejects_every_row_saying_so(
    place: Place,
) -> None:
    columns = [c for c in COLUMNS if c not in ("principal", "balance")]
    code, result = place(csv_text([good("A1"), good("A2")], columns=columns))
    assert code == 0
    assert errors_of(result) == [
        (2, "principal", "is required, and the file has no column for it"),
        (3, "principal", "is required, and the file has no column for it"),
    ]


def test_extra_columns_are_ignored(place: Place) -> None:
    text = csv_text([good("A1") | {"loyalty_tier": "gold"}], columns=[*COLUMNS, "loyalty_tier"])
    assert place(text)[1]["accepted"] == 1


def test_aliases_and_full_name(place: Place) -> None:
    text = (
        "Acct No,Customer Name,E-mail,ZIP,State,Amount Due,Itemization Date\n"
        'A1,"Doe, Jane Q.",j@example.com,60601,Illinois,"$1,234.56",01/15/2026\n'
    )
    code, result = place(text)
    assert (code, result["accepted"]) == (0, 1), result
    with session_scope() as db:
        consumer = db.scalar(select(Consumer))
        case = db.scalar(select(Case))
    assert consumer is not None and case is not None
    assert (consumer.first_name, consumer.last_name, consumer.region) == ("Jane Q.", "Doe", "IL")
    assert (case.principal_minor, case.itemization_date) == (123456, date(2026, 1, 15))


def test_currency_must_match_the_contract(place: Place) -> None:
    text = csv_text([good("A1") | {"currency": "EUR"}, good("A2")], columns=[*COLUMNS, "currency"])
    assert errors_of(place(text)[1]) == [(2, "currency", "EUR differs from the contract's USD")]


def test_header_only_is_a_valid_empty_placement(
    place: Place,
) -> None:
    code, result = place(csv_text([]))
    assert (code, result["accepted"], result["rejected"]) == (0, 0, 0)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "accounts.csv: the file is empty (0 bytes)"),
        (bytes(range(256)) * 8, "accounts.csv: the file is not text (it contains NUL bytes)"),
        (b"\n\n\n", "accounts.csv: the file has no header row"),
        (
            b"PK\x03\x04 not really a spreadsheet",
            "accounts.csv: the spreadsheet is damaged or not an XLSX file (BadZipFile)",
        ),
    ],
)
def test_unreadable_files_exit_1_with_one_line(
    place: Place,
    content: bytes,
    message: str,
) -> None:
    code, result = place(content)
    assert code == 1
    assert result["message"].startswith(f"agency: {message}")
    assert "Traceback" not in result["message"]
    assert "\n" not in result["message"]
    assert references_placed() == []


def test_xlsx(place: Place) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(XLSX_HEADER)
    sheet.append(["X1", "Ann", "Lee", "60601", "IL", 1234.56, date(2026, 1, 15)])
    sheet.append(["X2", "Bob", "Ray", "60601", "IL", -3, date(2026, 1, 15)])
    out = io.BytesIO()
    book.save(out)
    code, result = place(out.getvalue(), "accounts.xlsx")
    assert (code, result["format"], result["accepted"]) == (0, "xlsx", 1)
    assert errors_of(result) == [(3, "Principal", "'-3' is negative; amounts are never negative")]
    with session_scope() as db:
        assert db.scalar(select(Case.principal_minor)) == 123456


def test_same_file_twice_is_one_placement(place: Place) -> None:
    text = csv_text([good("A1"), good("A2", email="bad")])
    first = place(text)[1]
    second = place(text, "renamed.csv")[1]
    assert second == first
    assert references_placed() == ["A1"]


def test_re_placement_of_an_open_account_is_rejected(
    place: Place,
) -> None:
    place(csv_text([good("A1")]))
    code, result = place(csv_text([good("A1", principal="200.00", balance="205.00"), good("B1")]))
    assert code == 0
    assert errors_of(result)[0][:2] == (2, "client_reference")
    assert "account A1 is already open with us (placed " in errors_of(result)[0][2]
    assert result["accepted"] == 1
    with session_scope() as db:
        assert db.scalar(select(Case.principal_minor).where(Case.client_reference == "A1")) == 10000


def test_dry_run_reports_everything_and_writes_nothing(
    place: Place,
) -> None:
    code, result = place(csv_text([good("A1"), good("A2", email="@")]), "a.csv", "--dry-run")
    assert (code, result["accepted"], result["rejected"], result["dry_run"]) == (0, 1, 1, True)
    with session_scope() as db:
        assert db.scalar(select(func.count()).select_from(Case)) == 0
        assert db.scalar(select(func.count()).select_from(Consumer)) == 0


def test_an_address_too_long_for_its_column(place: Place) -> None:
    long = {"address_line1": "1" * 200, "address_line2": "2" * 200}
    text = csv_text([good("A1") | long, good("A2")], columns=[*COLUMNS, "address_line2"])
    assert errors_of(place(text)[1]) == [
        (2, "address_line1", "the address is longer than 320 characters")
    ]


def test_a_full_name_too_long_for_the_name_columns(place: Place) -> None:
    """Split names are held to the same length as given ones (the consumer's columns)."""
    columns = [c for c in COLUMNS if c not in ("first_name", "last_name")] + ["full_name"]
    rows = [good("A1") | {"full_name": "J" * 90 + " Doe"}, good("A2") | {"full_name": "Jo Doe"}]
    code, result = place(csv_text(rows, columns=columns))
    assert code == 0
    assert errors_of(result) == [
        (2, "full_name", "gives a first or last name longer than 80 characters")
    ]
    assert result["accepted"] == 1


def test_usage_errors_exit_2(place: Place, tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text(csv_text([good("A1")]))
    runner = CliRunner()
    unknown = runner.invoke(app, ["referrals", "import", str(path), "--client", "NOPE"])
    assert (unknown.exit_code, unknown.stderr) == (2, "agency: no client with code 'NOPE'\n")
    no_layout = runner.invoke(
        app, ["referrals", "import", str(path), "--client", "ACME", "--layout", "nope"]
    )
    assert no_layout.exit_code == 2
    assert no_layout.stderr == "agency: ACME has no layout named 'nope'\n"
    assert references_placed() == []
