"""The consumer's self-service link as printed: a QR code (``segno``) beside the URL
written out, for letters and validation notices sent by post.

The code is drawn as vector rectangles straight from segno's matrix (one rectangle per
run of dark modules in a row, inside the standard 4-module quiet zone): crisp at any
print resolution, no image and no temporary file.  Error correction "M" (15 %) survives
a fold or a smudge.  The URL is printed as text too, in a font small enough to keep it
on one line where the width allows (else it wraps), so a reader without a phone can
type it."""

from __future__ import annotations

import segno
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from agency.outreach.pdf_layout import BOLD, FONT, INK, markup

QUIET_ZONE = 4  # modules of white around the code (ISO/IEC 18004)
SIZE = 0.9 * inch
GUTTER = 10.0
LARGEST_URL_FONT = 9.0
SMALLEST_URL_FONT = 6.0


def qr_runs(url: str) -> tuple[int, list[tuple[int, int, int]]]:
    """The QR code of ``url``: its width in modules (quiet zone included) and its dark
    modules as (row, first column, length) runs, rows counted from the top."""
    code = segno.make(url, error="m")
    rows = [list(row) for row in code.matrix_iter(border=QUIET_ZONE)]
    runs = []
    for number, row in enumerate(rows):
        column = 0
        while column < len(row):
            if not row[column]:
                column += 1
                continue
            start = column
            while column < len(row) and row[column]:
                column += 1
            runs.append((number, start, column - start))
    return len(rows), runs


class QrCode(Flowable):
    """A square QR code of ``url``, ``size`` points wide, drawn as rectangles."""

    def __init__(self, url: str, size: float = SIZE) -> None:
        super().__init__()
        self.url = url
        self.size = size
        self.modules, self.runs = qr_runs(url)

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        unit = self.size / self.modules
        canvas = self.canv
        canvas.saveState()
        canvas.setFillColor(INK)
        canvas.setStrokeColor(INK)
        path = canvas.beginPath()
        for row, column, length in self.runs:
            path.rect(column * unit, self.size - (row + 1) * unit, length * unit, unit)
        canvas.drawPath(path, stroke=0, fill=1)
        canvas.restoreState()


def url_style(url: str, width: float) -> ParagraphStyle:
    """The URL's style: the largest font from 9 down to 6 points that keeps it on one
    line in ``width`` (6 points and a wrap when none does)."""
    size = LARGEST_URL_FONT
    while size > SMALLEST_URL_FONT and stringWidth(url, FONT, size) > width:
        size -= 0.5
    return ParagraphStyle("url", fontName=FONT, fontSize=size, leading=size + 2, textColor=INK)


def link_block(url: str, *, caption: str, hint: str, width: float, size: float = SIZE) -> Table:
    """The QR code on the left, the caption (bold), the hint and the URL on its right,
    in ``width`` points."""
    text_width = width - size - GUTTER
    caption_style = ParagraphStyle("caption", fontName=BOLD, fontSize=10, leading=13, textColor=INK)
    hint_style = ParagraphStyle("hint", parent=caption_style, fontName=FONT, fontSize=9, leading=12)
    text = [
        Paragraph(markup(caption), caption_style),
        Paragraph(markup(hint), hint_style),
        Paragraph(markup(url), url_style(url, text_width)),
    ]
    table = Table([[QrCode(url, size), text]], colWidths=[size + GUTTER, text_width], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table
