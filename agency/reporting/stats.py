"""Confidence intervals for the figures a report compares between groups: a share
(Wilson's score interval — honest for small groups and for shares near 0 or 1, where
the normal approximation runs outside [0, 1]), a mean (the normal approximation from
the sample's variance) and the difference of two of either (Newcombe's hybrid score
interval for shares, Welch's standard error for means).  95 % throughout."""

from __future__ import annotations

import math
from dataclasses import dataclass

Z = 1.959963984540054  # the standard normal's 97.5th percentile: a two-sided 95 % interval


@dataclass(frozen=True, slots=True)
class Interval:
    estimate: float
    low: float
    high: float

    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0


def share(hits: int, n: int) -> Interval | None:
    """``hits`` of ``n`` with Wilson's interval; None for an empty group."""
    if n <= 0:
        return None
    if not 0 <= hits <= n:
        raise ValueError(f"{hits} hits of {n}")
    p = hits / n
    z2 = Z * Z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return Interval(p, max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True, slots=True)
class Moments:
    """A group's count, sum and sum of squares: enough for its mean and variance."""

    n: int
    total: float
    squares: float

    @property
    def mean(self) -> float:
        return self.total / self.n

    @property
    def variance(self) -> float:
        """The sample variance (n - 1); 0 for a group of one."""
        if self.n < 2:
            return 0.0
        return max(0.0, (self.squares - self.total * self.total / self.n) / (self.n - 1))


def mean(m: Moments) -> Interval | None:
    if m.n <= 0:
        return None
    half = Z * math.sqrt(m.variance / m.n)
    return Interval(m.mean, m.mean - half, m.mean + half)


def share_difference(hits_b: int, n_b: int, hits_a: int, n_a: int) -> Interval | None:
    """b's share minus a's, with Newcombe's interval (method 10) from both groups'
    Wilson intervals."""
    b, a = share(hits_b, n_b), share(hits_a, n_a)
    if a is None or b is None:
        return None
    d = b.estimate - a.estimate
    low = d - math.sqrt((b.estimate - b.low) ** 2 + (a.high - a.estimate) ** 2)
    high = d + math.sqrt((b.high - b.estimate) ** 2 + (a.estimate - a.low) ** 2)
    return Interval(d, low, high)


def mean_difference(b: Moments, a: Moments) -> Interval | None:
    """b's mean minus a's, with Welch's standard error."""
    if a.n <= 0 or b.n <= 0:
        return None
    d = b.mean - a.mean
    half = Z * math.sqrt(b.variance / b.n + a.variance / a.n)
    return Interval(d, d - half, d + half)
