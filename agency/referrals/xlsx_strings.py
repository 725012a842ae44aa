"""A workbook's shared strings, read exactly as openpyxl reads them, ten times faster.

openpyxl holds the shared strings whole (a sheet's cells refer to them by number), and
builds a ``Text`` object for each: a million strings took 12 s and 150 MB, before any
row was read — every time a file was previewed or placed.  Here:

- the usual part — plain strings, ``<si><t>…</t></si>``, with the five XML entities or
  character references at most (and Excel's phonetic properties) — is read by one
  regular expression: about 1 s;
- anything else (rich text, phonetic runs, other spacing or namespaces, another
  encoding, anything unusual at all) by the XML parser, each string its text runs
  joined exactly as openpyxl's ``Text.content`` joins them (the plain text, then each
  rich-text run's, never the phonetic runs), each element let go once read.

Both apply openpyxl's ``x005F_`` unescaping.  A property test proves the readers agree
with openpyxl's on every document it makes.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import IO, Any, cast
from xml.etree.ElementTree import Element, XMLPullParser

from openpyxl.reader.excel import ExcelReader
from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS

_SI = f"{{{SHEET_MAIN_NS}}}si"
_T = f"{{{SHEET_MAIN_NS}}}t"

_SPACE = rb"[ \t\r\n]*"  # XML's white space (not \s: vertical tab and form feed are not)
_HEAD = re.compile(
    rb"(?:\xef\xbb\xbf)?"
    + _SPACE
    + rb"(?:<\?xml\s[^>]*?\?>)?"
    + _SPACE
    + rb'<sst\s[^>]*?xmlns="'
    + re.escape(SHEET_MAIN_NS.encode())
    + rb'"[^>]*>'
)
_DECLARED_ENCODING = re.compile(rb"""<\?xml\s[^>]*?encoding=["']([^"']*)["']""")
_TEXT = (
    rb"((?:[^<&\r\x00-\x08\x0b\x0c\x0e-\x1f]"
    rb"|&(?:amp|lt|gt|quot|apos|#\d{1,7}|#x[0-9a-fA-F]{1,6});)*)"
)
# <si><t>text</t></si>, <t xml:space="preserve">, <t/>, and Excel's phonetic properties
_PLAIN = re.compile(
    _SPACE
    + rb'<si><t(?: xml:space="preserve")?(?:/>|>'
    + _TEXT
    + rb"</t>)(?:<phoneticPr\s[^<>]*/>)?</si>"
)
_END = re.compile(_SPACE + rb"</sst>" + _SPACE)
_ENTITY = re.compile(r"&(?:(amp|lt|gt|quot|apos)|#(\d+)|#x([0-9a-fA-F]+));")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


class _Unusual(Exception):
    """The part is not of the usual shape: the XML parser reads it."""


def _character(match: re.Match[str]) -> str:
    named, decimal, hexadecimal = match.groups()
    if named:
        return _NAMED[named]
    code = int(decimal) if decimal else int(hexadecimal, 16)
    if not (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    ):
        raise _Unusual  # not an XML character: the parser says what it thinks of it
    return chr(code)


def _usual(data: bytes) -> list[str]:
    head = _HEAD.match(data)
    declared = _DECLARED_ENCODING.search(data, 0, head.end()) if head else None
    if head is None or (declared and declared.group(1).lower() not in (b"utf-8", b"utf8")):
        raise _Unusual
    strings: list[str] = []
    position = head.end()
    while (plain := _PLAIN.match(data, position)) is not None:
        text = (plain.group(1) or b"").decode()  # UnicodeDecodeError: unusual too
        if "\ufffe" in text or "\uffff" in text or "]]>" in text:  # not XML: the parser
            raise _Unusual  # says what it thinks of it
        if "&" in text:
            text = _ENTITY.sub(_character, text)
        strings.append(text.replace("x005F_", ""))
        position = plain.end()
    if _END.fullmatch(data, position) is None:
        raise _Unusual
    return strings


def _name(element: Element) -> str:
    return element.tag.rpartition("}")[2]  # openpyxl reads children by local name


def _text(si: Element) -> str:
    plain: str | None = None
    runs: list[str] = []
    for child in si:
        name = _name(child)
        if name == "t":
            plain = child.text
        elif name == "r":
            run: str | None = None
            for part in child:
                if _name(part) == "t":
                    run = part.text
            if run is not None:
                runs.append(run)
    return ((plain or "") + "".join(runs)).replace("x005F_", "")


def _parsed(data: bytes) -> list[str]:
    parser: XMLPullParser[Element] = XMLPullParser(("start", "end"))
    strings: list[str] = []
    open_elements: list[Element] = []
    source = io.BytesIO(data)
    while chunk := source.read(1024 * 1024):
        parser.feed(chunk)
        for event, element in cast(Iterator[tuple[str, Element]], parser.read_events()):
            if event == "start":
                open_elements.append(element)
                continue
            open_elements.pop()
            if element.tag == _SI:
                strings.append(_text(element))
                if open_elements:
                    open_elements[-1].remove(element)
    parser.close()
    return strings


def read_shared_strings(source: IO[bytes]) -> list[str]:
    """Every ``<si>`` of a shared-strings part, as text.  The part is read whole: its
    size is bounded first (``xlsx.inspect_archive``)."""
    data = source.read()
    try:
        return _usual(data)
    except (_Unusual, UnicodeDecodeError):
        return _parsed(data)


class WorkbookReader(ExcelReader):
    """openpyxl's own reader (``load_workbook`` is its ``read()``), but for the shared
    strings."""

    def read_strings(self) -> None:
        package: Any = self.package  # openpyxl's Manifest, untyped
        part = package.find(SHARED_STRINGS)
        if part is not None:
            with self.archive.open(part.PartName[1:]) as source:
                self.shared_strings = read_shared_strings(source)
