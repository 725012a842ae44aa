"""A statement's CSV and PDF, parsed back: every line of the ledger, the consumer's
reference masked, the totals as kept, and "replaces" on a re-issue."""

from __future__ import annotations

import csv
import io
from datetime import date

from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from agency.cases.models import Case
from agency.clients.models import Client
from agency.commission.models import CommissionEntry, CommissionPeriod, Statement
from agency.commission.statements import periods
from agency.commission.statements.csv_file import csv_chunks
from agency.commission.statements.lines import printed_lines
from agency.commission.statements.pdf_file import write_pdf
from agency.commission.statements.summary import summary_of
from agency.kit.masking import last_four as masked
from agency.payments.models import PaymentMethod
from tests.commission.conftest import close, post, reverse


def issued(db: Session, merchant: Client, case: Case) -> tuple[CommissionPeriod, Statement]:
    period = periods.open_first(
        db, client_id=merchant.id, starts_on=date(2026, 11, 1), today=date(2026, 12, 6)
    )
    card = post(db, case, 12_345, date(2026, 11, 10))
    post(db, case, 20_000, date(2026, 11, 27), PaymentMethod.ACH)
    post(db, case, 5_000, date(2026, 11, 15), PaymentMethod.DIRECT, to_client=True)
    reverse(db, card, on=date(2026, 11, 18), posted=date(2026, 11, 18))
    [statement] = close(db, merchant, period, date(2026, 12, 1))
    return period, statement


def test_masking_keeps_the_last_four() -> None:
    assert masked("ACME-0001234") == "****1234"
    assert masked("1234") == "****"


def test_the_csv_lists_every_entry_and_the_totals(
    db: Session, merchant: Client, case: Case
) -> None:
    period, statement = issued(db, merchant, case)
    summary = summary_of(statement, period, merchant.name, None)
    text = "".join(csv_chunks(summary, printed_lines(db, statement.id, "USD")))
    rows = list(csv.DictReader(io.StringIO(text)))
    lines = [r for r in rows if r["record"] == "line"]
    entries = db.scalars(
        select(CommissionEntry)
        .where(CommissionEntry.case_id == case.id)
        .order_by(CommissionEntry.on, CommissionEntry.id)
    ).all()
    assert [(r["payment_date"], r["amount"], r["commission"]) for r in lines] == [
        (e.on.isoformat(), f"{e.amount_minor / 100:.2f}", f"{e.commission_minor / 100:.2f}")
        for e in entries
    ]
    assert {r["consumer_reference"] for r in lines} == {masked(case.client_reference)}
    assert case.client_reference not in text
    assert [r["kind"] for r in lines] == ["payment", "payment", "reversal", "payment"]
    assert [r["remitted"] for r in lines] == ["yes", "", "yes", "no"]
    assert {r["statement"] for r in rows} == {statement.reference}
    totals = {r["role"]: r["amount"] for r in rows if r["record"] == "total"}
    assert totals["Remittance due to the client"] == "0.00"
    assert totals["of which not cleared yet (remitted later)"] == "200.00"
    assert totals["Our commission on direct payments (invoiced)"] == "12.50"
    assert (
        sum(int(r["amount"].replace(".", "")) for r in lines)
        == statement.to_us_minor + statement.direct_minor
    )


def test_the_pdf_prints_every_line_and_says_what_it_replaces(
    db: Session, merchant: Client, case: Case
) -> None:
    period, statement = issued(db, merchant, case)
    summary = summary_of(statement, period, merchant.name, "S1-USD-1")
    out = io.BytesIO()
    write_pdf(out, summary, printed_lines(db, statement.id, "USD"))
    text = "\n".join(pdf_pages(out.getvalue()))
    assert f"Statement {statement.reference}" in text
    assert "This statement replaces statement S1-USD-1." in text
    assert "Period 2026-11-01 to 2026-11-30" in text
    assert "-123.45" in text and "123.45" in text and "200.00" in text
    assert masked(case.client_reference) in text and case.client_reference not in text
    assert "Invoice due from the client" in text


def test_a_long_statement_runs_over_pages(db: Session, merchant: Client, case: Case) -> None:
    period = periods.open_first(
        db, client_id=merchant.id, starts_on=date(2026, 11, 1), today=date(2026, 12, 6)
    )
    for n in range(120):
        post(db, case, 100 + n, date(2026, 11, 2 + n % 25))
    [statement] = close(db, merchant, period, date(2026, 12, 1))
    out = io.BytesIO()
    write_pdf(
        out,
        summary_of(statement, period, merchant.name, None),
        printed_lines(db, statement.id, "USD"),
    )
    pages = pdf_pages(out.getvalue())
    assert len(pages) > 2
    rows = [line.split() for page in pages for line in page.splitlines()]
    printed = [row for row in rows if len(row) == 14 and row[0].isdigit()]
    assert [int(row[0]) for row in printed] == list(range(1, 121))
    assert sorted(int(row[7].replace(".", "")) for row in printed) == list(range(100, 220))
    assert f"Statement {statement.reference} · page {len(pages)}" in pages[-1]
    assert all(page.count("Consumer ref.") == 1 for page in pages)  # each page's heading


def pdf_pages(content: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(content))
    return [page.extract_text(extraction_mode="layout") for page in reader.pages]
