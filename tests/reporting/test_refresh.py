"""The aggregates equal a raw recomputation from the base rows — after the first build,
after a second wave of payments, contacts, a settlement and a recall (refreshed
incrementally: only the vintages that changed), and after a full rebuild."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from agency.config import get_settings
from agency.kit import clock
from agency.reporting import refresh
from tests.reporting import world
from tests.reporting.world import LATER, PAID


@pytest.fixture(autouse=True)
def new_york(monkeypatch: pytest.MonkeyPatch) -> None:
    """The agency keeps New York's days (months and days change at its midnight)."""
    monkeypatch.setattr(get_settings(), "time_zone", "America/New_York")


def test_the_aggregates_equal_a_recomputation_through_every_change(db: Session) -> None:
    book = world.make_book(db)
    with clock.frozen(PAID + timedelta(hours=3)):
        first = refresh.refresh(db)
    assert first is not None and first.full and first.vintages == 2
    assert world.stored_days(db) == world.raw_days(db)
    assert world.stored_inventory(db) == world.raw_inventory(db)

    world.later_changes(db, book)
    with clock.frozen(LATER + timedelta(minutes=1)):
        second = refresh.refresh(db)
    assert second is not None and not second.full
    assert second.vintages == 2  # both months had something happen
    assert world.stored_days(db) == world.raw_days(db)
    assert world.stored_inventory(db) == world.raw_inventory(db)

    with clock.frozen(LATER + timedelta(minutes=2)):
        third = refresh.refresh(db)  # nothing new since (but the look-back window)
        assert third is not None
        rebuilt = refresh.rebuild_all(db)
    assert rebuilt is not None and rebuilt.full
    assert world.stored_days(db) == world.raw_days(db)


def test_the_days_by_hand(db: Session) -> None:
    """The October vintage was placed at 02:30 UTC on 1 November: 31 October in the
    agency's New York."""
    book = world.make_book(db)
    with clock.frozen(PAID + timedelta(hours=3)):
        refresh.refresh(db)
    days = world.stored_days(db)
    october = (book.client.id, "USD", date(2026, 10, 1))
    november = (book.client.id, "USD", date(2026, 11, 1))
    placed = days[(*october, date(2026, 10, 31))]
    assert (placed["placed_cases"], placed["placed_minor"]) == (2, 150_000)
    called = days[(*october, date(2026, 11, 17))]
    assert (called["contacted"], called["reached"], called["promises"]) == (1, 1, 1)
    paid = days[(*october, date(2026, 11, 18))]
    assert (paid["payments"], paid["payments_minor"]) == (2, 14_000)
    assert (paid["reversals"], paid["reversals_minor"]) == (1, 4_000)
    assert paid["commission_minor"] == 2_500  # 25 % of 100.00 kept; the 40.00 clawed back
    replied = days[(*november, date(2026, 11, 17))]
    assert (replied["contacted"], replied["reached"], replied["plans"]) == (1, 1, 0)
    direct = days[(*november, date(2026, 11, 18))]
    assert (direct["payments_minor"], direct["direct_minor"]) == (2_000, 2_000)
