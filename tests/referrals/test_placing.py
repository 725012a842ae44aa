"""How accepted rows become consumers and cases: matching, zones, contact points, and a
run that stops half-way and is resumed without a half-written case."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import Engine, func, select

from agency.cases.models import Case, CaseStatus, Consumer, ContactPoint
from agency.clients.models import Client
from agency.config import get_settings
from agency.db import session_scope
from agency.kit import clock
from agency.kit.crypto import pii_hash
from agency.referrals import file_placements, previewing, repository, running, tasks
from agency.referrals.models import Layout, Placement, PlacementSource, PlacementStatus
from agency.worker import drain
from tests.fixtures.compliance import flags
from tests.fixtures.factories import ClientFactory, ContractFactory, bind
from tests.fixtures.referral_files import COLUMNS, csv_text, good


def make_client(code: str, country: str = "US", currency: str = "USD") -> int:
    with session_scope() as db:
        bind(db)
        client = ClientFactory(code=code, country=country, currency=currency)
        ContractFactory(client=client, currency=currency, effective_from=date(2020, 1, 1))
        return int(client.id)


def open_upload(
    tmp_path: Path,
    client_id: int,
    text: str,
    name: str = "f.csv",
    *,
    preview: bool = False,
    queue: bool = False,
) -> tuple[Placement, bool]:
    """Open a placement for a file as the web upload does, then preview it or queue it
    to run here (its job not yet run); (placement, created)."""
    path = tmp_path / name
    path.write_text(text)
    with session_scope() as db:
        client = db.get(Client, client_id)
        assert client is not None
        placement, created = file_placements.open_file_placement(
            db,
            client=client,
            path=path,
            file_name=name,
            source=PlacementSource.UPLOAD,
            layout=None,
            user_id=None,
        )
        if preview and created:
            previewing.refresh_preview(db, placement=placement, client=client)
        if queue:
            file_placements.mark_queued_here(db, placement=placement)
    return placement, created


def queue_file(tmp_path: Path, client_id: int, text: str, name: str = "f.csv") -> Placement:
    """Open and queue a placement as the web upload does (its job not yet run)."""
    return open_upload(tmp_path, client_id, text, name, queue=True)[0]


def place_file(tmp_path: Path, client_id: int, text: str, name: str = "f.csv") -> int:
    """Open and queue a placement, then run its job here."""
    placement_id = queue_file(tmp_path, client_id, text, name).id
    tasks.run_placement(placement_id)
    return placement_id


def count(model: type) -> int:
    with session_scope() as db:
        return db.scalar(select(func.count()).select_from(model)) or 0


def test_accepted_rows_become_consumers_cases_and_contact_points(
    bound_engine: Engine,
    tmp_path: Path,
) -> None:
    client_id = make_client("ACME")
    text = csv_text(
        [
            good(
                "A1",
                phone="(415) 555-0188",
                phone_consent="yes",
                email="Jane@Example.COM",
                itemization_date="2026-01-15",
            )
        ]
    )
    placement_id = place_file(tmp_path, client_id, text)
    with session_scope() as db:
        placement = db.get(Placement, placement_id)
        case = db.scalar(select(Case))
        consumer = db.scalar(select(Consumer))
        points = db.scalars(select(ContactPoint).order_by(ContactPoint.id)).all()
        assert placement is not None and case is not None and consumer is not None
        assert (placement.status, placement.accepted, placement.total_rows) == (
            PlacementStatus.COMPLETED,
            1,
            1,
        )
        assert placement.stored_path is None  # the copy of the file is gone once placed
        assert (case.status, case.assigned_agent_id, case.placement_id, case.placement_row) == (
            CaseStatus.NEW,
            None,
            placement_id,
            2,
        )
        assert (case.principal_minor, case.interest_minor, case.placed_minor) == (10000, 500, 10500)
        assert case.itemization_amount_minor == 10500
        assert case.original_creditor == case.current_creditor
        # Zones from the ZIP (Chicago) and from the San Francisco area code.
        assert consumer.timezones == ["America/Chicago", "America/Los_Angeles"]
        phone, email, address = points
        assert (phone.value, phone.line_type, phone.source_client_id) == (
            "+14155550188",
            "fixed_line_or_mobile",
            client_id,
        )
        assert [flags(db, point).consent for point in points] == [True, False, False]
        assert flags(db, phone).consent_at is not None
        assert email.value == "Jane@example.com"
        assert address.value == "1 Main St, Chicago, IL 60601, US"


def test_national_ids_are_kept_only_as_keyed_hashes(bound_engine: Engine, tmp_path: Path) -> None:
    client_id = make_client("ACME")
    text = csv_text(
        [
            good("A1") | {"national_id": "123-45-6789"},
            good("A2", email="bad") | {"national_id": "987-65-4321"},
        ],
        columns=[*COLUMNS, "national_id"],
    )
    placement_id = place_file(tmp_path, client_id, text)
    with session_scope() as db:
        stored = db.scalar(select(Consumer.national_id_hash))
        assert stored == pii_hash("US:id:123456789")  # the keyed hash, never the digits
        rejection = repository.rejections(db, placement_id)[0]
        assert "987-65-4321" not in str(rejection.cells)  # blanked in the rejected row too
        assert rejection.cells[COLUMNS.index("client_reference")] == "A2"


def test_matching_by_national_id_links_across_clients(bound_engine: Engine, tmp_path: Path) -> None:
    first, second = make_client("ONE"), make_client("TWO")
    columns = [*COLUMNS, "ssn_last4"]
    place_file(tmp_path, first, csv_text([good("A1") | {"ssn_last4": "6789"}], columns=columns))
    place_file(
        tmp_path,
        second,
        csv_text(
            [good("B1", phone="(212) 555-0100", email="other@example.com") | {"ssn_last4": "6789"}],
            columns=columns,
        ),
        "g.csv",
    )
    assert (count(Consumer), count(Case)) == (1, 2)
    with session_scope() as db:
        phones = db.execute(
            select(ContactPoint.value, ContactPoint.source_client_id).where(
                ContactPoint.channel == "phone"
            )
        ).all()
    assert sorted(phones) == [("+12125550100", second), ("+13125550123", first)]


def test_matching_by_phone_stays_within_a_client(bound_engine: Engine, tmp_path: Path) -> None:
    first, second = make_client("ONE"), make_client("TWO")
    place_file(tmp_path, first, csv_text([good("A1", first_name="Pat")]))
    place_file(
        tmp_path, first, csv_text([good("A2", first_name="Pat", email="new@example.com")]), "f2.csv"
    )
    assert count(Consumer) == 1  # same phone, same client: the same person
    place_file(tmp_path, second, csv_text([good("B1", email="b1@example.com")]), "g.csv")
    assert count(Consumer) == 2  # the same phone at another client is not matched


def test_one_person_twice_in_one_file_is_one_consumer(bound_engine: Engine, tmp_path: Path) -> None:
    client_id = make_client("ACME")
    place_file(tmp_path, client_id, csv_text([good("A1"), good("A2", email="a1@example.com")]))
    assert (count(Consumer), count(Case)) == (1, 2)


def test_a_run_that_stops_is_resumed_without_half_written_batches(
    bound_engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client_id = make_client("ACME")
    monkeypatch.setattr(get_settings(), "placement_batch_rows", 3)
    rows = [
        good(f"A{n}", email=f"a{n}@example.com", phone=f"(312) 555-01{n:02d}") for n in range(10)
    ]
    rows[4]["email"] = "broken"
    real: Callable[..., Any] = running.place_batch
    calls = {"n": 0}

    def crash_in_second_batch(db: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        result = real(db, **kwargs)
        if calls["n"] == 2:
            db.flush()
            raise RuntimeError("worker killed")  # after writing, before the commit
        return result

    monkeypatch.setattr(running, "place_batch", crash_in_second_batch)
    with pytest.raises(RuntimeError):
        place_file(tmp_path, client_id, csv_text(rows))
    with session_scope() as db:
        placement = db.scalar(select(Placement))
        assert placement is not None
        assert (placement.status, placement.rows_done, placement.accepted) == (
            PlacementStatus.RUNNING,
            3,
            3,
        )
        assert db.scalar(select(func.count()).select_from(Case)) == 3  # batch 2 left nothing
        placement_id = placement.id

    # A live run is not disturbed; once its heartbeat is stale, the periodic job resumes it.
    with session_scope() as db:
        assert running.resume_stalled(db) == []
    monkeypatch.setattr(running, "place_batch", real)
    with clock.frozen(clock.now() + timedelta(minutes=3)):
        with session_scope() as db:
            assert running.resume_stalled(db) == [placement_id]
        drain()  # the job it queued runs on the in-process job thread
    with session_scope() as db:
        placement = db.get(Placement, placement_id)
        assert placement is not None
        assert (placement.status, placement.accepted, placement.rejected, placement.resumed) == (
            PlacementStatus.COMPLETED,
            9,
            1,
            1,
        )
        references = sorted(db.scalars(select(Case.client_reference)))
    assert references == sorted(f"A{n}" for n in range(10) if n != 4)


def test_an_unreadable_stored_file_fails_the_placement_and_says_why(
    bound_engine: Engine,
    tmp_path: Path,
) -> None:
    client_id = make_client("ACME")
    queued = queue_file(tmp_path, client_id, csv_text([good("A1")]))
    assert queued.stored_path is not None
    Path(queued.stored_path).write_bytes(b"")
    placement_id = queued.id
    tasks.run_placement(placement_id)
    with session_scope() as db:
        placement = db.get(Placement, placement_id)
        assert placement is not None
        assert placement.status is PlacementStatus.FAILED
        assert placement.failure == "the file is empty (0 bytes)"


def test_a_run_that_keeps_dying_is_given_up_and_says_so(
    bound_engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client_id = make_client("ACME")

    def always_dies(db: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a fault at the same row every time")

    monkeypatch.setattr(running, "place_batch", always_dies)
    with pytest.raises(RuntimeError):
        place_file(tmp_path, client_id, csv_text([good("A1")]))
    at = clock.now()
    for _ in range(running.MAX_RESUMES + 1):
        at += timedelta(minutes=3)
        with clock.frozen(at):
            with session_scope() as db:
                running.resume_stalled(db)
            drain()
    with session_scope() as db:
        placement = db.scalar(select(Placement))
        assert placement is not None
        assert (placement.status, placement.resumed) == (PlacementStatus.FAILED, 3)
        assert placement.failure == (
            "it stopped 4 times on an internal error; the first 0 rows "
            "were dealt with, the rest were not"
        )


def test_a_run_reads_the_sheet_its_layout_names(bound_engine: Engine, tmp_path: Path) -> None:
    """The preview and the run read the same sheet (the run used to read the first)."""
    client_id = make_client("ACME")
    book = Workbook()
    first = book.active
    assert first is not None
    first.title = "Notes"
    first.append(["nothing to place"])
    second = book.create_sheet("Accounts")
    second.append(["Account Number", "First Name", "Last Name", "ZIP", "State", "Principal"])
    second.append(["S1", "Ann", "Lee", "60601", "IL", 10])
    path = tmp_path / "book.xlsx"
    book.save(path)
    with session_scope() as db:
        client = db.get(Client, client_id)
        assert client is not None
        layout = Layout(client_id=client_id, name="two sheets", mapping={}, sheet="Accounts")
        db.add(layout)
        db.flush()
        placement, _ = file_placements.open_file_placement(
            db,
            client=client,
            path=path,
            file_name="book.xlsx",
            source=PlacementSource.UPLOAD,
            layout=layout,
            user_id=None,
        )
        file_placements.mark_queued_here(db, placement=placement)
        placement_id = placement.id
    tasks.run_placement(placement_id)
    with session_scope() as db:
        done = db.get(Placement, placement_id)
        assert done is not None
        assert (done.status, done.rejected) == (PlacementStatus.COMPLETED, 1)
        (rejection,) = repository.rejections(db, placement_id)
        assert rejection.cells[0] == "S1"  # a row of the "Accounts" sheet
