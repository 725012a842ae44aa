from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from agency.kit import clock


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
