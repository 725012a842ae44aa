"""What a referral file may hold, so that reading one is bounded in time and memory.

The tunable limits are settings (``AGENCY_MAX_FILE_COLUMNS``, ``AGENCY_MAX_FILE_ROWS``,
``AGENCY_MAX_XLSX_UNPACKED_MB``, ``AGENCY_MAX_XLSX_STRINGS_MB``); the rest are constants
no legitimate file comes near.  All are documented in docs/referrals.md ("Limits").
"""

from __future__ import annotations

from dataclasses import dataclass

from agency.config import get_settings

MB = 1024 * 1024
# CSV: a physical line, and one field (a quoted field may span lines).
MAX_LINE_CHARS = 1 * MB
MAX_FIELD_CHARS = 64 * 1024
# A column's name in the header row.
MAX_HEADER_CHARS = 256
# XLSX: parts of the ZIP, any part openpyxl reads whole (all but the worksheets), one
# row of a worksheet (its XML, its cells with or without a value), and the compression
# ratio of a part of more than 1 MB.
XLSX_MAX_PARTS = 1000
XLSX_MAX_PART_BYTES = 4 * MB
XLSX_MAX_ROW_BYTES = 8 * MB
XLSX_MAX_ROW_CELLS = 16_384  # Excel's own columns; cells beyond the data's may be empty
XLSX_MAX_RATIO = 100
XLSX_RATIO_FROM_BYTES = 1 * MB


@dataclass(frozen=True)
class FileLimits:
    columns: int
    rows: int  # record rows, the header not counted
    xlsx_unpacked_bytes: int
    xlsx_strings_bytes: int


def file_limits() -> FileLimits:
    settings = get_settings()
    return FileLimits(
        columns=settings.max_file_columns,
        rows=settings.max_file_rows,
        xlsx_unpacked_bytes=settings.max_xlsx_unpacked_mb * MB,
        xlsx_strings_bytes=settings.max_xlsx_strings_mb * MB,
    )
