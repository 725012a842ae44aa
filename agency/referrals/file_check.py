"""Checking a referral file without writing anything: what a preview shows.

``check_file`` reads and validates (up to ``PREVIEW_ROWS`` rows of) a file in a bounded
child process (``kit.sandbox``) and returns a ``FileCheck``: how the file was read, its
counts, its first errors and its valid new accounts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from pathlib import Path

from sqlalchemy.orm import Session

from agency.cases.schemas import Account, RowError
from agency.clients.models import Client
from agency.config import get_settings
from agency.kit import clock
from agency.kit.crypto import pii_hash
from agency.kit.sandbox import OverMemory, OverTime, run_bounded
from agency.referrals import reading
from agency.referrals.errors import Unreadable
from agency.referrals.fields import HeaderMapping, map_header
from agency.referrals.limits import FileLimits, file_limits
from agency.referrals.models import Layout, PlacementKind
from agency.referrals.reading import Detected
from agency.referrals.rows import file_rows, kind_of, rules_for, validate_row
from agency.referrals.validation import RowValidator, Rules

REQUIRED = ("client_reference", "principal")
PREVIEW_ROWS = 20_000


@dataclass
class FileCheck:
    """What a preview shows: how the file was read and what its rows look like."""

    detected: Detected
    mapping: HeaderMapping
    total_rows: int
    checked_rows: int
    valid_rows: int
    errors: list[RowError] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)  # the valid new accounts

    @property
    def rejected_rows(self) -> int:
        return len({error.row for error in self.errors})


def check_file(
    db: Session,
    *,
    client: Client,
    path: Path,
    layout: Layout | None,
    mapping: dict[str, str] | None = None,
    limit: int = PREVIEW_ROWS,
) -> FileCheck:
    """Read and validate (up to ``limit`` rows of) a file without writing anything; the
    rows past ``limit`` are only counted, which is much cheaper than reading them.

    The reading runs in a child process (``kit.sandbox``), bounded by
    ``AGENCY_FILE_CHECK_SECONDS`` and ``AGENCY_FILE_CHECK_MEMORY_MB``: the server's other
    requests keep its interpreter while a large file is read."""
    rules, _ = rules_for(db, client, layout)
    settings = get_settings()
    job = _Check(
        path=path,
        sheet=layout.sheet if layout else None,
        mapping=mapping if mapping is not None else (layout.mapping if layout else None),
        rules=rules,
        today=clock.now().date(),
        limit=limit,
        limits=file_limits(),
    )
    try:
        return run_bounded(
            _check_rows,
            job,
            seconds=settings.file_check_seconds,
            memory_mb=settings.file_check_memory_mb,
        )
    except OverTime:
        raise Unreadable(
            f"checking the file took longer than {settings.file_check_seconds} s; "
            "split it, or send it by the API or the command line"
        ) from None
    except OverMemory:
        raise Unreadable(
            f"checking the file needed more than {settings.file_check_memory_mb} MB of "
            "memory; split it, or save it as CSV"
        ) from None


@dataclass(frozen=True)
class _Check:
    """What a file check needs, as plain values: it crosses into a child process."""

    path: Path
    sheet: str | None
    mapping: dict[str, str] | None
    rules: Rules
    today: date
    limit: int
    limits: FileLimits


def _check_rows(job: _Check) -> FileCheck:
    """``check_file``'s reading, in the child process: no database, no settings that a
    test or an operator may have changed since the child's parent started."""
    with reading.open_file(job.path, sheet=job.sheet, limits=job.limits) as opened:
        detected = opened.detected
        header_map = map_header(detected.header, job.mapping)
        validator = RowValidator(header_map, job.rules, today=job.today, hash_national_id=pii_hash)
        check = FileCheck(detected, header_map, 0, 0, 0, missing=header_map.missing(REQUIRED))
        seen: set[str] = set()
        maintenance = kind_of(header_map) is PlacementKind.MAINTENANCE
        items = file_rows(opened.rows(), detected, job.rules, validator)
        for item in islice(items, job.limit):
            check.checked_rows += 1
            if isinstance(item, RowError):
                check.errors.append(item)
                continue
            result = validate_row(validator, item, maintenance=maintenance)
            if isinstance(result, list):
                check.errors.extend(result)
            elif not maintenance and result.client_reference in seen:
                check.errors.append(
                    RowError(
                        item.number,
                        header_map.labels.get("client_reference", "client_reference"),
                        "duplicate in this file",
                    )
                )
            else:
                seen.add(result.client_reference)
                check.valid_rows += 1
                if isinstance(result, Account):
                    check.accounts.append(result)
        more = next(items, None) is not None
        items.close()
        check.total_rows = opened.count_rows() if more else check.checked_rows
    return check
