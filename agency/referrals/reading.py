"""Reading a referral file: detect its format, encoding and delimiter, then stream rows.

Rows are numbered as the merchant sees them in a spreadsheet: the header is row 1, the
first record row 2, and a quoted field with line breaks is still one row.  Reading
streams, so memory does not grow with the file.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

DELIMITERS = (",", ";", "|", "\t")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "|": "pipe", "\t": "tab"}
_SAMPLE = 64 * 1024
_XLSX_MAGIC = b"PK\x03\x04"
# Bytes that Windows-1252 leaves undefined; a file with them is read as Latin-1.
_CP1252_HOLES = frozenset(b"\x81\x8d\x8f\x90\x9d")

csv.field_size_limit(1024 * 1024)


class Unreadable(Exception):
    """The file cannot be read at all; the message is one line, for a person."""


@dataclass(frozen=True)
class Detected:
    file_format: str  # "csv" or "xlsx"
    encoding: str | None  # "utf-8", "utf-8-sig", "windows-1252", "latin-1"
    delimiter: str | None
    header: list[str]


def _detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when every byte decodes; else Windows-1252/Latin-1.

    Decides on the whole file (incrementally, in large chunks), so a stray byte deep in
    row 900,000 cannot make a file half UTF-8 and half not.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    holes = False
    with path.open("rb") as stream:
        first = stream.read(_SAMPLE)
        if b"\x00" in first:
            raise Unreadable("the file is not text (it contains NUL bytes)")
        bom = first.startswith(codecs.BOM_UTF8)
        chunk = first
        utf8 = True
        while chunk:
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
            holes = holes or any(byte in _CP1252_HOLES for byte in chunk)
            chunk = stream.read(1024 * 1024)
        if utf8:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8 = False
    if utf8:
        return "utf-8-sig" if bom else "utf-8"
    return "latin-1" if holes else "windows-1252"


def _detect_delimiter(first_line: str) -> str:
    """The candidate that splits the header line most (outside quotes); comma on a tie."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in first_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def detect(path: Path, *, sheet: str | None = None) -> Detected:
    """Look at the file and say how to read it; Unreadable if it cannot be read at all."""
    if not path.exists() or path.stat().st_size == 0:
        raise Unreadable("the file is empty (0 bytes)")
    with path.open("rb") as stream:
        magic = stream.read(4)
    if magic == _XLSX_MAGIC:
        header = next((cells for _, cells in _xlsx_rows(path, sheet)), None)
        if header is None or not any(cell.strip() for cell in header):
            raise Unreadable("the spreadsheet has no header row")
        return Detected("xlsx", None, None, header)
    encoding = _detect_encoding(path)
    with path.open(encoding=encoding, newline="") as stream:
        first_line = stream.readline()
    if not first_line.strip():
        raise Unreadable("the file has no header row")
    delimiter = _detect_delimiter(first_line)
    header = next(csv.reader(io.StringIO(first_line), delimiter=delimiter), [])
    if not any(cell.strip() for cell in header):
        raise Unreadable("the file has no header row")
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in first_line)
    if printable < 0.9 * len(first_line):
        raise Unreadable("the file is not text (unreadable characters in the first line)")
    return Detected("csv", encoding, delimiter, [cell.strip() for cell in header])


def rows(
    path: Path, detected: Detected, *, sheet: str | None = None
) -> Iterator[tuple[int, list[str]]]:
    """The record rows after the header, as (row number, cells); blank rows are skipped
    but still counted, as a spreadsheet shows them."""
    if detected.file_format == "xlsx":
        iterator = _xlsx_rows(path, sheet)
        next(iterator, None)
        yield from ((n, cells) for n, cells in iterator if any(cells))
        return
    with path.open(encoding=detected.encoding, newline="") as stream:
        yield from _csv_rows(stream, detected.delimiter or ",")


def _csv_rows(stream: IO[str], delimiter: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(stream, delimiter=delimiter, quotechar='"', doublequote=True)
    number = 0
    for cells in reader:
        number += 1
        if number == 1:
            continue
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue
        yield number, cells


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        # the shortest text that reads back as this float: 1234.56, not 1234.5599999
        text = repr(value)
        return format(Decimal(text), "f") if "e" in text or "E" in text else text.removesuffix(".0")
    return str(value)


def _xlsx_rows(path: Path, sheet: str | None) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    stream = path.open("rb")  # a stream: openpyxl would judge a path by its extension
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException, ...
        stream.close()
        raise Unreadable(
            f"the spreadsheet is damaged or not an XLSX file ({type(exc).__name__})"
        ) from None
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            raise Unreadable(f"the spreadsheet has no sheet named {sheet!r}")
        worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
        for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
            cells = [_cell_text(value) for value in values]
            while cells and cells[-1] == "":
                cells.pop()
            yield number, cells
    finally:
        workbook.close()
        stream.close()
