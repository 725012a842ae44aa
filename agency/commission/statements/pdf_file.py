"""A statement as PDF: US Letter landscape, the header and totals on the first page,
then the lines in a ruled table, page after page, with the reference and "page n" on
each.  Drawn straight on ReportLab's canvas a line at a time (no flowables kept for
the whole table), so a statement of a hundred thousand lines takes memory for its
pages' drawing commands only.  Written to ``stream``; built with ReportLab's invariant
flag (the same statement gives the same bytes)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER, landscape
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas

from agency.commission.statements.lines import PrintedLine
from agency.commission.statements.summary import Summary
from agency.kit.pdf_text import printable

PAGE = landscape(LETTER)
MARGIN = 0.5 * inch
ROW = 11.5
FONT, BOLD, SIZE = "Helvetica", "Helvetica-Bold", 7.5
INK = colors.HexColor("#1b1f24")
RULE = colors.HexColor("#d0d7de")
# (heading, width in points, right-aligned)
COLUMNS = (
    ("#", 38, True),
    ("Kind", 48, False),
    ("Line", 54, False),
    ("Date", 54, False),
    ("Case", 50, True),
    ("Consumer ref.", 62, False),
    ("Amount", 70, True),
    ("Paid to", 70, False),
    ("Rate %", 44, True),
    ("Tier", 30, False),
    ("Commission", 66, True),
    ("Remitted", 44, False),
    ("Clears on", 56, False),
)


class _Pages:
    def __init__(self, canvas: Canvas, summary: Summary) -> None:
        self.canvas = canvas
        self.summary = summary
        self.number = 0
        self.y = 0.0

    def new_page(self) -> None:
        if self.number:
            self.canvas.showPage()
        self.number += 1
        width, height = PAGE
        self.canvas.setFillColor(INK)
        self.canvas.setFont(FONT, 7)
        footer = f"Statement {self.summary.reference} · page {self.number}"
        self.canvas.drawRightString(width - MARGIN, MARGIN / 2, footer)
        self.y = height - MARGIN

    def heading_row(self) -> None:
        self._row([c[0] for c in COLUMNS], BOLD)
        self.canvas.setStrokeColor(RULE)
        self.canvas.line(MARGIN, self.y + ROW - 3, PAGE[0] - MARGIN, self.y + ROW - 3)

    def _row(self, cells: Iterable[str], font: str) -> None:
        self.y -= ROW
        self.canvas.setFont(font, SIZE)
        x = MARGIN
        for (_, width, right), text in zip(COLUMNS, cells, strict=True):
            if right:
                self.canvas.drawRightString(x + width - 4, self.y, text)
            else:
                self.canvas.drawString(x, self.y, text)
            x += width

    def line(self, line: PrintedLine) -> None:
        if self.y - ROW < MARGIN:
            self.new_page()
            self.heading_row()
        self._row(line.cells(), FONT)


def write_pdf(stream: BinaryIO, summary: Summary, lines: Iterable[PrintedLine]) -> None:
    canvas = Canvas(stream, pagesize=PAGE, invariant=1)
    canvas.setTitle(f"Statement {summary.reference}")
    canvas.setAuthor("agency")
    pages = _Pages(canvas, summary)
    pages.new_page()
    canvas.setFont(BOLD, 14)
    canvas.drawString(MARGIN, pages.y - 14, printable(f"Statement {summary.reference}"))
    canvas.setFont(FONT, 9.5)
    facts = [
        printable(summary.client_name),
        f"Period {summary.starts_on} to {summary.ends_on} · {summary.currency}"
        f" · issue {summary.issue}",
    ]
    if summary.replaces:
        facts.append(f"This statement replaces statement {summary.replaces}.")
    y = pages.y - 32
    for fact in facts:
        canvas.drawString(MARGIN, y, fact)
        y -= 13
    y -= 6
    for what, amount in summary.totals:
        canvas.drawString(MARGIN, y, what)
        canvas.drawRightString(MARGIN + 330, y, amount)
        y -= 12.5
    pages.y = y - 10
    pages.heading_row()
    for line in lines:
        pages.line(line)
    canvas.showPage()
    canvas.save()
