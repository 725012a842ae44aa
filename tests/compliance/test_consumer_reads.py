"""The gate's read of consumers: one the session already holds with its contact points
and cases is handed back without a statement (the ORM would return the same object
unchanged); one it holds without them, or not at all, is read."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session, selectinload

from agency.cases.models import Consumer
from agency.compliance import repository
from tests.fixtures.compliance import make_debtor


@contextmanager
def statements(db: Session) -> Iterator[list[str]]:
    """The SQL the session sends meanwhile."""
    seen: list[str] = []

    def note(*args: Any) -> None:
        seen.append(args[2])

    bind = db.get_bind()
    event.listen(bind, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(bind, "before_cursor_execute", note)


def test_a_consumer_held_with_points_and_cases_is_not_read_again(db: Session) -> None:
    held, bare, other = make_debtor(), make_debtor(), make_debtor()
    db.expunge_all()
    loaded = db.scalars(
        select(Consumer)
        .where(Consumer.id == held.consumer.id)
        .options(selectinload(Consumer.contact_points), selectinload(Consumer.cases))
    ).one()
    only_points = db.scalars(
        select(Consumer)
        .where(Consumer.id == bare.consumer.id)
        .options(selectinload(Consumer.contact_points))
    ).one()
    with statements(db) as seen:
        again = repository.consumers_with_points_and_cases(db, [held.consumer.id])
    assert again == {held.consumer.id: loaded} and seen == []
    with statements(db) as seen:
        found = repository.consumers_with_points_and_cases(
            db, [held.consumer.id, bare.consumer.id, other.consumer.id]
        )
    assert len(seen) == 1  # the two not fully held, in one statement
    assert found[bare.consumer.id] is only_points
    assert {c.id for c in found[other.consumer.id].cases} == {other.case.id}
    assert [p.id for p in found[held.consumer.id].contact_points] == [
        p.id for p in loaded.contact_points
    ]
