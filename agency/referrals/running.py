"""Running a confirmed file placement in batches, each its own unit of work.

The job claims the placement with ``start_run`` and feeds ``place_batch`` one batch at a
time, each committed with the progress counter, then ``finish_run`` (``completed``).  A
run that stops (a crash, a killed worker) leaves only whole batches behind; the periodic
``resume_stalled`` gives the placement to a new run, which skips the rows already done.
Nothing is ever half-written: a batch is all there or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from itertools import islice
from pathlib import Path

from sqlalchemy.orm import Session

from agency.cases import service as cases_service
from agency.cases.schemas import Placed, RowError
from agency.clients import service as clients_service
from agency.kit import clock
from agency.referrals import reading, repository
from agency.referrals.errors import IntakeError
from agency.referrals.fields import map_header
from agency.referrals.models import Placement, PlacementStatus, ReplacementPolicy
from agency.referrals.placing import place_rows
from agency.referrals.reading import Detected
from agency.referrals.rows import Row, file_rows, rules_for, validator_for
from agency.referrals.stored_files import drop_stored_file
from agency.referrals.validation import Rules
from agency.worker import enqueue

STALE_AFTER = timedelta(minutes=2)
MAX_RESUMES = 3


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
    validator = validator_for(mapping, run.rules)
    source = reading.rows(run.path, run.detected, sheet=run.sheet)
    return islice(file_rows(source, run.detected, run.rules, validator), run.skip_rows, None)


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
        validator=validator_for(mapping, run.rules),
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


def finish_run(db: Session, *, run: Run) -> Placement | None:
    placement = repository.placement_for_update(db, run.placement_id)
    if placement is None or placement.runner != run.runner:
        raise Superseded
    placement.status = PlacementStatus.COMPLETED
    placement.total_rows = placement.rows_done
    placement.finished_at = clock.now()
    placement.runner = None
    drop_stored_file(placement)
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
    drop_stored_file(placement)
    db.flush()


def resume_stalled(db: Session) -> list[int]:
    """Placements whose run stopped or whose job was lost: queue them again."""
    now = clock.now()
    ids = repository.stalled(
        db, heartbeat_before=now - STALE_AFTER, queued_before=now - STALE_AFTER
    )
    for placement_id in ids:
        enqueue(db, "agency.referrals.tasks.run_placement", placement_id)
    return ids
