"""Referral intake: check a file, open a placement, run it in batches, account for every row.

A file placement goes: ``open_file_placement`` (read, check, store a copy, status
``previewed``) -> ``queue`` (``queued``, a job after commit) -> the job claims it with
``start_run`` and feeds ``place_batch`` one batch at a time, each batch its own unit of
work committed with the progress counter -> ``finish_run`` (``completed``).  A run that
stops (a crash, a killed worker) leaves only whole batches behind; the periodic
``resume_stalled`` job gives the placement to a new run, which skips the rows already
done.  Nothing is ever half-written: a batch is all there or not at all.

API pushes and dry runs use the same ``place_batch`` inside one transaction.
"""

from __future__ import annotations

import hashlib
import shutil
import uuid
from collections.abc import Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agency.cases import pairs as pairs_service
from agency.cases import service as cases_service
from agency.cases.schemas import Account, Maintenance, Placed, RowError
from agency.clients import service as clients_service
from agency.clients.models import Client
from agency.config import get_settings
from agency.kit import clock
from agency.kit.bulk import insert_rows
from agency.kit.crypto import pii_hash
from agency.kit.forms import FormError
from agency.kit.json_input import bad_character
from agency.kit.sandbox import OverMemory, OverTime, run_bounded
from agency.kit.spreadsheets import excel_safe
from agency.referrals import reading, repository, storing
from agency.referrals.errors import Unreadable
from agency.referrals.fields import BY_NAME, HeaderMapping, header_key, map_header
from agency.referrals.limits import FileLimits, file_limits
from agency.referrals.models import (
    Layout,
    Placement,
    PlacementKind,
    PlacementRejection,
    PlacementSource,
    PlacementStatus,
    ReplacementPolicy,
)
from agency.referrals.reading import Detected
from agency.referrals.schemas import MAX_PUSH
from agency.referrals.validation import RowValidator, Rules, validate_maintenance
from agency.worker import enqueue

REQUIRED = ("client_reference", "principal")
SENSITIVE = frozenset({"national_id", "ssn_last4"})  # never stored, even in rejections
STALE_AFTER = timedelta(minutes=2)
MAX_RESUMES = 3
PREVIEW_ROWS = 20_000
# placements.size_bytes is a 32-bit integer; no file within the row limit comes near.
MAX_FILE_BYTES = 2**31 - 1


class IntakeError(Exception):
    """The placement cannot go ahead; the message says why, for a person."""


@dataclass(frozen=True)
class Row:
    """One row as read: its number, its cells as sent, and its cells by field."""

    number: int
    cells: list[str] | dict[str, Any]
    values: dict[str, str]


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


@dataclass(frozen=True)
class Run:
    """A claimed placement run: what the job needs to read and place the rows."""

    placement_id: int
    runner: str
    client_id: int
    contract_id: int
    path: Path
    sheet: str | None
    detected: Detected
    mapping: dict[str, str]
    rules: Rules
    update_open: bool
    skip_rows: int


# ---- rules, mappings, validators ------------------------------------------------------


def kind_of(mapping: HeaderMapping) -> PlacementKind:
    """A file with an ``action`` column is maintenance of open accounts."""
    return PlacementKind.MAINTENANCE if "action" in mapping.columns else PlacementKind.PLACEMENT


def rules_for(db: Session, client: Client, layout: Layout | None) -> tuple[Rules, int]:
    """The reading rules for ``client`` (with ``layout``) and the contract now in force."""
    contract = clients_service.contract_in_force(db, client=client, day=clock.now().date())
    if contract is None:
        raise IntakeError(
            f"{client.name} has no contract in force today; accounts cannot be placed"
        )
    date_order = layout.date_order if layout else ("mdy" if client.country == "US" else "dmy")
    rules = Rules(
        country=client.country,
        currency=contract.currency,
        creditor=client.legal_name,
        date_order=date_order,
        decimal_comma=bool(layout and layout.decimal_comma),
        drop_bad_contacts=bool(layout and layout.drop_bad_contacts),
        allow_short_rows=bool(layout and layout.allow_short_rows),
    )
    return rules, contract.id


def _validator(mapping: HeaderMapping, rules: Rules) -> RowValidator:
    return RowValidator(mapping, rules, today=clock.now().date(), hash_national_id=pii_hash)


def _file_rows(
    source: Iterable[tuple[int, list[str]]],
    detected: Detected,
    rules: Rules,
    validator: RowValidator,
) -> Generator[Row | RowError, None, None]:
    """The file's rows, or a RowError for a row whose shape is wrong."""
    width = len(detected.header)
    for number, cells in source:
        if len(cells) != width and not (rules.allow_short_rows and len(cells) < width):
            if len(cells) > width and not any(cell.strip() for cell in cells[width:]):
                cells = cells[:width]  # trailing empty cells are harmless
            else:
                yield RowError(number, "", f"expected {width} fields, found {len(cells)}")
                continue
        yield Row(number, cells, validator.cells_of(cells))


def _validate(
    validator: RowValidator, row: Row, *, maintenance: bool
) -> Account | Maintenance | list[RowError]:
    """A row of a placement (new accounts) or of a maintenance file."""
    if maintenance:
        return validate_maintenance(validator, row.number, row.values)
    return validator.validate(row.number, row.values)


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
        items = _file_rows(opened.rows(), detected, job.rules, validator)
        for item in islice(items, job.limit):
            check.checked_rows += 1
            if isinstance(item, RowError):
                check.errors.append(item)
                continue
            result = _validate(validator, item, maintenance=maintenance)
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


# ---- opening and queueing a file placement ---------------------------------------------


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def layout_for(db: Session, client: Client, header: Sequence[str]) -> Layout | None:
    """The client's saved layout that names the most of this file's columns (at least
    half of them), so a merchant's usual export is read its usual way without asking."""
    keys = {header_key(text) for text in header if text.strip()}
    best, best_hits = None, 0
    for layout in repository.layouts_of(db, client.id):
        hits = len(keys & {header_key(column) for column in layout.mapping})
        if hits > best_hits:
            best, best_hits = layout, hits
    return best if keys and best_hits * 2 >= len(keys) else None


def open_file_placement(
    db: Session,
    *,
    client: Client,
    path: Path,
    file_name: str,
    source: PlacementSource,
    layout: Layout | None,
    user_id: int | None,
) -> tuple[Placement, bool]:
    """The placement for this file: the existing one if the client sent this very file
    before (same checksum), else a new one, previewed, with a stored copy of the file.
    An earlier preview of the same file whose copy was deleted unconfirmed (see
    ``expire_stored_files``) takes the new copy, and counts as new.

    Returns (placement, created).  Raises Unreadable for a file that cannot be read.
    """
    if path.stat().st_size > MAX_FILE_BYTES:
        raise reading.Unreadable(f"the file is larger than {MAX_FILE_BYTES // 2**20:,} MB")
    checksum = file_checksum(path)
    existing = repository.placement_by_checksum(db, client.id, checksum)
    if existing is not None and not _expired_preview(existing):
        return existing, False
    detected = reading.detect(path, sheet=layout.sheet if layout else None)
    if existing is not None:  # the same file again, after its unconfirmed copy was let go
        existing.stored_path = str(_store_copy(path, detected))
        existing.stored_at = clock.now()
        db.flush()
        return existing, True
    if layout is None:
        layout = layout_for(db, client, detected.header)
    kind = kind_of(map_header(detected.header, layout.mapping if layout else None))
    stored = _store_copy(path, detected)
    placement = Placement(
        client_id=client.id,
        kind=kind,
        source=source,
        status=PlacementStatus.PREVIEWED,
        file_name=file_name[:255],
        checksum=checksum,
        size_bytes=path.stat().st_size,
        stored_path=str(stored),
        stored_at=clock.now(),
        file_format=detected.file_format,
        encoding=detected.encoding,
        delimiter=detected.delimiter,
        layout_id=layout.id if layout else None,
        mapping=dict(layout.mapping) if layout else {},
        created_by_id=user_id,
        preview={"header": detected.header},
    )
    db.add(placement)
    db.flush()
    return placement, True


def _store_copy(path: Path, detected: Detected) -> Path:
    """A copy of the file in the upload folder, kept until the placement needs it no more."""
    settings = get_settings()
    settings.upload_dir.mkdir(parents=True, exist_ok=True)
    stored = settings.upload_dir / f"{uuid.uuid4().hex}.{detected.file_format}"
    shutil.copyfile(path, stored)
    return stored


def _expired_preview(placement: Placement) -> bool:
    return placement.status is PlacementStatus.PREVIEWED and placement.stored_path is None


def _file_gone() -> IntakeError:
    hours = get_settings().preview_retention_hours
    return IntakeError(
        "this placement's file is no longer kept (a file not confirmed within "
        f"{hours} hours is deleted); upload it again"
    )


def queue(db: Session, *, placement: Placement, mapping: dict[str, str] | None = None) -> None:
    """Confirm a previewed placement: it runs as a job once this transaction commits."""
    placement = repository.placement_for_update(db, placement.id) or placement
    if placement.status is not PlacementStatus.PREVIEWED:
        raise IntakeError(f"this placement is already {placement.status.value}")
    if placement.stored_path is None:
        raise _file_gone()
    if mapping is not None:
        placement.mapping = mapping
    placement.status = PlacementStatus.QUEUED
    db.flush()
    enqueue(db, "agency.referrals.tasks.run_placement", placement.id)


# ---- running a placement ---------------------------------------------------------------


def start_run(db: Session, *, placement_id: int, runner: str) -> Run | None:
    """Claim a queued (or stalled) placement for ``runner``; None when there is nothing
    to do: finished, not confirmed, or another run is alive."""
    placement = repository.placement_for_update(db, placement_id)
    if placement is None or placement.status not in (
        PlacementStatus.QUEUED,
        PlacementStatus.RUNNING,
    ):
        return None
    now = clock.now()
    if placement.status is PlacementStatus.RUNNING:
        if placement.heartbeat_at and now - placement.heartbeat_at < STALE_AFTER:
            return None
        if placement.resumed >= MAX_RESUMES:  # it keeps dying at the same place: stop
            fail_run(
                db,
                placement_id=placement.id,
                reason=(
                    f"it stopped {MAX_RESUMES + 1} times on an internal error; the first "
                    f"{placement.rows_done} rows were dealt with, the rest were not"
                ),
            )
            return None
        placement.resumed += 1
    client = clients_service.get_client(db, client_id=placement.client_id)
    if client is None or placement.stored_path is None:
        raise IntakeError("the placement lost its client or its file")
    layout = (
        repository.layout(db, client.id, layout_id=placement.layout_id)
        if placement.layout_id
        else None
    )
    rules, contract_id = rules_for(db, client, layout)
    placement.status = PlacementStatus.RUNNING
    placement.runner = runner
    placement.started_at = placement.started_at or now
    placement.heartbeat_at = now
    sheet = layout.sheet if layout else None
    with reading.open_file(Path(placement.stored_path), sheet=sheet) as opened:
        detected = opened.detected
        if placement.total_rows is None:  # never previewed (the command line): a file
            placement.total_rows = opened.count_rows()  # beyond the limits places nothing
    db.flush()
    return Run(
        placement_id=placement.id,
        runner=runner,
        client_id=client.id,
        contract_id=contract_id,
        path=Path(placement.stored_path),
        sheet=sheet,
        detected=detected,
        mapping=dict(placement.mapping),
        rules=rules,
        update_open=bool(layout and layout.replacement_policy is ReplacementPolicy.UPDATE),
        skip_rows=placement.rows_done,
    )


class Superseded(Exception):
    """Another run took this placement over; this one stops."""


def run_rows(run: Run) -> Iterator[Row | RowError]:
    """The rows this run still has to place (those of an earlier run are skipped)."""
    mapping = map_header(run.detected.header, run.mapping)
    validator = _validator(mapping, run.rules)
    source = reading.rows(run.path, run.detected, sheet=run.sheet)
    return islice(_file_rows(source, run.detected, run.rules, validator), run.skip_rows, None)


def batches(rows: Iterable[Row | RowError], size: int) -> Iterator[list[Row | RowError]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def place_batch(db: Session, *, run: Run, rows: Sequence[Row | RowError]) -> list[Placed]:
    """Validate and place one batch, record its rejections and advance the counters."""
    placement = repository.placement_for_update(db, run.placement_id)
    if placement is None or placement.runner != run.runner:
        raise Superseded
    mapping = map_header(run.detected.header, run.mapping)
    outcomes = place_rows(
        db,
        placement=placement,
        rows=rows,
        mapping=mapping,
        validator=_validator(mapping, run.rules),
        contract_id=run.contract_id,
        update_open=run.update_open,
    )
    placement.rows_done += len(rows)
    placement.heartbeat_at = clock.now()
    if _doubled(placement.rows_done - len(rows), placement.rows_done):
        # A large placement can grow the tables many times over faster than autovacuum
        # analyzes them; plans made on stale sizes were seen to slow look-ups 100-fold.
        cases_service.refresh_statistics(db)
    db.flush()
    return outcomes


def _doubled(before: int, after: int) -> bool:
    """True once per doubling of the rows done: 1 batch, 2, 4, 8, ... (a few ANALYZEs
    for a million rows)."""
    return before == 0 or after.bit_length() > before.bit_length()


def place_rows(
    db: Session,
    *,
    placement: Placement,
    rows: Sequence[Row | RowError],
    mapping: HeaderMapping,
    validator: RowValidator,
    contract_id: int,
    update_open: bool,
) -> list[Placed]:
    """The heart of intake, shared by files, API pushes and dry runs: validate, place
    the valid rows (a row the database refuses is rejected alone, see ``storing``),
    record the rejections and count."""
    cells_of = {row.number: row.cells for row in rows if isinstance(row, Row)}
    maintenance = placement.kind is PlacementKind.MAINTENANCE
    outcomes: list[Placed] = []
    valid: list[Any] = []
    for row in rows:
        if isinstance(row, RowError):
            outcomes.append(Placed(row.row, "", "rejected", None, (row,)))
            continue
        result = _validate(validator, row, maintenance=maintenance)
        if isinstance(result, list):
            reference = row.values.get("client_reference", "")
            outcomes.append(Placed(row.number, reference, "rejected", None, tuple(result)))
        else:
            valid.append(result)

    def write(items: Sequence[Any]) -> list[Placed]:
        if maintenance:
            return cases_service.apply_maintenance(
                db, client_id=placement.client_id, placement_id=placement.id, items=items
            )
        return cases_service.place_accounts(
            db,
            client_id=placement.client_id,
            contract_id=contract_id,
            placement_id=placement.id,
            accounts=items,
            update_open=update_open,
        )

    placed_rows = storing.store(db, valid, write)
    for placed in placed_rows:
        if placed.status == "rejected":  # refused by the cases domain: use the file's names
            placed = Placed(
                placed.row,
                placed.client_reference,
                "rejected",
                None,
                tuple(
                    RowError(e.row, mapping.labels.get(e.column, e.column), e.message)
                    for e in placed.errors
                ),
            )
        outcomes.append(placed)
    outcomes.sort(key=lambda placed: placed.row)
    rejections = [
        {
            "placement_id": placement.id,
            "row": placed.row,
            "client_reference": (placed.client_reference or None),
            "errors": [{"column": e.column, "message": e.message} for e in placed.errors],
            "cells": _stored_cells(cells_of.get(placed.row), mapping),
        }
        for placed in outcomes
        if placed.status == "rejected"
    ]
    insert_rows(db, PlacementRejection, rejections)
    placement.accepted += sum(placed.status == "accepted" for placed in outcomes)
    placement.replaced += sum(placed.status == "replaced" for placed in outcomes)
    placement.rejected += len(rejections)
    return outcomes


def _stored_cells(
    cells: list[str] | dict[str, Any] | None, mapping: HeaderMapping
) -> list[str] | dict[str, Any]:
    """A rejected row as sent, with national ids blanked: they are never stored."""
    if cells is None:
        return []
    if isinstance(cells, dict):
        return {key: ("" if key in SENSITIVE else value) for key, value in cells.items()}
    hidden = {mapping.columns[name] for name in SENSITIVE if name in mapping.columns}
    return ["" if index in hidden else value for index, value in enumerate(cells)]


def finish_run(db: Session, *, run: Run) -> Placement | None:
    placement = repository.placement_for_update(db, run.placement_id)
    if placement is None or placement.runner != run.runner:
        raise Superseded
    placement.status = PlacementStatus.COMPLETED
    placement.total_rows = placement.rows_done
    placement.finished_at = clock.now()
    placement.runner = None
    _drop_stored_file(placement)
    db.flush()
    return placement


def release_run(db: Session, *, run: Run) -> None:
    """Hand a run's placement back to the queue (the server is stopping): the batches
    done stay, and ``resume_stalled`` gives the rest to a new run, without counting a
    failure."""
    placement = repository.placement_for_update(db, run.placement_id)
    if placement is None or placement.runner != run.runner:
        raise Superseded
    placement.status = PlacementStatus.QUEUED
    placement.runner = None
    placement.heartbeat_at = clock.now()
    db.flush()


def fail_run(db: Session, *, placement_id: int, reason: str) -> None:
    """Give up on a placement: what was placed stays (whole batches), the rest is not."""
    placement = repository.placement_for_update(db, placement_id)
    if placement is None or placement.status.finished:
        return
    placement.status = PlacementStatus.FAILED
    placement.failure = reason[:1000]
    placement.finished_at = clock.now()
    placement.runner = None
    _drop_stored_file(placement)
    db.flush()


def _drop_stored_file(placement: Placement) -> None:
    """The copy of the file is kept only while it is needed (store the minimum)."""
    if placement.stored_path:
        Path(placement.stored_path).unlink(missing_ok=True)
        placement.stored_path = None


def expire_stored_files(db: Session) -> int:
    """Delete the stored copies nobody will use (store the minimum): those of previews
    not confirmed within AGENCY_PREVIEW_RETENTION_HOURS, any a finished placement still
    holds, and files in the upload folder that no placement holds (a request that failed
    after storing its copy) once as old.  Returns how many files were deleted.

    A preview that loses its file keeps its counts and header, not its first rejected
    rows (they quote cells); confirming it says the file is gone, and uploading the same
    file again gives it a new copy.
    """
    settings = get_settings()
    cutoff = clock.now() - timedelta(hours=settings.preview_retention_hours)
    deleted = 0
    for placement in repository.holding_files(db, previewed_before=cutoff):
        _drop_stored_file(placement)
        if placement.preview and any(key in placement.preview for key in QUOTING):
            placement.preview = {k: v for k, v in placement.preview.items() if k not in QUOTING}
        deleted += 1
    db.flush()
    if settings.upload_dir.is_dir():
        held = repository.stored_paths(db)
        for path in settings.upload_dir.iterdir():
            modified = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
            if path.is_file() and str(path) not in held and modified < cutoff:
                path.unlink(missing_ok=True)
                deleted += 1
    return deleted


def resume_stalled(db: Session) -> list[int]:
    """Placements whose run stopped or whose job was lost: queue them again."""
    now = clock.now()
    ids = repository.stalled(
        db, heartbeat_before=now - STALE_AFTER, queued_before=now - STALE_AFTER
    )
    for placement_id in ids:
        enqueue(db, "agency.referrals.tasks.run_placement", placement_id)
    return ids


def field_label(name: str) -> str:
    found = BY_NAME.get(name)
    return found.label if found else name


# ---- synchronous runs: the command line and dry runs ----------------------------------


@dataclass
class Outcome:
    """The accounting of a placement: counts and every rejected row's reasons."""

    placement_id: int | None
    status: str
    accepted: int
    rejected: int
    replaced: int
    errors: list[RowError]
    encoding: str | None
    delimiter: str | None
    file_format: str | None
    dry_run: bool = False
    # possible same people: (reference, other reference, what they share)
    pairs: list[tuple[str, str, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "placement": self.placement_id,
            "status": self.status,
            "dry_run": self.dry_run,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "replaced": self.replaced,
            "format": self.file_format,
            "encoding": self.encoding,
            "delimiter": reading.DELIMITER_NAMES.get(self.delimiter or "", self.delimiter),
            "errors": [
                {"row": e.row, "column": e.column, "message": e.message} for e in self.errors
            ],
            "possible_same_person": [
                {"client_reference": a, "other_client_reference": b, "shares": shared}
                for a, b, shared in self.pairs
            ],
        }


def _pairs_of(db: Session, placement_id: int) -> list[tuple[str, str, str]]:
    return [
        (pair.reference, pair.other_reference, pair.channel)
        for pair in pairs_service.pairs_of_placement(db, placement_id=placement_id, limit=MAX_PUSH)
    ]


def outcome_of(db: Session, placement: Placement) -> Outcome:
    errors = [
        RowError(r.row, error["column"], error["message"])
        for r in repository.rejections(db, placement.id)
        for error in r.errors
    ]
    return Outcome(
        placement.id,
        placement.status.value,
        placement.accepted,
        placement.rejected,
        placement.replaced,
        errors,
        placement.encoding,
        placement.delimiter,
        placement.file_format,
        pairs=_pairs_of(db, placement.id),
    )


def dry_run(db: Session, *, client: Client, path: Path, layout: Layout | None) -> Outcome:
    """Everything a placement would do, inside the caller's transaction, which the caller
    rolls back: the answer is exact (duplicates, re-placements, matching) and nothing is
    written."""
    sheet = layout.sheet if layout else None
    with reading.open_file(path, sheet=sheet) as opened:
        detected = opened.detected
        mapping = map_header(detected.header, layout.mapping if layout else None)
        rules, contract_id = rules_for(db, client, layout)
        validator = _validator(mapping, rules)
        placement = Placement(
            client_id=client.id,
            kind=kind_of(mapping),
            source=PlacementSource.CLI,
            status=PlacementStatus.RUNNING,
            file_name=path.name[:255],
            mapping={},
        )
        db.add(placement)
        db.flush()
        errors: list[RowError] = []
        update_open = bool(layout and layout.replacement_policy is ReplacementPolicy.UPDATE)
        for batch in batches(
            _file_rows(opened.rows(), detected, rules, validator),
            get_settings().placement_batch_rows,
        ):
            for placed in place_rows(
                db,
                placement=placement,
                rows=batch,
                mapping=mapping,
                validator=validator,
                contract_id=contract_id,
                update_open=update_open,
            ):
                errors.extend(placed.errors)
    return Outcome(
        None,
        "dry run",
        placement.accepted,
        placement.rejected,
        placement.replaced,
        errors,
        detected.encoding,
        detected.delimiter,
        detected.file_format,
        True,
        _pairs_of(db, placement.id),
    )


def mark_queued_here(db: Session, *, placement: Placement) -> None:
    """Confirm a placement that this process will run itself (the command line)."""
    if placement.status is not PlacementStatus.PREVIEWED:
        raise IntakeError(f"this placement is already {placement.status.value}")
    placement.status = PlacementStatus.QUEUED
    db.flush()


# ---- the JSON API -------------------------------------------------------------------


class IdempotencyConflict(Exception):
    """The Idempotency-Key was used for another request, or that request is running."""


_API_MAPPING = HeaderMapping(
    columns={f.name: index for index, f in enumerate(BY_NAME.values())},
    labels={name: name for name in BY_NAME},
)


def _json_text(value: Any) -> str | None:
    """A JSON value as the text a file cell would hold; None if it cannot be one.

    A number is written out in full only within 40 digits of the point: ``1e1000000000``
    stays ``1E+1000000000`` (which no parser takes for an amount), never a billion digits.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        in_reach = value.is_finite() and -_JSON_DIGITS < value.adjusted() < _JSON_DIGITS
        return format(value, "f") if in_reach else str(value)
    if isinstance(value, int | str):
        return str(value).strip()
    return None


_JSON_DIGITS = 40


def _json_row(number: int, account: Any) -> Row | RowError:
    if not isinstance(account, dict):
        return RowError(number, "", "each account must be a JSON object")
    values: dict[str, str] = {}
    for key, value in account.items():
        if key not in BY_NAME or key == "action":
            return RowError(number, str(key)[:60], "is not a referral field")
        text = _json_text(value)
        if text is None:
            return RowError(number, key, "must be a string, a number, true/false or null")
        problem = bad_character(text)
        if problem:
            return RowError(number, key, problem)
        values[key] = text
    return Row(number, dict(values), values)


def _placed_json(placed: Placed) -> dict[str, Any]:
    return {
        "row": placed.row,
        "client_reference": placed.client_reference,
        "status": placed.status,
        "case_id": placed.case_id,
        "errors": [{"column": e.column, "message": e.message} for e in placed.errors],
    }


def summary_json(placement: Placement) -> dict[str, Any]:
    return {
        "id": placement.id,
        "kind": placement.kind.value,
        "source": placement.source.value,
        "status": placement.status.value,
        "file_name": placement.file_name,
        "created_at": placement.created_at.isoformat(),
        "finished_at": placement.finished_at.isoformat() if placement.finished_at else None,
        "total_rows": placement.total_rows,
        "rows_done": placement.rows_done,
        "accepted": placement.accepted,
        "rejected": placement.rejected,
        "replaced": placement.replaced,
        "failure": placement.failure,
    }


def push_accounts(
    db: Session,
    *,
    client: Client,
    api_key_id: int,
    accounts: list[Any],
    idempotency_key: str | None,
    request_hash: str,
    layout: Layout | None,
) -> tuple[dict[str, Any], bool]:
    """Place accounts sent as JSON, in this transaction; the answer and whether it is new.

    With an Idempotency-Key, asking again returns the first answer and writes nothing;
    the same key with a different request is refused (IdempotencyConflict).
    """
    if idempotency_key is not None:
        existing = repository.placement_by_idempotency_key(db, client.id, idempotency_key)
        if existing is not None:
            if existing.request_hash != request_hash or existing.response is None:
                raise IdempotencyConflict(
                    "this Idempotency-Key was already used for a different request"
                )
            return existing.response, False
    rules, contract_id = rules_for(db, client, layout)
    now = clock.now()
    placement = Placement(
        client_id=client.id,
        kind=PlacementKind.PLACEMENT,
        source=PlacementSource.API,
        status=PlacementStatus.RUNNING,
        idempotency_key=idempotency_key,
        request_hash=request_hash,
        api_key_id=api_key_id,
        file_format="json",
        total_rows=len(accounts),
        started_at=now,
        heartbeat_at=now,
        mapping={},
        layout_id=layout.id if layout else None,
    )
    try:
        with db.begin_nested():
            db.add(placement)
    except IntegrityError as exc:  # the same key, racing in another request
        raise IdempotencyConflict(
            "a request with this Idempotency-Key is being handled; retry shortly"
        ) from exc
    rows = [_json_row(number, account) for number, account in enumerate(accounts, start=1)]
    outcomes = place_rows(
        db,
        placement=placement,
        rows=rows,
        mapping=_API_MAPPING,
        validator=_validator(_API_MAPPING, rules),
        contract_id=contract_id,
        update_open=bool(layout and layout.replacement_policy is ReplacementPolicy.UPDATE),
    )
    placement.rows_done = len(rows)
    placement.status = PlacementStatus.COMPLETED
    placement.finished_at = clock.now()
    db.flush()
    response = {
        "placement": summary_json(placement),
        "results": [_placed_json(placed) for placed in outcomes],
        "possible_same_person": [
            {"client_reference": a, "other_client_reference": b, "shares": shared}
            for a, b, shared in _pairs_of(db, placement.id)
        ],
    }
    placement.response = response
    db.flush()
    return response, True


def account_action(
    db: Session,
    *,
    client: Client,
    action: str,
    client_reference: str,
    body: dict[str, Any],
) -> Placed:
    """One maintenance instruction for one open account, from the API."""
    rules, _ = rules_for(db, client, None)
    values = {"client_reference": client_reference, "action": action}

    def refused(column: str, message: str) -> Placed:
        return Placed(1, client_reference, "rejected", None, (RowError(1, column, message),))

    if problem := bad_character(client_reference):
        return refused("client_reference", problem)
    for key, value in body.items():
        text = _json_text(value)
        if key not in BY_NAME or key in ("client_reference", "action") or text is None:
            return refused(str(key)[:60], "is not a field of this action")
        if problem := bad_character(text):
            return refused(key, problem)
        values[key] = text
    result = validate_maintenance(_validator(_API_MAPPING, rules), 1, values)
    if isinstance(result, list):
        return Placed(1, client_reference, "rejected", None, tuple(result))
    return cases_service.apply_maintenance(
        db, client_id=client.id, placement_id=None, items=[result]
    )[0]


# ---- the merchant's upload, preview and results ------------------------------------


def refresh_preview(db: Session, *, placement: Placement, client: Client) -> dict[str, Any]:
    """Check the stored file with the placement's mapping and keep what the preview shows."""
    if placement.stored_path is None:
        raise _file_gone()
    layout = (
        repository.layout(db, client.id, layout_id=placement.layout_id)
        if placement.layout_id
        else None
    )
    check = check_file(
        db,
        client=client,
        path=Path(placement.stored_path),
        layout=layout,
        mapping=placement.mapping or None,
    )
    placement.total_rows = check.total_rows
    placement.kind = kind_of(check.mapping)
    placement.preview = {
        "header": check.detected.header,
        "columns": {
            name: check.detected.header[index] for name, index in check.mapping.columns.items()
        },
        "total_rows": check.total_rows,
        "checked_rows": check.checked_rows,
        "valid_rows": check.valid_rows,
        "rejected_rows": check.rejected_rows,
        "errors": [
            {"row": e.row, "column": e.column, "message": e.message[:300]}
            for e in check.errors[:50]
        ],
        "missing": [field_label(name) for name in check.missing],
        "unused": check.mapping.unused,
        "duplicates": check.mapping.duplicates,
        **_pairs_preview(db, client, check.accounts),
    }
    db.flush()
    return placement.preview


PREVIEW_PAIRS = 50
# What a preview holds that quotes the file (names, cells): let go with the file's copy.
QUOTING = ("errors", "pairs")


def _pairs_preview(db: Session, client: Client, accounts: list[Account]) -> dict[str, Any]:
    """The "possible same person" pairs the placement would make (the first 50)."""
    pairs = cases_service.possible_pairs(db, client_id=client.id, accounts=accounts)
    return {
        "pairs_count": len(pairs),
        "pairs": [
            {
                "row": p.row,
                "reference": p.client_reference,
                "name": p.name,
                "other_row": p.other_row,
                "other_reference": p.other_reference,
                "other_name": p.other_name,
                "channel": p.channel,
            }
            for p in pairs[:PREVIEW_PAIRS]
        ],
    }


def _use_mapping(placement: Placement, mapping: dict[str, str]) -> None:
    """Take the merchant's own column mapping (file column -> field, "" to ignore one)."""
    if placement.status is not PlacementStatus.PREVIEWED:
        raise IntakeError(f"this placement is already {placement.status.value}")
    unknown = sorted({name for name in mapping.values() if name and name not in BY_NAME})
    if unknown:
        raise IntakeError(f"unknown fields: {', '.join(unknown)}")
    placement.mapping = mapping


def set_mapping(
    db: Session, *, placement: Placement, client: Client, mapping: dict[str, str]
) -> dict[str, Any]:
    """Check the file again with the merchant's column mapping."""
    _use_mapping(placement, mapping)
    return refresh_preview(db, placement=placement, client=client)


def save_layout(
    db: Session,
    *,
    placement: Placement,
    client: Client,
    mapping: dict[str, str],
    name: str,
    date_order: str,
    replacement_policy: str,
    drop_bad_contacts: bool = False,
    allow_short_rows: bool = False,
    sheet: str | None = None,
) -> Layout:
    """Keep ``mapping`` and these reading rules as the client's layout ``name`` (new or
    replaced), read this placement with it, and check the file once more."""
    name = name.strip()
    if not name or len(name) > 60:
        raise FormError({"layout_name": "is required (at most 60 characters)"})
    if date_order not in ("mdy", "dmy"):
        raise FormError({"date_order": "must be mdy or dmy"})
    if replacement_policy not in {policy.value for policy in ReplacementPolicy}:
        raise FormError({"replacement_policy": "must be reject or update"})
    _use_mapping(placement, mapping)
    layout = repository.layout(db, client.id, name=name)
    if layout is None:
        layout = Layout(client_id=client.id, name=name)
        db.add(layout)
    header = (placement.preview or {}).get("header", [])
    current = map_header(header, mapping or None)
    layout.mapping = {
        text: next((n for n, i in current.columns.items() if i == index), "")
        for index, text in enumerate(header)
    }
    layout.date_order = date_order
    layout.replacement_policy = ReplacementPolicy(replacement_policy)
    layout.drop_bad_contacts = drop_bad_contacts
    layout.allow_short_rows = allow_short_rows
    layout.sheet = (sheet or "").strip()[:100] or None
    db.flush()
    placement.layout_id = layout.id
    placement.mapping = dict(layout.mapping)
    refresh_preview(db, placement=placement, client=client)
    return layout


def rejected_rows_csv(db: Session, *, placement: Placement) -> Iterator[str]:
    """The rejected rows as sent, plus ``error_column`` and ``error_message``, as CSV lines
    safe to open in a spreadsheet (UTF-8 with BOM, formulas neutralized).  The extra
    columns are ignored on upload, so the fixed file can be sent again as it is."""
    import csv
    import io

    header: list[str] = list((placement.preview or {}).get("header") or [])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(cells: list[str]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([excel_safe(str(cell)) for cell in cells])
        return buffer.getvalue()

    after = 0
    first = True
    while True:
        page = repository.rejections(db, placement.id, limit=1000, after_row=after)
        if first:
            if not header and page and isinstance(page[0].cells, dict):
                header = sorted({key for r in page for key in r.cells})
            yield "\ufeff" + line([*header, "error_column", "error_message"])
            first = False
        if not page:
            return
        for rejection in page:
            cells = rejection.cells
            values = (
                [cells.get(name, "") for name in header]
                if isinstance(cells, dict)
                else list(cells) + [""] * (len(header) - len(cells))
            )
            yield line(
                [
                    *values,
                    "; ".join(e["column"] for e in rejection.errors if e["column"]),
                    "; ".join(e["message"] for e in rejection.errors),
                ]
            )
        after = page[-1].row
