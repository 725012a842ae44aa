"""What every PDF outreach prints has in common (the validation notice, letters): US
Letter with the same margins and ink, ReportLab's standard Helvetica, a frame without
padding, invariant output, and text made safe for ``Paragraph``'s markup and the font.

ReportLab's standard fonts print Windows-1252 (WinAnsiEncoding): every Spanish and
Western European letter.  ``agency.kit.pdf_text.printable`` puts what lies outside it
into the nearest letters it has, so a name placed by a client never prints as a black
box; ``markup`` escapes ``<``, ``>`` and ``&`` so no text can open a tag.
"""

from __future__ import annotations

from typing import BinaryIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.units import inch
from reportlab.platypus import BaseDocTemplate, Frame

from agency.kit.pdf_text import printable

MARGIN = 0.6 * inch
INK = colors.HexColor("#1b1f24")
FONT = "Helvetica"
BOLD = "Helvetica-Bold"


def document(stream: BinaryIO, *, title: str, author: str, language: str) -> BaseDocTemplate:
    """A US Letter document with outreach's margins, built with ReportLab's invariant
    flag: the same content gives the same bytes (no creation time, no random id)."""
    return BaseDocTemplate(
        stream,
        pagesize=LETTER,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        author=author,
        subject=title,
        creator="agency",
        lang=language,
        invariant=1,
    )


def frame(x: float, y: float, width: float, height: float, *, id: str) -> Frame:
    """A frame without the default 6 pt padding: what is set in it uses its full width."""
    return Frame(
        x,
        y,
        width,
        height,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id=id,
    )


def markup(text: str) -> str:
    """``text`` as ``Paragraph`` markup: printable, escaped (``<``, ``>``, ``&`` are
    text, never tags), its line breaks kept."""
    return "<br/>".join(escape(line) for line in printable(text).split("\n"))
