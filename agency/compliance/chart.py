"""The geometry of the blocked-attempts chart: a stacked bar per day, one segment per
series (a rule, a client or an agent), on a y axis of round steps.  Numbers only; the
template draws the SVG."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Series:
    key: str
    label: str
    title: str  # a longer description (tooltip)
    css: str
    href: str | None  # the ledger search filtered to this series
    counts: dict[str, int]  # day -> count

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True, slots=True)
class Segment:
    series: Series
    count: int
    y: float
    height: float
    href: str | None


@dataclass(frozen=True, slots=True)
class Bar:
    day: str
    x: float
    width: float
    total: int
    segments: tuple[Segment, ...]
    label: str | None  # the x-axis label under this bar, when there is room


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    left: int
    top: int
    plot_width: int
    plot_height: int
    bars: tuple[Bar, ...]
    ticks: tuple[tuple[float, int], ...]  # (y, value)
    maximum: int


def _nice_step(maximum: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, ... that covers ``maximum`` in 5 steps."""
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            if maximum <= factor * magnitude * 5:
                return factor * magnitude
        magnitude *= 10


def build_chart(
    days: Sequence[str], series: Sequence[Series], link: Callable[[Series, str], str | None]
) -> Chart:
    """A stacked bar per day, series bottom-up in the legend's order, on a y axis of
    round steps; ``link`` gives each segment's link.  Geometry only: the template draws
    it."""
    width, height, left, top, bottom, right = 960, 280, 48, 12, 40, 12
    plot_width, plot_height = width - left - right, height - top - bottom
    totals = {day: sum(s.counts.get(day, 0) for s in series) for day in days}
    highest = max(totals.values(), default=0)
    step = _nice_step(max(highest, 1))
    maximum = max(step, -(-highest // step) * step)
    band = plot_width / max(len(days), 1)
    every = max(1, -(-len(days) // 10))  # at most about 10 labels on the x axis
    bars = []
    for index, day in enumerate(days):
        base = float(top + plot_height)
        segments = []
        for one in series:
            count = one.counts.get(day, 0)
            if not count:
                continue
            size = plot_height * count / maximum
            base -= size
            segments.append(
                Segment(
                    series=one,
                    count=count,
                    y=round(base, 2),
                    height=round(size, 2),
                    href=link(one, day),
                )
            )
        bars.append(
            Bar(
                day=day,
                x=round(left + index * band + band * 0.15, 2),
                width=round(band * 0.7, 2),
                total=totals[day],
                segments=tuple(segments),
                label=day[5:] if index % every == 0 else None,
            )
        )
    ticks = tuple(
        (round(top + plot_height - plot_height * value / maximum, 2), value)
        for value in range(0, maximum + 1, step)
    )
    return Chart(width, height, left, top, plot_width, plot_height, tuple(bars), ticks, maximum)
