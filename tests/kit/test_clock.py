from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from agency.config import Settings, get_settings
from agency.kit import clock
from agency.kit.templates import env


def test_now_is_aware_utc() -> None:
    assert clock.now().tzinfo is UTC


def test_frozen_clock_and_advance() -> None:
    at = datetime(2026, 3, 8, 6, 59, tzinfo=timezone(timedelta(hours=-5)))
    with clock.frozen(at):
        assert clock.now() == datetime(2026, 3, 8, 11, 59, tzinfo=UTC)
        clock.advance(timedelta(minutes=1))
        assert clock.now().minute == 0
    assert clock.now() != datetime(2026, 3, 8, 12, 0, tzinfo=UTC)


def test_frozen_needs_an_aware_datetime() -> None:
    with pytest.raises(ValueError, match="aware"), clock.frozen(datetime(2026, 1, 1)):
        pass


@pytest.fixture
def new_york(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "time_zone", "America/New_York")


def test_today_is_the_agencys_day(new_york: None) -> None:
    # 02:30 UTC on 10 June is 22:30 on 9 June in New York.
    assert clock.today(datetime(2025, 6, 10, 2, 30, tzinfo=UTC)) == (
        datetime(2025, 6, 9, 4, 0, tzinfo=UTC),
        datetime(2025, 6, 10, 4, 0, tzinfo=UTC),
    )
    # The day the clocks go back lasts 25 hours.
    start, end = clock.today(datetime(2025, 11, 2, 12, 0, tzinfo=UTC))
    assert (start, end - start) == (datetime(2025, 11, 2, 4, 0, tzinfo=UTC), timedelta(hours=25))


def test_today_defaults_to_utc() -> None:
    assert clock.today(datetime(2025, 6, 10, 2, 30, tzinfo=UTC))[0] == datetime(
        2025, 6, 10, tzinfo=UTC
    )


def test_screens_show_the_agencys_time_and_compliance_keeps_utc(new_york: None) -> None:
    at = datetime(2025, 6, 9, 18, 0, tzinfo=UTC)
    assert env.from_string("{{ at | when }}").render(at=at) == "2025-06-09 14:00 EDT"
    assert env.from_string("{{ at | when }}").render(at=at.replace(month=1)) == (
        "2025-01-09 13:00 EST"
    )
    assert env.from_string("{{ at | utc }}").render(at=at) == "2025-06-09 18:00 UTC"
    # A date-only format gives the agency's date: 01:00 UTC is still the day before.
    late = datetime(2025, 6, 10, 1, 0, tzinfo=UTC)
    assert env.from_string('{{ at | when("%Y-%m-%d") }}').render(at=late) == "2025-06-09"


def test_an_unknown_time_zone_is_refused_by_name() -> None:
    with pytest.raises(ValidationError, match="'Mars/Olympus' is not a time zone name"):
        Settings(time_zone="Mars/Olympus")
