"""The rejected rows of a placement as a CSV to download, fix and send again."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from sqlalchemy.orm import Session

from agency.kit.spreadsheets import excel_safe
from agency.referrals import repository
from agency.referrals.models import Placement


def rejected_rows_csv(db: Session, *, placement: Placement) -> Iterator[str]:
    """The rejected rows as sent, plus ``error_column`` and ``error_message``, as CSV lines
    safe to open in a spreadsheet (UTF-8 with BOM, formulas neutralized).  The extra
    columns are ignored on upload, so the fixed file can be sent again as it is."""
    header: list[str] = list((placement.preview or {}).get("header") or [])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(cells: list[str]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([excel_safe(str(cell)) for cell in cells])
        return buffer.getvalue()

    after = 0
    first = True
    while True:
        page = repository.rejections(db, placement.id, limit=1000, after_row=after)
        if first:
            if not header and page and isinstance(page[0].cells, dict):
                header = sorted({key for r in page for key in r.cells})
            yield "\ufeff" + line([*header, "error_column", "error_message"])
            first = False
        if not page:
            return
        for rejection in page:
            cells = rejection.cells
            values = (
                [cells.get(name, "") for name in header]
                if isinstance(cells, dict)
                else list(cells) + [""] * (len(header) - len(cells))
            )
            yield line(
                [
                    *values,
                    "; ".join(e["column"] for e in rejection.errors if e["column"]),
                    "; ".join(e["message"] for e in rejection.errors),
                ]
            )
        after = page[-1].row
