"""A file placement before its run: opened from a file (checked against one sent
before, its copy stored, status ``previewed``) and confirmed (``queued``).

``queue`` confirms a placement for the job to run once the transaction commits;
``mark_queued_here`` confirms one that the command line runs itself.  The run is
``running``'s.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy.orm import Session

from agency.clients.models import Client
from agency.kit import clock
from agency.referrals import reading, repository
from agency.referrals.errors import IntakeError
from agency.referrals.fields import map_header
from agency.referrals.layouts import layout_for
from agency.referrals.models import Layout, Placement, PlacementSource, PlacementStatus
from agency.referrals.rows import kind_of
from agency.referrals.stored_files import file_gone, store_copy
from agency.worker import enqueue

# placements.size_bytes is a 32-bit integer; no file within the row limit comes near.
MAX_FILE_BYTES = 2**31 - 1


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


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
        existing.stored_path = str(store_copy(path, detected))
        existing.stored_at = clock.now()
        db.flush()
        return existing, True
    if layout is None:
        layout = layout_for(db, client, detected.header)
    kind = kind_of(map_header(detected.header, layout.mapping if layout else None))
    stored = store_copy(path, detected)
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


def _expired_preview(placement: Placement) -> bool:
    return placement.status is PlacementStatus.PREVIEWED and placement.stored_path is None


def queue(db: Session, *, placement: Placement, mapping: dict[str, str] | None = None) -> None:
    """Confirm a previewed placement: it runs as a job once this transaction commits."""
    placement = repository.placement_for_update(db, placement.id) or placement
    if placement.status is not PlacementStatus.PREVIEWED:
        raise IntakeError(f"this placement is already {placement.status.value}")
    if placement.stored_path is None:
        raise file_gone()
    if mapping is not None:
        placement.mapping = mapping
    placement.status = PlacementStatus.QUEUED
    db.flush()
    enqueue(db, "agency.referrals.tasks.run_placement", placement.id)


def mark_queued_here(db: Session, *, placement: Placement) -> None:
    """Confirm a placement that this process will run itself (the command line)."""
    if placement.status is not PlacementStatus.PREVIEWED:
        raise IntakeError(f"this placement is already {placement.status.value}")
    placement.status = PlacementStatus.QUEUED
    db.flush()
