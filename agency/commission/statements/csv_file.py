"""A statement as CSV, written a chunk of lines at a time.  Every record starts with
the statement's reference, its period and the reference of the statement it replaces
(empty for a first issue); a ``line`` record per entry, then a ``total`` record per
total (its name in ``role``, its value in ``amount``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from agency.commission.statements.lines import PrintedLine
from agency.commission.statements.summary import Summary

COLUMNS = (
    "statement",
    "period_start",
    "period_end",
    "replaces",
    "record",
    "number",
    "kind",
    "role",
    "payment_date",
    "case",
    "consumer_reference",
    "amount",
    "currency",
    "paid_to",
    "rate",
    "tier",
    "commission",
    "remitted",
    "clears_on",
)
CHUNK_LINES = 2_000


def csv_chunks(summary: Summary, lines: Iterable[PrintedLine]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    head = [summary.reference, summary.starts_on, summary.ends_on, summary.replaces or ""]

    def taken() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(COLUMNS)
    for line in lines:
        cells = line.cells()
        writer.writerow([*head, "line", *cells[:7], summary.currency, *cells[7:]])
        if line.number % CHUNK_LINES == 0:
            yield taken()
    for what, minor_text in summary.totals:
        amount, _, currency = minor_text.partition(" ")
        writer.writerow([*head, "total", "", "", what, "", "", "", amount, currency] + [""] * 6)
    yield taken()
