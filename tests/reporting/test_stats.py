"""The intervals against published worked examples (Newcombe 1998, Statistics in
Medicine 17: Wilson's interval for single shares, method 10 for their difference)."""

from __future__ import annotations

import math

import pytest

from agency.reporting import stats
from agency.reporting.stats import Moments


def close(interval: stats.Interval | None, estimate: float, low: float, high: float) -> bool:
    assert interval is not None
    got = (interval.estimate, interval.low, interval.high)
    return all(
        math.isclose(a, b, abs_tol=5e-5) for a, b in zip(got, (estimate, low, high), strict=True)
    )


def test_wilson_intervals_match_newcombes_table() -> None:
    assert close(stats.share(81, 263), 0.30798, 0.2553, 0.3662)
    assert close(stats.share(15, 148), 0.10135, 0.0624, 0.1605)
    assert close(stats.share(0, 20), 0.0, 0.0, 0.1611)  # never below 0
    assert close(stats.share(1, 29), 0.03448, 0.0061, 0.1718)
    assert stats.share(0, 0) is None
    with pytest.raises(ValueError):
        stats.share(3, 2)


def test_the_difference_of_shares_matches_newcombes_method_ten() -> None:
    assert close(stats.share_difference(56, 70, 48, 80), 0.2, 0.0524, 0.3339)
    assert close(stats.share_difference(9, 10, 3, 10), 0.6, 0.1705, 0.8090)
    difference = stats.share_difference(56, 70, 48, 80)
    assert difference is not None and difference.excludes_zero()
    same = stats.share_difference(5, 10, 5, 10)
    assert same is not None and not same.excludes_zero()


def test_means_and_their_difference_from_counts_sums_and_squares() -> None:
    values = [1.0, 2.0, 3.0, 4.0]
    m = Moments(len(values), sum(values), sum(v * v for v in values))
    half = stats.Z * math.sqrt((5 / 3) / 4)
    assert close(stats.mean(m), 2.5, 2.5 - half, 2.5 + half)
    assert stats.mean(Moments(0, 0, 0)) is None
    assert Moments(1, 7.0, 49.0).variance == 0.0
    other = Moments(4, 2.0, 1.0 + 1.0)  # 0, 0, 1, 1
    d = stats.mean_difference(m, other)
    half = stats.Z * math.sqrt((5 / 3) / 4 + (1 / 3) / 4)
    assert close(d, 2.0, 2.0 - half, 2.0 + half)
