"""Every partner report's tables as one shape — columns of a kind, rows of cells, the
totals — so the page, its CSV, its XLSX and its PDF show the same numbers, made once
(``reporting.exports`` writes the files; ``templates/reporting/macros.html`` the page).

A cell is a count (int), an amount (Money), a percentage (Decimal, already times 100), a
day or a month (date), text, or None (nothing to show)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from agency.kit.money import Money
from agency.reporting.figures import Month, Overview, RecoveryDay, Vintages

Kind = Literal["text", "count", "money", "percent", "day", "month"]
Cell = str | int | Decimal | date | Money | None


@dataclass(frozen=True, slots=True)
class Column:
    label: str
    kind: Kind


@dataclass(frozen=True, slots=True)
class Table:
    name: str  # the files' stem, e.g. "vintages"
    title: str
    columns: tuple[Column, ...]
    rows: list[tuple[Cell, ...]]
    totals: tuple[Cell, ...] | None = None


def months_table(overview: Overview) -> Table:
    columns = (
        Column("Month", "month"),
        Column("Accounts placed", "count"),
        Column("Placed", "money"),
        Column("Collected", "money"),
        Column("Paid to us", "money"),
        Column("Paid to you directly", "money"),
        Column("Our commission", "money"),
        Column("Remitted to you", "money"),
    )

    def cells(m: Month, first: Cell) -> tuple[Cell, ...]:
        return (first, m.placed_cases, m.placed, m.collected, m.to_us, m.direct, m.commission,
                m.remitted)  # fmt: skip

    return Table(
        "months",
        "By month",
        columns,
        [cells(m, m.month) for m in overview.months],
        cells(overview.totals, "Total"),
    )


def ageing_table(overview: Overview) -> Table:
    columns = (
        Column("Months since placement", "text"),
        Column("Open accounts", "count"),
        Column("Open balance", "money"),
    )
    rows: list[tuple[Cell, ...]] = [(b.label, b.cases, b.balance) for b in overview.bands]
    return Table("ageing", "Open inventory by age", columns, rows,
                 ("Total", overview.open_cases, overview.open_balance))  # fmt: skip


def vintages_table(vintages: Vintages) -> Table:
    columns = (
        Column("Placement month", "month"),
        Column("Accounts", "count"),
        Column("Placed", "money"),
        Column("Collected", "money"),
        *(Column(f"Month {n}", "percent") for n in range(1, vintages.months + 1)),
    )
    rows: list[tuple[Cell, ...]] = []
    for row in vintages.rows:
        padding = (None,) * (vintages.months - len(row.shares))
        rows.append((row.month, row.placed_cases, row.placed, row.collected, *row.shares,
                     *padding))  # fmt: skip
    reference: tuple[Cell, ...] | None = None
    if any(share is not None for share in vintages.reference):
        reference = (f"{vintages.industry} average", None, None, None, *vintages.reference)
    return Table("vintages", "Collected as a share of placed, by months since placement",
                 columns, rows, reference)  # fmt: skip


def recoveries_table(days: list[RecoveryDay], totals: RecoveryDay) -> Table:
    columns = (
        Column("Day", "day"),
        Column("Payments", "count"),
        Column("Paid", "money"),
        Column("Reversals", "count"),
        Column("Reversed", "money"),
        Column("Net", "money"),
        Column("Of which paid to you directly", "money"),
        Column("Our commission", "money"),
    )

    def cells(d: RecoveryDay, first: Cell) -> tuple[Cell, ...]:
        return (first, d.payments, d.paid, d.reversals, d.reversed, d.net, d.direct, d.commission)

    return Table("recoveries", "Payments and reversals by day", columns,
                 [cells(d, d.day) for d in days], cells(totals, "Total"))  # fmt: skip
