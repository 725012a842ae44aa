"""Uploaded files are kept only while a placement needs them: a preview left unconfirmed
loses its copy after AGENCY_PREVIEW_RETENTION_HOURS, and then says so; the same file
uploaded again brings it back.  Through the periodic job, with committed data."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from agency.clients.models import Client
from agency.config import get_settings
from agency.db import session_scope
from agency.kit import clock
from agency.referrals import file_placements, layouts, tasks
from agency.referrals.errors import IntakeError
from agency.referrals.models import Placement, PlacementStatus
from tests.fixtures.referral_files import csv_text, good
from tests.referrals.test_placing import make_client, open_upload, place_file


@pytest.fixture
def uploads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "uploads"
    monkeypatch.setattr(get_settings(), "upload_dir", folder)
    return folder


def preview(tmp_path: Path, client_id: int, text: str, name: str = "f.csv") -> tuple[int, bool]:
    """Upload and preview a file as the browser does; (placement id, created)."""
    placement, created = open_upload(tmp_path, client_id, text, name, preview=True)
    return placement.id, created


def stored(placement_id: int) -> Placement:
    with session_scope() as db:
        placement = db.get(Placement, placement_id)
        assert placement is not None
        db.expunge(placement)
        return placement


def test_an_unconfirmed_preview_loses_its_file_and_says_so(
    bound_engine: Engine, tmp_path: Path, uploads: Path
) -> None:
    client_id = make_client("ACME")
    text = csv_text([good("A1"), good("A2", email="jane@")])
    placement_id, _ = preview(tmp_path, client_id, text)
    kept = stored(placement_id)
    assert kept.stored_path is not None and Path(kept.stored_path).exists()
    assert kept.preview is not None and kept.preview["errors"]

    assert tasks.expire_stored_files() == 0  # within the retention: kept
    with clock.frozen(clock.now() + timedelta(hours=73)):
        assert tasks.expire_stored_files() == 1
    gone = stored(placement_id)
    assert gone.stored_path is None and not Path(kept.stored_path).exists()
    assert gone.status is PlacementStatus.PREVIEWED
    assert gone.preview is not None
    assert "errors" not in gone.preview  # they quote cells: not kept without the file
    assert gone.preview["total_rows"] == 2

    message = (
        "this placement's file is no longer kept (a file not confirmed within 72 hours "
        "is deleted); upload it again"
    )
    with session_scope() as db:
        placement = db.get(Placement, placement_id)
        client = db.get(Client, client_id)
        assert placement is not None and client is not None
        with pytest.raises(IntakeError) as confirming:
            file_placements.queue(db, placement=placement)
        assert str(confirming.value) == message
        with pytest.raises(IntakeError) as remapping:
            layouts.set_mapping(db, placement=placement, client=client, mapping={})
        assert str(remapping.value) == message

    # The same file again: the placement takes the new copy, and is previewed afresh.
    again_id, created = preview(tmp_path, client_id, text, "renamed.csv")
    revived = stored(again_id)
    assert (again_id, created) == (placement_id, True)
    assert revived.stored_path is not None and Path(revived.stored_path).exists()
    assert revived.preview is not None and revived.preview["errors"]


def test_files_nobody_holds_are_deleted_once_old(
    bound_engine: Engine, tmp_path: Path, uploads: Path
) -> None:
    client_id = make_client("ACME")
    placement_id, _ = preview(tmp_path, client_id, csv_text([good("A1")]))
    kept = stored(placement_id).stored_path
    old_stray, new_stray = uploads / "old.csv", uploads / "new.csv"
    old_stray.write_text("a request that failed after storing its copy")
    new_stray.write_text("a request storing its copy right now")
    long_ago = time.time() - 73 * 3600
    os.utime(old_stray, (long_ago, long_ago))
    assert tasks.expire_stored_files() == 1
    assert not old_stray.exists() and new_stray.exists()
    assert kept is not None and Path(kept).exists()


def test_a_finished_placement_keeps_no_file(
    bound_engine: Engine, tmp_path: Path, uploads: Path
) -> None:
    client_id = make_client("ACME")
    placement_id = place_file(tmp_path, client_id, csv_text([good("A1")]))
    leftover = uploads / "leftover.csv"
    leftover.write_text("a copy a finished run failed to delete")
    with session_scope() as db:
        placement = db.get(Placement, placement_id)
        assert placement is not None and placement.status is PlacementStatus.COMPLETED
        placement.stored_path = str(leftover)
    assert tasks.expire_stored_files() == 1
    assert not leftover.exists() and stored(placement_id).stored_path is None


def test_a_previews_possible_same_people_go_with_its_file(
    bound_engine: Engine, tmp_path: Path, uploads: Path
) -> None:
    client_id = make_client("ACME")
    place_file(tmp_path, client_id, csv_text([good("A1")]), "first.csv")
    other = good("A2", first_name="John", last_name="Smith", date_of_birth="")
    placement_id, _ = preview(tmp_path, client_id, csv_text([other]))
    kept = stored(placement_id)
    assert kept.preview is not None and kept.preview["pairs"][0]["other_name"] == "Jane Doe"

    with clock.frozen(clock.now() + timedelta(hours=73)):
        assert tasks.expire_stored_files() == 1
    gone = stored(placement_id)
    assert gone.preview is not None
    assert "pairs" not in gone.preview  # they quote names: not kept without the file
    assert gone.preview["pairs_count"] == 1
