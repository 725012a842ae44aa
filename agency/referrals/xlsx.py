"""Reading an XLSX referral file in bounded time and memory.

An XLSX file is a ZIP of XML parts, and a small one can unpack to gigabytes.  So, before
openpyxl opens it, the archive is inspected: how many parts, how much they unpack to in
all and each, how compressed each is, and the size of the shared-strings part, which
openpyxl holds in memory whole.  A sheet's ``<dimension>`` refuses too many rows or
columns before any row is read, and rows are counted again while they stream (a
dimension can lie).

The sheet is streamed by our own pull parser, each row handed to openpyxl's own row
parser (so cell values, dates and shared strings read exactly as openpyxl reads them):
openpyxl's ``iter_rows`` pads every row to the dimension's width and yields every
missing row one by one, so a two-cell sheet claiming ``A1:XFD1048576`` — or a row
numbered 10^12 — would take forever, and a row of a million cells would be built whole
before anyone could count them.  Here each cell is counted as it arrives and each row's
XML is bounded.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, cast
from xml.etree.ElementTree import Element, ParseError, XMLPullParser, fromstring

from openpyxl.utils import column_index_from_string, get_column_letter

from agency.referrals.errors import Unreadable
from agency.referrals.limits import (
    MB,
    XLSX_MAX_PART_BYTES,
    XLSX_MAX_PARTS,
    XLSX_MAX_RATIO,
    XLSX_MAX_ROW_BYTES,
    XLSX_MAX_ROW_CELLS,
    XLSX_RATIO_FROM_BYTES,
    FileLimits,
)
from agency.referrals.xlsx_strings import WorkbookReader

_TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}Override"
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
# Parts openpyxl reads whole by their fixed names, whatever the content types say.
_READ_WHOLE = frozenset(
    {
        "[Content_Types].xml",
        "xl/workbook.xml",
        "xl/styles.xml",
        "xl/theme/theme1.xml",
        "docProps/core.xml",
        "docProps/app.xml",
        "docProps/custom.xml",
    }
)
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW_TAG, _CELL_TAG, _DATA_TAG = f"{_MAIN}row", f"{_MAIN}c", f"{_MAIN}sheetData"
_CHUNK = 64 * 1024
# What a damaged workbook raises while its sheet is read (a bad number, a shared-string
# index out of range, malformed XML, a corrupt ZIP stream).
_DAMAGED = (ParseError, ValueError, IndexError, KeyError, zipfile.BadZipFile, zlib.error, EOFError)

# The byte-level view of a sheet's rows, for counting them without reading their cells.
_PREFIX = rb"(?:[A-Za-z_][\w.-]*:)?"
_HEAD = re.compile(rb"<" + _PREFIX + rb"(?:dimension|sheetData)[\s/>]")
_DATA_START = re.compile(rb"<" + _PREFIX + rb"sheetData(\s[^>]*)?(/?)>")
_DATA_END = re.compile(rb"</" + _PREFIX + rb"sheetData\s*>")
_ROW_SPLIT = re.compile(rb"<" + _PREFIX + rb"row(?=[\s/>])([^>]*)>")
_ROW_NUMBER = re.compile(rb"""\sr\s*=\s*["'](\d+)["']""")
# A cell reference of two letters or more (a row's r is digits only): a literal search.
_WIDE_REFERENCE = re.compile(rb"""\sr=["']([A-Z]{2,3})\d""")
_CELL_TAG_START = re.compile(rb"<" + _PREFIX + rb"c\s")
_CELL_END = re.compile(rb"</" + _PREFIX + rb"c\s*>")
_VALUE = re.compile(rb"<" + _PREFIX + rb"(?:v|t)(?:\s[^>]*)?>[^<]")


def _mb(size: int) -> str:
    return f"{size / MB:,.1f} MB" if size < 100 * MB else f"{size // MB:,} MB"


def inspect_archive(path: Path, limits: FileLimits) -> None:
    """Refuse a ZIP that would unpack to more than a referral file can be; every reason
    names the part and the figure.  The sizes are those the archive declares: Python's
    zipfile never unpacks more than that (and fails on a part that would)."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
            if len(parts) > XLSX_MAX_PARTS:
                raise Unreadable(
                    f"the spreadsheet has {len(parts):,} parts; at most {XLSX_MAX_PARTS:,}"
                )
            total = sum(part.file_size for part in parts)
            if total > limits.xlsx_unpacked_bytes:
                raise Unreadable(
                    f"the spreadsheet unpacks to {_mb(total)}; at most "
                    f"{_mb(limits.xlsx_unpacked_bytes)} (save it as CSV)"
                )
            for part in parts:
                if part.file_size > max(XLSX_RATIO_FROM_BYTES, XLSX_MAX_RATIO * part.compress_size):
                    raise Unreadable(
                        f"the spreadsheet's part {part.filename[:80]!r} unpacks to "
                        f"{_mb(part.file_size)} from {part.compress_size:,} bytes; a part "
                        f"more than {XLSX_MAX_RATIO} times compressed is not a referral file"
                    )
            sheets, strings = _typed_parts(archive)
            for part in parts:
                if part.filename in sheets:
                    _check_sheet_head(archive, part)
                    continue
                limit = limits.xlsx_strings_bytes if part.filename in strings else None
                if limit is not None and part.file_size > limit:
                    raise Unreadable(
                        f"the spreadsheet's shared strings unpack to {_mb(part.file_size)}; "
                        f"at most {_mb(limit)} (save it as CSV)"
                    )
                if limit is None and part.file_size > XLSX_MAX_PART_BYTES:
                    raise Unreadable(
                        f"the spreadsheet's part {part.filename[:80]!r} unpacks to "
                        f"{_mb(part.file_size)}; at most {_mb(XLSX_MAX_PART_BYTES)}"
                    )
    except (zipfile.BadZipFile, zlib.error, EOFError, ParseError, KeyError) as exc:
        raise _damaged(exc) from None


def _damaged(exc: Exception) -> Unreadable:
    return Unreadable(f"the spreadsheet is damaged or not an XLSX file ({type(exc).__name__})")


def _typed_parts(archive: zipfile.ZipFile) -> tuple[set[str], set[str]]:
    """(worksheet parts, shared-strings parts) by the content types, as openpyxl finds
    them; a part openpyxl reads whole by its fixed name is never taken for a sheet."""
    info = archive.getinfo("[Content_Types].xml")
    if info.file_size > XLSX_MAX_PART_BYTES:
        raise Unreadable("the spreadsheet's content types are too large")
    sheets: set[str] = set()
    strings: set[str] = set()
    # ElementTree resolves no external entities, and expat (2.4+) refuses entity
    # amplification ("billion laughs"); openpyxl parses the same part the same way.
    for override in fromstring(archive.read(info)).iter(_TYPES):  # noqa: S314
        name = (override.get("PartName") or "").removeprefix("/")
        kind = override.get("ContentType")
        if kind == _STRINGS_TYPE:
            strings.add(name)
        elif kind == _SHEET_TYPE and name not in _READ_WHOLE and not name.endswith(".rels"):
            sheets.add(name)
    return sheets - strings, strings


def _check_sheet_head(archive: zipfile.ZipFile, part: zipfile.ZipInfo) -> None:
    """openpyxl reads every sheet's XML up to its dimension or its data when it opens a
    workbook; both come first in a real sheet."""
    with archive.open(part) as stream:
        head = stream.read(XLSX_MAX_PART_BYTES)
    if len(head) == XLSX_MAX_PART_BYTES and not _HEAD.search(head):
        raise Unreadable(
            f"the spreadsheet's sheet {part.filename[:80]!r} has no data in its first "
            f"{_mb(XLSX_MAX_PART_BYTES)}"
        )


def cell_text(value: Any) -> str:
    """A cell's value as the text a CSV cell would hold."""
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
        if "e" not in text and "E" not in text:
            return text.removesuffix(".0")
        exact = Decimal(text)
        return format(exact, "f") if abs(exact.adjusted()) < 40 else text
    return str(value)


class Sheet:
    """One sheet of a workbook opened with openpyxl (read-only); rows stream from it."""

    def __init__(self, path: Path, sheet: str | None, limits: FileLimits) -> None:
        inspect_archive(path, limits)
        self.limits = limits
        self._stream = path.open("rb")  # a stream: openpyxl would judge a path by its name
        try:
            reader = WorkbookReader(self._stream, read_only=True, data_only=True, keep_links=False)
            reader.read()
            self._book = reader.wb
        except MemoryError:  # not damage: the file check's memory bound (kit.sandbox)
            self._stream.close()
            raise
        except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException, ...
            self._stream.close()
            raise _damaged(exc) from None
        try:
            if sheet is not None and sheet not in self._book.sheetnames:
                raise Unreadable(f"the spreadsheet has no sheet named {sheet!r}")
            self._sheet: Any = self._book[sheet] if sheet else self._book.worksheets[0]
            self._check_dimension()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        self._book.close()
        self._stream.close()

    def _check_dimension(self) -> None:
        rows, columns = self._sheet.max_row, self._sheet.max_column
        if columns is not None and columns > self.limits.columns:
            raise Unreadable(
                f"the sheet's used range has {columns:,} columns (to column "
                f"{get_column_letter(columns)}); at most {self.limits.columns:,}"
            )
        if rows is not None and rows - 1 > self.limits.rows:
            raise Unreadable(
                f"the sheet's used range has {rows - 1:,} rows after the header; at most "
                f"{self.limits.rows:,}"
            )

    def _source(self) -> IO[bytes]:
        source: IO[bytes] = self._sheet._get_source()
        return source

    def _check_row(self, number: int, columns: int) -> None:
        if number - 1 > self.limits.rows:
            raise Unreadable(f"the sheet has more than {self.limits.rows:,} rows after the header")
        if columns > self.limits.columns:
            raise Unreadable(
                f"row {number} has a cell in column {get_column_letter(min(columns, 18278))} "
                f"(column {columns:,}); at most {self.limits.columns:,} columns"
            )

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """Every row element of the sheet as (row number, cell texts), trailing empty
        cells dropped; rows the sheet leaves out are not made up."""
        from openpyxl.worksheet._reader import WorkSheetParser

        book: Any = self._book  # openpyxl keeps the date styles on private attributes
        try:
            with self._source() as source:
                cells_of: Any = WorkSheetParser(
                    source,
                    self._sheet._shared_strings,
                    data_only=True,
                    epoch=book.epoch,
                    date_formats=book._date_formats,
                    timedelta_formats=book._timedelta_formats,
                ).parse_row
                for element in self._row_elements(source):
                    number, parsed = cells_of(element)
                    width = max(
                        (cell["column"] for cell in parsed if cell["value"] not in (None, "")),
                        default=0,
                    )
                    self._check_row(number, width)
                    cells = [""] * width
                    for cell in parsed:
                        if cell["column"] <= width:
                            cells[cell["column"] - 1] = cell_text(cell["value"])
                    while cells and cells[-1] == "":
                        cells.pop()
                    yield number, cells
        except _DAMAGED as exc:
            raise _damaged(exc) from None

    def _row_elements(self, source: IO[bytes]) -> Iterator[Element]:
        """The sheet's row elements, each whole, as they complete.  Every element that is
        not part of a row still being read is dropped once read, so memory holds one row;
        a row's cells are counted as they arrive and its XML is bounded."""
        parser: XMLPullParser[Element] = XMLPullParser(("start", "end"))
        open_elements: list[Element] = []
        in_row = 0
        cells = 0
        fed = fed_at_row = 0
        in_data = False
        while chunk := source.read(_CHUNK):
            parser.feed(chunk)
            fed += len(chunk)
            events = cast(Iterator[tuple[str, Element]], parser.read_events())  # start, end
            for event, element in events:
                if event == "start":
                    open_elements.append(element)
                    if element.tag == _ROW_TAG:
                        in_row += 1
                    elif element.tag == _DATA_TAG:
                        in_data, fed_at_row = True, fed
                    continue
                open_elements.pop()
                if element.tag == _CELL_TAG and in_row:
                    cells += 1
                    if cells > XLSX_MAX_ROW_CELLS:
                        raise Unreadable(
                            f"a row of the sheet has more than {XLSX_MAX_ROW_CELLS:,} cells"
                        )
                elif element.tag == _ROW_TAG:
                    in_row -= 1
                    cells, fed_at_row = 0, fed
                    yield element
                elif element.tag == _DATA_TAG:
                    in_data = False
                if not in_row and open_elements:
                    open_elements[-1].remove(element)
            if in_data and fed - fed_at_row > XLSX_MAX_ROW_BYTES:
                raise Unreadable(
                    f"a row of the sheet is larger than {_mb(XLSX_MAX_ROW_BYTES)} of XML"
                )
        parser.close()

    def count_rows(self) -> int:
        """The record rows (after row 1, the header) with at least one value, counted
        from the sheet's XML without reading their cells: an order of magnitude faster
        than reading them.  The limits hold as when reading: row numbers, the last cell's
        column, each row's size.  (A row whose only values are empty shared strings
        counts here though reading skips it: the placement's own count is exact.)"""
        try:
            with self._source() as source:
                return self._count(source)
        except _DAMAGED as exc:
            raise _damaged(exc) from None

    def _count(self, source: IO[bytes]) -> int:
        buffer = b""
        started = False
        counted = last_number = 0
        first = True
        while True:
            chunk = source.read(MB)
            buffer += chunk
            if not started:
                start = _DATA_START.search(buffer)
                if start is None:
                    if not chunk:
                        return 0
                    buffer = buffer[-256:]
                    continue
                if start.group(2):  # <sheetData/>
                    return 0
                started, buffer = True, buffer[start.end() :]
            end = _DATA_END.search(buffer)
            last = end is not None or not chunk
            data = buffer[: end.start()] if end is not None else buffer
            # whole rows only: up to the last row start, unless the data ends here
            tail = len(data) if last else max(_row_start_before(data, len(data)), 0)
            pieces = _ROW_SPLIT.split(data[:tail])  # [before, attributes, body, ...]
            attributes, bodies = pieces[1::2], pieces[2::2]
            numbers = [int(n) for n in _ROW_NUMBER.findall(b" ".join(attributes))]
            last_number = max([last_number + len(attributes), *numbers])
            self._check_row(last_number, 0)
            self._check_columns(data[:tail])
            if first and attributes:  # the header is row 1: not a record
                first = False
                given = _ROW_NUMBER.search(attributes[0])
                if given is None or int(given.group(1)) == 1:
                    attributes, bodies = attributes[1:], bodies[1:]
            counted += sum(
                1
                for attribute, body in zip(attributes, bodies, strict=True)
                if not attribute.endswith(b"/") and _VALUE.search(body)
            )
            if last:
                return counted
            buffer = data[tail:]
            if len(buffer) > XLSX_MAX_ROW_BYTES:
                raise Unreadable(
                    f"a row of the sheet is larger than {_mb(XLSX_MAX_ROW_BYTES)} of XML"
                )

    def _check_columns(self, data: bytes) -> None:
        """Refuse a cell with a value beyond the column limit: only references of two
        letters or more are looked at, found in C, so a sheet of up to 26 columns costs
        no Python at all.  (Cells without references, or with references written
        otherwise than ``r="AB12"``, are held to the limit when the rows are read.)"""
        for reference in _WIDE_REFERENCE.finditer(data):
            column = int(column_index_from_string(reference.group(1).decode()))
            cell = data.rfind(b"<", 0, reference.start())
            if (
                column > self.limits.columns
                and _CELL_TAG_START.match(data, cell)
                and _has_value(data, cell, len(data))
            ):
                row = _row_start_before(data, cell)
                given = _ROW_NUMBER.search(data, row, data.find(b">", row)) if row >= 0 else None
                self._check_row(int(given.group(1)) if given else 0, column)


def _row_start_before(data: bytes, position: int) -> int:
    """Where the last row's start tag before ``position`` begins (its ``<``), or -1."""
    plain, prefixed = data.rfind(b"<row", 0, position), data.rfind(b":row", 0, position)
    if prefixed > plain:
        return data.rfind(b"<", 0, prefixed)
    return plain


def _has_value(data: bytes, cell: int, limit: int) -> bool:
    """Whether the cell whose start tag begins at ``cell`` holds a value."""
    tag_end = data.find(b">", cell, limit)
    if tag_end < 0 or data[tag_end - 1] == ord("/"):  # <c .../>: formatting alone
        return False
    close = _CELL_END.search(data, tag_end, limit)
    return _VALUE.search(data, tag_end, close.start() if close else limit) is not None
