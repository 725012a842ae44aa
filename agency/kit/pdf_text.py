"""Text for ReportLab's standard fonts (Helvetica, Times), which print Windows-1252
(WinAnsiEncoding): every Spanish and Western European letter.  ``printable`` puts what
lies outside it into the nearest letters it has (``Ł`` has none: ``?``), so a name a
client placed never prints as a black box.  Shared by every PDF the agency writes."""

from __future__ import annotations

import unicodedata

# The standard fonts' encoding (ReportLab's WinAnsiEncoding).
FONT_ENCODING = "cp1252"


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
