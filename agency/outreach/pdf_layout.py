"""What every PDF outreach prints has in common (the validation notice, letters): US
Letter with the same margins and ink, ReportLab's standard Helvetica, a frame without
padding, invariant output, and text made safe for ``Paragraph``'s markup and the font.

ReportLab's standard fonts print Windows-1252 (WinAnsiEncoding): every Spanish and
Western European letter.  ``printable`` puts what lies outside it into the nearest
letters it has (``Ł`` has none: ``?``), so a name placed by a client never prints as a
black box; ``markup`` escapes ``<``, ``>`` and ``&`` so no text can open a tag.
"""

from __future__ import annotations

import unicodedata
from typing import BinaryIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.units import inch
from reportlab.platypus import BaseDocTemplate, Frame

MARGIN = 0.6 * inch
INK = colors.HexColor("#1b1f24")
FONT = "Helvetica"
BOLD = "Helvetica-Bold"
# The standard fonts' encoding (ReportLab's WinAnsiEncoding).
FONT_ENCODING = "cp1252"


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


def printable(text: str) -> str:
    """``text`` in the characters the standard fonts print: each one outside them as its
    letter without the accent the font lacks (``ő`` and ``ș`` print as ``o`` and ``s``;
    ``ñ`` and ``é`` are in the font), else ``?``; control characters but line breaks and
    tabs dropped."""
    out = []
    for char in text:
        if char in "\n\t":
            out.append(char)
            continue
        if unicodedata.category(char) in ("Cc", "Cf"):
            continue
        try:
            char.encode(FONT_ENCODING)
        except UnicodeEncodeError:
            base = "".join(
                part
                for part in unicodedata.normalize("NFKD", char)
                if not unicodedata.combining(part) and _prints(part)
            )
            out.append(base or "?")
        else:
            out.append(char)
    return "".join(out)


def _prints(char: str) -> bool:
    try:
        char.encode(FONT_ENCODING)
    except UnicodeEncodeError:
        return False
    return True


def markup(text: str) -> str:
    """``text`` as ``Paragraph`` markup: printable, escaped (``<``, ``>``, ``&`` are
    text, never tags), its line breaks kept."""
    return "<br/>".join(escape(line) for line in printable(text).split("\n"))
