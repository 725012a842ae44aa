"""The geometry of the liquidation curves: a line per vintage through its cumulative
share collected at month 1, 2, 3 … since placement, and the industry's average as a
dashed reference, on a y axis of round percentage steps.  Numbers only; the template
draws the SVG (``templates/reporting/vintages.html``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

MAX_CURVES = 12  # eight colours, then the same four dotted


@dataclass(frozen=True, slots=True)
class Curve:
    key: str
    label: str
    css: str
    path: str  # the SVG path's "d"
    points: tuple[tuple[float, float, int, Decimal], ...]  # x, y, month, share
    reference: bool = False


@dataclass(frozen=True, slots=True)
class CurveChart:
    width: int
    height: int
    left: int
    top: int
    plot_width: int
    plot_height: int
    curves: tuple[Curve, ...]
    y_ticks: tuple[tuple[float, int], ...]  # (y, percent)
    x_ticks: tuple[tuple[float, int], ...]  # (x, month)


def _step(highest: Decimal) -> int:
    for step in (1, 2, 5, 10, 20, 25):
        if highest <= step * 5:
            return step
    return 25


def build(
    series: Sequence[tuple[str, str, Sequence[Decimal | None]]],
    months: int,
    reference: tuple[str, Sequence[Decimal | None]] | None = None,
) -> CurveChart:
    """``series``: (key, label, shares at month 1, 2, …) each; ``reference``: (label,
    shares), drawn dashed.  A share of None (not reached yet, or no average) ends or
    skips that point."""
    width, height, left, top, bottom, right = 960, 320, 52, 12, 44, 16
    plot_width, plot_height = width - left - right, height - top - bottom
    every = [*(v for _, _, values in series for v in values if v is not None),
             *(v for v in (reference[1] if reference else ()) if v is not None)]  # fmt: skip
    step = _step(max(every, default=Decimal(0)))
    top_value = max(
        step, -(-int(max(every, default=Decimal(0)).to_integral_value()) // step) * step
    )
    span = max(months - 1, 1)

    def x(month: int) -> float:
        return round(left + plot_width * (month - 1) / span, 2)

    def y(share: Decimal) -> float:
        return round(top + plot_height - plot_height * float(share) / top_value, 2)

    def curve(
        key: str, label: str, css: str, values: Sequence[Decimal | None], dashed: bool
    ) -> Curve:
        points = tuple((x(n), y(v), n, v) for n, v in enumerate(values, start=1) if v is not None)
        path = " ".join(
            f"{'M' if i == 0 else 'L'}{px},{py}" for i, (px, py, _, _) in enumerate(points)
        )
        return Curve(key, label, css, path, points, dashed)

    curves = [curve(key, label, f"curve-{index}", values, False)
              for index, (key, label, values) in enumerate(series[:MAX_CURVES])]  # fmt: skip
    if reference is not None and any(v is not None for v in reference[1]):
        curves.append(curve("reference", reference[0], "curve-reference", reference[1], True))
    y_ticks = tuple((y(Decimal(v)), v) for v in range(0, top_value + 1, step))
    label_every = max(1, -(-months // 12))
    x_ticks = tuple((x(n), n) for n in range(1, months + 1) if (n - 1) % label_every == 0)
    return CurveChart(width, height, left, top, plot_width, plot_height, tuple(curves), y_ticks,
                      x_ticks)  # fmt: skip
