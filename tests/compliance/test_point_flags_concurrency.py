"""Two writers of one contact point's flags at once, on PostgreSQL (SQLite has one
writer): the point has no flags row yet, both facts end up in the one row it gets."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, func, select

from agency.compliance import point_flags, service
from agency.compliance.models import FactKind, PointFlags, Source
from agency.db import session_scope
from agency.kit import clock
from tests.fixtures import factories
from tests.fixtures.compliance import make_person


@pytest.fixture(autouse=True)
def postgresql_only(bound_engine: Engine) -> None:
    if bound_engine.dialect.name != "postgresql":
        pytest.skip("two writing sessions at once are PostgreSQL's; SQLite has one writer")


def seed() -> tuple[int, int]:
    """A consumer and their mobile, which has no flags row."""
    with session_scope() as db:
        factories.bind(db)
        person = make_person()
        return person.consumer.id, person.mobile.id


def flags_row(point_id: int) -> tuple[int, service.Flags]:
    with session_scope() as db:
        rows = db.scalar(select(func.count()).select_from(PointFlags))
        return rows or 0, service.flags_of(db, [point_id])[point_id]


def test_two_facts_recorded_at_once_on_a_point_without_flags_share_its_row(
    bound_engine: Engine,
) -> None:
    consumer_id, point_id = seed()
    start = threading.Barrier(2)

    def record(kind: FactKind) -> None:
        start.wait()
        with session_scope() as db:
            service.record_fact(
                db,
                consumer_id=consumer_id,
                kind=kind,
                actor_id=None,
                source=Source.OFFICER,
                contact_point_id=point_id,
            )

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(record, [FactKind.DO_NOT_CALL, FactKind.OPT_OUT]))
    rows, flags = flags_row(point_id)
    assert rows == 1
    assert (flags.do_not_call, flags.opted_out, flags.consent) == (True, True, False)


def test_a_writer_that_loses_the_race_to_make_the_row_updates_the_winners(
    bound_engine: Engine,
) -> None:
    """Without the consumer's chain lock (which recording takes), the second insert of
    the row fails in its savepoint and the row the first writer made is updated."""
    _consumer_id, point_id = seed()
    first_made_it = threading.Event()

    def first() -> None:
        with session_scope() as db:
            point_flags.apply(db, point_id=point_id, kind=FactKind.DO_NOT_CALL, at=clock.now())
            db.flush()
            first_made_it.set()
            time.sleep(0.5)  # the second writer's insert waits on this row meanwhile

    def second() -> None:
        first_made_it.wait()
        with session_scope() as db:
            point_flags.apply(db, point_id=point_id, kind=FactKind.OPT_OUT, at=clock.now())

    with ThreadPoolExecutor(max_workers=2) as pool:
        for done in [pool.submit(first), pool.submit(second)]:
            done.result()
    rows, flags = flags_row(point_id)
    assert rows == 1
    assert (flags.do_not_call, flags.opted_out) == (True, True)
