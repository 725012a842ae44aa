"""Files beyond the documented limits are refused with the reason, as soon as that is
known and before they are read whole; damaged files are a reason, never a fault.
Driven through `agency referrals import` with real files and committed data, and
through the preview's `check_file`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy.orm import Session

from agency.clients.models import Client
from agency.config import get_settings
from agency.referrals import file_check, file_placements
from agency.referrals.models import PlacementSource
from agency.referrals.previewing import refresh_preview
from agency.referrals.reading import Unreadable
from tests.fixtures.factories import ClientFactory, ContractFactory
from tests.fixtures.referral_files import (
    MAIN,
    XLSX_HEADER,
    csv_text,
    good,
    references_placed,
    workbook_parts,
    xlsx_file,
    zip_parts,
)
from tests.referrals.conftest import Place

HEADER: list[str | int] = list(XLSX_HEADER)


def row(reference: str) -> list[str | int]:
    return [reference, "Ann", "Lee", "60601", "IL", 120, "2026-01-15"]


def refused(place: Place, content: bytes | str, name: str = "accounts.csv") -> str:
    code, result = place(content, name)
    assert code == 1, result
    assert references_placed() == []
    message: str = result["message"]
    assert "\n" not in message and "Traceback" not in message
    return message.removeprefix(f"agency: {name}: ")


# ---- CSV --------------------------------------------------------------------------------


def test_too_many_columns_are_refused_with_the_count(place: Place) -> None:
    columns = 100_000
    text = ",".join(f"c{n}" for n in range(columns)) + "\n" + "1," * (columns - 1) + "1\n"
    assert refused(place, text) == "the file has 100,000 columns; at most 500"


def test_a_first_line_without_a_line_break_is_not_read_whole(place: Place) -> None:
    message = refused(place, "a" * (2 * 1024 * 1024))
    assert message == "the first line is longer than 1,048,576 characters (is this a CSV file?)"


def test_a_line_too_long_deep_in_the_file_refuses_it_before_any_row_is_placed(
    place: Place,
) -> None:
    text = csv_text([good("A1"), good("A2")]) + "x" * (1024 * 1024 + 10) + "\n"
    assert refused(place, text) == "line 4 is longer than 1,048,576 characters"


def test_a_quote_left_open_is_a_reason(place: Place) -> None:
    text = csv_text([good("A1")]) + 'A2,"Jane\n' + ("x" * 1000 + "\n") * 1100
    message = refused(place, text)
    assert message == "row 3 has a field longer than 65,536 characters (is a quote left open?)"


def test_a_nul_byte_deep_in_the_file(place: Place) -> None:
    text = csv_text([good(f"A{n}", email=f"a{n}@example.com") for n in range(600)])
    assert len(text) > 64 * 1024
    message = refused(place, text.encode() + b"B1,\x00\n")
    assert message == "the file is not text (it contains NUL bytes)"


def test_rows_beyond_the_limit_place_nothing(place: Place, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "max_file_rows", 3)
    rows = [good(f"A{n}", email=f"a{n}@example.com") for n in range(5)]
    assert refused(place, csv_text(rows)) == (
        "the file has more than 3 rows after the header; split it"
    )
    code, result = place(csv_text(rows[:3]), "three.csv")
    assert (code, result["accepted"]) == (0, 3)


def test_a_column_name_too_long(place: Place) -> None:
    text = csv_text([good("A1")]).replace("first_name", "f" * 300, 1)
    message = refused(place, text)
    assert message == "column 2's name is longer than 256 characters (is the first row a header?)"


# ---- XLSX -------------------------------------------------------------------------------


def test_a_shared_strings_bomb_is_refused_before_openpyxl_opens_it(place: Place) -> None:
    bomb = b"<si><t>a</t></si>" * 2_000_000
    sheet = f'<worksheet xmlns="{MAIN}"><sheetData/></worksheet>'.encode()
    content = zip_parts(workbook_parts(sheet, f'<sst xmlns="{MAIN}">'.encode() + bomb + b"</sst>"))
    assert len(content) < 100_000
    message = refused(place, content, "accounts.xlsx")
    assert message.startswith("the spreadsheet's part 'xl/sharedStrings.xml' unpacks to 32.4 MB")
    assert message.endswith("a part more than 100 times compressed is not a referral file")


def test_shared_strings_beyond_their_limit(place: Place, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "max_xlsx_strings_mb", 1)
    content = xlsx_file([HEADER, *(row(f"R{n:07d}-{n * 7919 % 100_003}") for n in range(60_000))])
    message = refused(place, content, "accounts.xlsx")
    assert message.startswith("the spreadsheet's shared strings unpack to ")
    assert message.endswith("; at most 1.0 MB (save it as CSV)")


def test_too_many_parts(place: Place) -> None:
    parts = workbook_parts(
        f'<worksheet xmlns="{MAIN}"><sheetData/></worksheet>'.encode(),
        f'<sst xmlns="{MAIN}"/>'.encode(),
    )
    parts.update({f"xl/media/extra{n}.bin": b"x" for n in range(1000)})
    message = refused(place, zip_parts(parts), "accounts.xlsx")
    assert message == "the spreadsheet has 1,007 parts; at most 1,000"


def test_the_dimension_refuses_too_many_columns_before_any_row_is_read(place: Place) -> None:
    content = xlsx_file([HEADER, row("X1")], dimension="A1:ZZ3")
    message = refused(place, content, "accounts.xlsx")
    assert message == "the sheet's used range has 702 columns (to column ZZ); at most 500"


def test_a_dimension_that_lies_does_not_hide_a_column_beyond_the_limit(place: Place) -> None:
    wide = row("X1") + [""] * 592 + ["surplus"]
    content = xlsx_file([HEADER, wide], dimension="A1:G2")
    message = refused(place, content, "accounts.xlsx")
    assert message == "row 2 has a cell in column WB (column 600); at most 500 columns"


def test_empty_formatted_cells_far_right_are_no_columns(place: Place) -> None:
    header, first = (
        "".join(
            f'<c r="{letter}{number}" t="inlineStr"><is><t>{text}</t></is></c>'
            for letter, text in zip("ABCDEFG", texts, strict=True)
        )
        for number, texts in (
            (1, HEADER),
            (2, ["X1", "Ann", "Lee", "60601", "IL", "10", "2026-01-15"]),
        )
    )
    sheet = (
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1">{header}<c r="ZX1" s="1"/></row>'
        f'<row r="2">{first}<c r="ZX2" s="1"/><c r="ZY2"><v></v></c></row></sheetData></worksheet>'
    )
    content = zip_parts(workbook_parts(sheet.encode(), f'<sst xmlns="{MAIN}"/>'.encode()))
    code, result = place(content, "accounts.xlsx")
    assert code == 0, result
    assert result["accepted"] == 1


def test_a_row_numbered_beyond_the_limit(place: Place) -> None:
    content = xlsx_file([HEADER, row("X1"), row("X2")], row_numbers=[1, 2, 5_000_000])
    message = refused(place, content, "accounts.xlsx")
    assert message == "the sheet has more than 2,000,000 rows after the header"


def test_a_damaged_sheet_is_a_reason(place: Place) -> None:
    parts = workbook_parts(
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c>'
        '<c r="B1" t="s"><v>99</v></c></row></sheetData></worksheet>'.encode(),
        f'<sst xmlns="{MAIN}"><si><t>Account Number</t></si></sst>'.encode(),
    )
    message = refused(place, zip_parts(parts), "accounts.xlsx")
    assert message == "the spreadsheet is damaged or not an XLSX file (IndexError)"


def test_rows_the_sheet_leaves_out_are_counted_as_a_spreadsheet_shows_them(place: Place) -> None:
    content = xlsx_file(
        [HEADER, row("X1"), ["X2", "Bob", "Ray", "60601", "IL", -3, "2026-01-15"]],
        row_numbers=[1, 4, 9],
        dimension="A1:G9",
    )
    code, result = place(content, "accounts.xlsx")
    assert (code, result["accepted"]) == (0, 1)
    assert [(e["row"], e["column"]) for e in result["errors"]] == [(9, "Principal")]


# ---- the preview: the first rows validated, the rest counted ---------------------------


@pytest.fixture
def merchant(db: Session) -> Client:
    client: Client = ClientFactory(code="ACME")
    ContractFactory(client=client, currency="USD", effective_from=date(2020, 1, 1))
    return client


def test_the_preview_counts_the_rows_past_the_checked_ones(
    db: Session, merchant: Client, tmp_path: Path
) -> None:
    csv_path = tmp_path / "f.csv"
    csv_path.write_text(
        csv_text([good(f"A{n}", email=f"a{n}@example.com") for n in range(7)]) + "\n\n"
    )
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for cells in [HEADER, row("X1"), [], row("X2"), row("X3"), ["", None], row("X4")]:
        sheet.append(cells)
    xlsx_path = tmp_path / "f.xlsx"
    book.save(xlsx_path)
    for path, rows in ((csv_path, 7), (xlsx_path, 4)):
        whole = file_check.check_file(db, client=merchant, path=path, layout=None)
        assert (whole.checked_rows, whole.total_rows) == (rows, rows)
        part = file_check.check_file(db, client=merchant, path=path, layout=None, limit=2)
        assert (part.checked_rows, part.total_rows) == (2, rows)


def test_the_preview_refuses_past_the_checked_rows_too(
    db: Session, merchant: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "max_file_rows", 4)
    path = tmp_path / "f.xlsx"
    path.write_bytes(xlsx_file([HEADER, *(row(f"X{n}") for n in range(6))], dimension="A1:G7"))
    with pytest.raises(Unreadable, match=r"^the sheet's used range has 6 rows after the header"):
        file_check.check_file(db, client=merchant, path=path, layout=None, limit=2)
    path.write_bytes(xlsx_file([HEADER, *(row(f"X{n}") for n in range(6))], dimension="A1:G3"))
    with pytest.raises(Unreadable, match=r"^the sheet has more than 4 rows after the header$"):
        file_check.check_file(db, client=merchant, path=path, layout=None, limit=2)


def test_the_stored_preview_quotes_no_more_than_a_short_value(
    db: Session, merchant: Client, tmp_path: Path
) -> None:
    path = tmp_path / "f.csv"
    path.write_text(csv_text([good("A1", principal="9" * 60_000, balance="")]))
    placement, _ = file_placements.open_file_placement(
        db,
        client=merchant,
        path=path,
        file_name="f.csv",
        source=PlacementSource.UPLOAD,
        layout=None,
        user_id=None,
    )
    preview = refresh_preview(db, placement=placement, client=merchant)
    assert preview["errors"] == [
        {"row": 2, "column": "principal", "message": f"'{'9' * 40}'… is too long to be an amount"}
    ]
