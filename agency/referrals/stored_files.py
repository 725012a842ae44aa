"""The stored copy of a placement's file: kept only while a placement needs it.

``store_copy`` puts a copy in the upload folder, ``drop_stored_file`` lets it go, and the
hourly ``expire_stored_files`` deletes the copies nobody will use (store the minimum).
"""

from __future__ import annotations

import shutil
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from agency.config import get_settings
from agency.kit import clock
from agency.referrals import repository
from agency.referrals.errors import IntakeError
from agency.referrals.models import Placement
from agency.referrals.reading import Detected

# What a preview holds that quotes the file (names, cells): let go with the file's copy.
QUOTING = ("errors", "pairs")


def store_copy(path: Path, detected: Detected) -> Path:
    """A copy of the file in the upload folder, kept until the placement needs it no more."""
    settings = get_settings()
    settings.upload_dir.mkdir(parents=True, exist_ok=True)
    stored = settings.upload_dir / f"{uuid.uuid4().hex}.{detected.file_format}"
    shutil.copyfile(path, stored)
    return stored


def file_gone() -> IntakeError:
    hours = get_settings().preview_retention_hours
    return IntakeError(
        "this placement's file is no longer kept (a file not confirmed within "
        f"{hours} hours is deleted); upload it again"
    )


def drop_stored_file(placement: Placement) -> None:
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
        drop_stored_file(placement)
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
