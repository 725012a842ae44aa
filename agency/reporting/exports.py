"""A report's tables as files: CSV (amounts in major units, plain numbers a program
reads back; the currency in the heading), XLSX (openpyxl, write-only: numbers as
numbers with their formats, percentages as percentages, months as dates) and PDF
(ReportLab, US Letter landscape, each table with its heading repeated on every page,
built with the invariant flag: the same report gives the same bytes)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as PdfTable

from agency.kit import numbers
from agency.kit.money import Money, minor_digits
from agency.kit.pdf_text import printable
from agency.kit.spreadsheets import excel_safe
from agency.reporting.tables import Cell, Column, Table

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_TYPE = "application/pdf"


def _heading(column: Column, currency: str) -> str:
    """A file's column heading says the unit its cells leave out."""
    unit = {"money": currency, "percent": "%"}.get(column.kind)
    return f"{column.label} ({unit})" if unit else column.label


def _csv_cell(cell: Cell, column: Column) -> str:
    if cell is None:
        return ""
    if isinstance(cell, Money):
        return f"{cell.major:f}"
    if isinstance(cell, date) and column.kind == "month":
        return cell.strftime("%Y-%m")
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, Decimal):
        return f"{cell:f}"
    if isinstance(cell, int):
        return str(cell)
    return excel_safe(cell)


def _all_rows(table: Table) -> list[tuple[Cell, ...]]:
    return [*table.rows, *([table.totals] if table.totals is not None else [])]


def csv_bytes(table: Table, currency: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_heading(c, currency) for c in table.columns])
    for row in _all_rows(table):
        writer.writerow([_csv_cell(cell, c) for cell, c in zip(row, table.columns, strict=True)])
    return buffer.getvalue().encode("utf-8")


def _money_format(currency: str) -> str:
    digits = minor_digits(currency)
    return "#,##0" + ("." + "0" * digits if digits else "")


def _number(value: Decimal) -> float:
    """An exact decimal for a numeric cell: openpyxl writes a Decimal as it is (its type
    stubs say float), so no amount passes through a binary float."""
    return cast(float, value)


def _xlsx_cell(sheet: WriteOnlyWorksheet, cell: Cell, column: Column, currency: str) -> object:
    if cell is None:
        return None
    if isinstance(cell, Money):
        written = WriteOnlyCell(sheet, value=_number(cell.major))
        written.number_format = _money_format(currency)
        return written
    if isinstance(cell, Decimal):  # a percentage
        written = WriteOnlyCell(sheet, value=_number(cell / 100))
        written.number_format = "0.0%"
        return written
    if isinstance(cell, date):
        written = WriteOnlyCell(sheet, value=datetime.combine(cell, datetime.min.time()))
        written.number_format = "yyyy-mm" if column.kind == "month" else "yyyy-mm-dd"
        return written
    if isinstance(cell, str):
        return excel_safe(cell)
    return cell


def xlsx_bytes(tables: Sequence[Table], currency: str) -> bytes:
    """One sheet per table."""
    book = Workbook(write_only=True)
    for table in tables:
        sheet = book.create_sheet(title=table.name[:31])
        sheet.append([_heading(c, currency) for c in table.columns])
        for row in _all_rows(table):
            sheet.append([_xlsx_cell(sheet, cell, c, currency)
                          for cell, c in zip(row, table.columns, strict=True)])  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _pdf_cell(cell: Cell, column: Column) -> str:
    if cell is None:
        return ""
    if isinstance(cell, Money):
        return numbers.money(cell)
    if isinstance(cell, Decimal):
        return f"{cell:f}"
    if isinstance(cell, date) and column.kind == "month":
        return cell.strftime("%Y-%m")
    if isinstance(cell, date):
        return cell.isoformat()
    return printable(str(cell))


def pdf_bytes(title: str, subtitle: str, tables: Sequence[Table], currency: str) -> bytes:
    out = io.BytesIO()
    page = landscape(LETTER)
    margin = 0.5 * inch
    document = SimpleDocTemplate(out, pagesize=page, leftMargin=margin, rightMargin=margin,
                                 topMargin=margin, bottomMargin=margin, title=printable(title),
                                 invariant=True)  # fmt: skip
    styles = getSampleStyleSheet()
    story: list[Flowable] = [Paragraph(printable(title), styles["Title"]),
                           Paragraph(printable(subtitle), styles["Normal"])]  # fmt: skip
    width = page[0] - 2 * margin
    for table in tables:
        story += [Spacer(1, 12), Paragraph(printable(table.title), styles["Heading2"])]
        rows = [[printable(_heading(c, currency)) for c in table.columns]]
        rows += [[_pdf_cell(cell, c) for cell, c in zip(row, table.columns, strict=True)]
                 for row in _all_rows(table)]  # fmt: skip
        if len(rows) == 1:
            story.append(Paragraph("Nothing to show yet.", styles["Normal"]))
            continue
        size = 7.5 if len(table.columns) <= 12 else 5.5
        drawn = PdfTable(rows, repeatRows=1, colWidths=[width / len(table.columns)] * len(rows[0]))
        style: list[Any] = [
            ("FONT", (0, 0), (-1, -1), "Helvetica", size),
            ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", size),
            ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.HexColor("#1b1f24")),
            ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#d0d7de")),
            ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
        if table.totals is not None:
            style.append(("FONT", (0, -1), (-1, -1), "Helvetica-Bold", size))
        drawn.setStyle(TableStyle(style))
        story.append(drawn)
    document.build(story)
    return out.getvalue()
