"""The merchant's report pages, their tables as CSV and XLSX and the pages as PDF — read
back and compared with the figures worked out by hand from the book in ``world``."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.config import get_settings
from agency.kit import clock
from agency.reporting import refresh
from tests.fixtures.factories import UserFactory
from tests.fixtures.web import sign_in
from tests.reporting import world
from tests.reporting.world import PAID

NOW = PAID + timedelta(hours=3)


@pytest.fixture(autouse=True)
def new_york(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "time_zone", "America/New_York")


@pytest.fixture
def book(db: Session) -> world.Book:
    made = world.make_book(db)
    with clock.frozen(NOW):
        refresh.refresh(db)
    return made


def signed_in(client: TestClient, db: Session, book: world.Book) -> None:
    sign_in(client, db, UserFactory(role=Role.MERCHANT, client=book.client))


def test_the_overview_shows_the_book(client: TestClient, db: Session, book: world.Book) -> None:
    signed_in(client, db, book)
    with clock.frozen(NOW):
        page = client.get("/portal")
    assert page.status_code == 200, page.text
    text = page.text
    assert "$1,700.00" in text  # placed: 1,000 + 500 + 200
    assert "$120.00" in text  # collected: 100 + 40 - 40 + 20
    assert "7.1 %" in text  # liquidation: 120 / 1,700
    assert "66.7 %" in text  # contacted: 2 of 3


def test_the_tables_as_files(client: TestClient, db: Session, book: world.Book) -> None:
    signed_in(client, db, book)
    with clock.frozen(NOW):
        months = client.get("/portal/tables/months.csv")
        vintages = client.get("/portal/tables/vintages.xlsx")
        recoveries = client.get("/portal/tables/recoveries.csv?start=2026-11-01&end=2026-11-30")
        pdf = client.get("/portal/pages/vintages.pdf")
    assert months.status_code == 200, months.text
    rows = list(csv.reader(io.StringIO(months.text)))
    assert rows[0][:3] == ["Month", "Accounts placed", "Placed (USD)"]
    assert rows[-1][0] == "Total" and rows[-1][2] == "1700.00" and rows[-1][3] == "120.00"
    sheet = load_workbook(io.BytesIO(vintages.content)).active
    assert sheet is not None
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[0][:4] == ["Placement month", "Accounts", "Placed (USD)", "Collected (USD)"]
    assert cells[1][1] == 2  # October: two accounts, 100.00 of 1,500.00 by month 2
    recovered = list(csv.reader(io.StringIO(recoveries.text)))
    assert recovered[1][:6] == ["2026-11-18", "3", "160.00", "1", "40.00", "120.00"]
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Liquidation by vintage" in text and "2026-10" in text


def test_the_vintage_curves_and_their_table(
    client: TestClient, db: Session, book: world.Book
) -> None:
    signed_in(client, db, book)
    with clock.frozen(NOW):
        page = client.get("/portal/vintages")
    assert page.status_code == 200, page.text
    assert 'id="vintage-chart"' in page.text
    assert 'data-vintage="2026-10"' in page.text and 'data-vintage="2026-11"' in page.text
    # October: 0 collected in its own month, 100.00 of 1,500.00 by month 2 (6.7 %).
    assert "6.7 %" in page.text


def test_the_accounts_list_shows_contacts_arrangements_and_collections(
    client: TestClient, db: Session, book: world.Book
) -> None:
    signed_in(client, db, book)
    page = client.get("/portal/accounts", params={"sort": "placed", "dir": "asc"})
    assert page.status_code == 200
    row = page.text[page.text.index(book.october[0].case.client_reference) :]
    row = row[: row.index("</tr>")]
    assert "2026-11-17 · call" in row and "promise" in row and "$100.00" in row
    assert "wrong number" not in page.text and "Notes" not in page.text
