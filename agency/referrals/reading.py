"""Reading a referral file: detect its format, encoding and delimiter, then stream rows.

Rows are numbered as the merchant sees them in a spreadsheet: the header is row 1, the
first record row 2, and a quoted field with line breaks is still one row.  Reading
streams, so memory does not grow with the file, and is bounded (``limits``): a file
with too many columns or rows, a line or a field too long, or an XLSX that would unpack
to too much is refused with the reason (``Unreadable``) as soon as that is known.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from agency.referrals.errors import Unreadable
from agency.referrals.limits import (
    MAX_FIELD_CHARS,
    MAX_HEADER_CHARS,
    MAX_LINE_CHARS,
    FileLimits,
    file_limits,
)
from agency.referrals.xlsx import Sheet

__all__ = [
    "DELIMITER_NAMES",
    "Detected",
    "ReferralFile",
    "Unreadable",
    "detect",
    "open_file",
    "rows",
]

DELIMITERS = (",", ";", "|", "\t")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "|": "pipe", "\t": "tab"}
_SAMPLE = 64 * 1024
_XLSX_MAGIC = b"PK\x03\x04"
# Bytes that Windows-1252 leaves undefined; a file with them is read as Latin-1.
_CP1252_HOLES = tuple(bytes([byte]) for byte in b"\x81\x8d\x8f\x90\x9d")

csv.field_size_limit(MAX_FIELD_CHARS)


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
        bom = first.startswith(codecs.BOM_UTF8)
        chunk = first
        utf8 = True
        while chunk:
            if b"\x00" in chunk:
                raise Unreadable("the file is not text (it contains NUL bytes)")
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
            holes = holes or any(hole in chunk for hole in _CP1252_HOLES)  # searched in C
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


def _check_header(header: list[str], limits: FileLimits) -> None:
    if len(header) > limits.columns:
        raise Unreadable(f"the file has {len(header):,} columns; at most {limits.columns:,}")
    for index, cell in enumerate(header, start=1):
        if len(cell) > MAX_HEADER_CHARS:
            raise Unreadable(
                f"column {index}'s name is longer than {MAX_HEADER_CHARS} characters "
                "(is the first row a header?)"
            )


def _detect_csv(path: Path, limits: FileLimits) -> Detected:
    encoding = _detect_encoding(path)
    with path.open(encoding=encoding, newline="") as stream:
        first_line = stream.readline(MAX_LINE_CHARS + 1)
    if len(first_line) > MAX_LINE_CHARS:
        raise Unreadable(
            f"the first line is longer than {MAX_LINE_CHARS:,} characters (is this a CSV file?)"
        )
    if not first_line.strip():
        raise Unreadable("the file has no header row")
    delimiter = _detect_delimiter(first_line)
    header = next(csv.reader(io.StringIO(first_line), delimiter=delimiter), [])
    if not any(cell.strip() for cell in header):
        raise Unreadable("the file has no header row")
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in first_line)
    if printable < 0.9 * len(first_line):
        raise Unreadable("the file is not text (unreadable characters in the first line)")
    header = [cell.strip() for cell in header]
    _check_header(header, limits)
    return Detected("csv", encoding, delimiter, header)


class ReferralFile:
    """A referral file open for reading: how it reads, its record rows, how many."""

    def __init__(self, path: Path, detected: Detected, limits: FileLimits, sheet: Sheet | None):
        self.path = path
        self.detected = detected
        self.limits = limits
        self._sheet = sheet

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """The record rows after the header, as (row number, cells); blank rows are
        skipped but still counted, as a spreadsheet shows them."""
        if self._sheet is not None:
            yield from (
                (number, cells) for number, cells in self._sheet.rows() if number > 1 and any(cells)
            )
            return
        with self.path.open(encoding=self.detected.encoding, newline="") as stream:
            yield from _csv_rows(stream, self.detected.delimiter or ",", self.limits)

    def count_rows(self) -> int:
        """How many record rows ``rows`` gives, without building them (an XLSX sheet is
        counted from its XML, see ``Sheet.count_rows``)."""
        if self._sheet is not None:
            return self._sheet.count_rows()
        return sum(1 for _ in self.rows())


@contextmanager
def open_file(
    path: Path,
    *,
    sheet: str | None = None,
    detected: Detected | None = None,
    limits: FileLimits | None = None,
) -> Iterator[ReferralFile]:
    """Open a referral file, detecting how to read it unless ``detected`` says so already
    (an XLSX workbook is opened either way, and once for all it is asked).  Unreadable
    if it cannot be read at all or is beyond the limits (the settings' unless given)."""
    limits = limits or file_limits()
    if not path.exists() or path.stat().st_size == 0:
        raise Unreadable("the file is empty (0 bytes)")
    with path.open("rb") as stream:
        magic = stream.read(4)
    if magic != _XLSX_MAGIC:
        yield ReferralFile(path, detected or _detect_csv(path, limits), limits, None)
        return
    book = Sheet(path, sheet, limits)
    try:
        if detected is None:
            first = next(book.rows(), None)
            header = first[1] if first is not None and first[0] == 1 else []
            if not any(cell.strip() for cell in header):
                raise Unreadable("the spreadsheet has no header row")
            _check_header(header, limits)
            detected = Detected("xlsx", None, None, header)
        yield ReferralFile(path, detected, limits, book)
    finally:
        book.close()


def detect(path: Path, *, sheet: str | None = None) -> Detected:
    """Look at the file and say how to read it; Unreadable if it cannot be read at all."""
    with open_file(path, sheet=sheet) as opened:
        return opened.detected


def rows(
    path: Path, detected: Detected, *, sheet: str | None = None
) -> Iterator[tuple[int, list[str]]]:
    """The record rows of a file already detected (see ``ReferralFile.rows``)."""
    with open_file(path, sheet=sheet, detected=detected) as opened:
        yield from opened.rows()


def _lines(stream: IO[str]) -> Iterator[str]:
    """The physical lines of a CSV file, each at most MAX_LINE_CHARS: a file without
    line breaks is refused once that much is read, not read whole."""
    number = 0
    while line := stream.readline(MAX_LINE_CHARS + 1):
        number += 1
        if len(line) > MAX_LINE_CHARS:
            raise Unreadable(f"line {number:,} is longer than {MAX_LINE_CHARS:,} characters")
        yield line


def _csv_rows(
    stream: IO[str], delimiter: str, limits: FileLimits
) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(_lines(stream), delimiter=delimiter, quotechar='"', doublequote=True)
    number = 0
    try:
        for cells in reader:
            number += 1
            if number == 1:
                continue
            if number - 1 > limits.rows:
                raise Unreadable(
                    f"the file has more than {limits.rows:,} rows after the header; split it"
                )
            if len(cells) > limits.columns:
                raise Unreadable(
                    f"row {number:,} has {len(cells):,} fields; at most {limits.columns:,} columns"
                )
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue
            yield number, cells
    except csv.Error as exc:
        reason = (
            f"has a field longer than {MAX_FIELD_CHARS:,} characters (is a quote left open?)"
            if "field limit" in str(exc)
            else f"cannot be read ({exc})"
        )
        raise Unreadable(f"row {number + 1:,} {reason}") from None
