"""The partner reports' figures for one client, read from the aggregates alone
(``reporting.models``, kept by ``reporting.refresh``): a page reads a few hundred rows,
never the client's history.

- **overview**: placed, collected (to us and direct), commission and remitted by month;
  the open inventory by its age; contact, right-party contact and liquidation rates;
- **vintages**: for each placement month, the share of what was placed collected by the
  end of month 1 (the placement month), 2, 3 … — and the agency's average for clients
  of the same industry, shown only where at least ``MIN_PEERS`` clients make it up;
- **recoveries**: payments and reversals by day with our commission — by the payments'
  effective days, as the statements list them.

Rates are percentages as ``Decimal`` with one decimal place; None where nothing was
placed.  Collected means payments less reversals."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agency.cases.models import CaseStatus
from agency.clients import service as clients_service
from agency.commission.kinds import RemittanceStatus
from agency.commission.models import RemittancePayout
from agency.kit.local_dates import month_start
from agency.kit.money import Money
from agency.reporting.models import ReportDay, ReportInventory

MIN_PEERS = 5  # an industry average is shown only over at least this many clients
AGE_BANDS = ((3, "Under 3 months"), (6, "3 to 6 months"), (12, "6 to 12 months"),
             (24, "12 to 24 months"), (None, "24 months or more"))  # fmt: skip


def rate(part: int, whole: int) -> Decimal | None:
    """``part`` of ``whole`` as a percentage, one decimal place (half up)."""
    if whole <= 0:
        return None
    return (Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def months_between(earlier: date, later: date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def currencies(db: Session, *, client_id: int) -> list[str]:
    """The currencies the client's reports hold figures in."""
    # The inventory: a row per vintage and status, far fewer than the days.
    query = select(ReportInventory.currency).where(ReportInventory.client_id == client_id)
    query = query.distinct()
    return sorted(db.scalars(query))


@dataclass(frozen=True, slots=True)
class Month:
    month: date | None  # None: the totals
    placed_cases: int
    placed: Money
    collected: Money
    direct: Money
    commission: Money
    remitted: Money

    @property
    def to_us(self) -> Money:
        return self.collected - self.direct

    @property
    def liquidation(self) -> Decimal | None:
        return rate(self.collected.minor, self.placed.minor)


@dataclass(frozen=True, slots=True)
class Band:
    label: str
    cases: int
    balance: Money


@dataclass(frozen=True, slots=True)
class Overview:
    currency: str
    months: list[Month]  # newest first
    totals: Month
    contacted: int
    reached: int
    promises: int
    plans: int
    bands: list[Band]  # the open cases by months since placement

    @property
    def contact_rate(self) -> Decimal | None:
        return rate(self.contacted, self.totals.placed_cases)

    @property
    def reached_rate(self) -> Decimal | None:
        return rate(self.reached, self.totals.placed_cases)

    @property
    def open_cases(self) -> int:
        return sum(band.cases for band in self.bands)

    @property
    def open_balance(self) -> Money:
        return Money(sum(band.balance.minor for band in self.bands), self.currency)


def overview(db: Session, *, client_id: int, currency: str, today: date) -> Overview:
    d = ReportDay
    sums = [func.sum(getattr(d, name)) for name in (
        "placed_cases", "placed_minor", "payments_minor", "reversals_minor", "direct_minor",
        "commission_minor", "contacted", "reached", "promises", "plans")]  # fmt: skip
    mine = (d.client_id == client_id, d.currency == currency)
    by_month: dict[date, list[int]] = {}
    # Placed counts by placement month; money by the month it moved.
    for month, cases, minor in db.execute(
        select(d.placed_month, sums[0], sums[1]).where(*mine).group_by(d.placed_month)
    ):
        by_month.setdefault(month, [0] * 6)[:2] = [int(cases or 0), int(minor or 0)]
    moved = month_start(d.day)
    for month, paid, reversed_, direct, commission in db.execute(
        select(moved, *sums[2:6]).where(*mine).group_by(moved)
    ):
        row = by_month.setdefault(month, [0] * 6)
        row[2:5] = [int(paid or 0) - int(reversed_ or 0), int(direct or 0), int(commission or 0)]
    paid_on = month_start(RemittancePayout.paid_on)
    for month, minor in db.execute(
        select(paid_on, func.sum(RemittancePayout.amount_minor))
        .where(RemittancePayout.client_id == client_id, RemittancePayout.currency == currency,
               RemittancePayout.status == RemittanceStatus.PAID)
        .group_by(paid_on)
    ):  # fmt: skip
        by_month.setdefault(month, [0] * 6)[5] = int(minor or 0)
    months = [_month(currency, month, row) for month, row in sorted(by_month.items(), reverse=True)]
    totals = _month(currency, None, [sum(row[i] for row in by_month.values()) for i in range(6)])
    counts = db.execute(select(*sums[6:]).where(*mine)).one()
    return Overview(
        currency=currency,
        months=months,
        totals=totals,
        contacted=int(counts[0] or 0),
        reached=int(counts[1] or 0),
        promises=int(counts[2] or 0),
        plans=int(counts[3] or 0),
        bands=_bands(db, client_id=client_id, currency=currency, today=today),
    )


def _month(currency: str, month: date | None, row: list[int]) -> Month:
    cases, placed, collected, direct, commission, remitted = row
    return Month(month, cases, *(Money(v, currency) for v in (placed, collected, direct,
                                                             commission, remitted)))  # fmt: skip


def _bands(db: Session, *, client_id: int, currency: str, today: date) -> list[Band]:
    i = ReportInventory
    open_statuses = [s.value for s in CaseStatus if s.is_open]
    found = [[0, 0] for _ in AGE_BANDS]
    for month, cases, minor in db.execute(
        select(i.placed_month, func.sum(i.cases), func.sum(i.balance_minor))
        .where(i.client_id == client_id, i.currency == currency, i.status.in_(open_statuses))
        .group_by(i.placed_month)
    ):
        age = months_between(month, today)
        index = next(n for n, (limit, _) in enumerate(AGE_BANDS) if limit is None or age < limit)
        found[index][0] += int(cases or 0)
        found[index][1] += int(minor or 0)
    return [Band(label, cases, Money(minor, currency))
            for (_, label), (cases, minor) in zip(AGE_BANDS, found, strict=True)]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Vintage:
    month: date
    placed_cases: int
    placed: Money
    collected: Money
    shares: list[Decimal | None]  # cumulative, month 1 first, up to this month


@dataclass(frozen=True, slots=True)
class Vintages:
    currency: str
    rows: list[Vintage]  # oldest first
    months: int  # the longest row's length
    reference: list[Decimal | None]  # the industry's average share at month 1, 2, …
    industry: str


def _curves(
    db: Session, client_ids: list[int], currency: str, today: date
) -> dict[int, dict[date, tuple[int, int, list[int]]]]:
    """Per client, per vintage: cases and amount placed, and the amount collected by the
    end of each month since placement (cumulative, month 1 first, up to today)."""
    d = ReportDay
    moved = month_start(d.day)
    placed: dict[int, dict[date, tuple[int, int]]] = defaultdict(dict)
    for client_id, month, cases, minor in db.execute(
        select(d.client_id, d.placed_month, func.sum(d.placed_cases), func.sum(d.placed_minor))
        .where(d.client_id.in_(client_ids), d.currency == currency)
        .group_by(d.client_id, d.placed_month)
    ):
        placed[client_id][month] = (int(cases or 0), int(minor or 0))
    collected: dict[tuple[int, date], dict[int, int]] = defaultdict(dict)
    for client_id, month, when, paid, reversed_ in db.execute(
        select(d.client_id, d.placed_month, moved, func.sum(d.payments_minor),
               func.sum(d.reversals_minor))
        .where(d.client_id.in_(client_ids), d.currency == currency)
        .group_by(d.client_id, d.placed_month, moved)
    ):  # fmt: skip
        offset = months_between(month, when)
        collected[(client_id, month)][offset] = int(paid or 0) - int(reversed_ or 0)
    curves: dict[int, dict[date, tuple[int, int, list[int]]]] = defaultdict(dict)
    for client_id, vintages in placed.items():
        for month, (cases, minor) in vintages.items():
            moves = collected.get((client_id, month), {})
            running, cumulative = 0, []
            for offset in range(months_between(month, today) + 1):
                running += moves.get(offset, 0)
                cumulative.append(running)
            curves[client_id][month] = (cases, minor, cumulative)
    return curves


def vintages(db: Session, *, client_id: int, industry: str, currency: str, today: date) -> Vintages:
    peers = clients_service.client_ids_in_industry(db, industry=industry)
    curves = _curves(db, sorted(set(peers) | {client_id}), currency, today)
    rows = [
        Vintage(
            month=month,
            placed_cases=cases,
            placed=Money(minor, currency),
            collected=Money(cumulative[-1] if cumulative else 0, currency),
            shares=[rate(amount, minor) for amount in cumulative],
        )
        for month, (cases, minor, cumulative) in sorted(curves.get(client_id, {}).items())
    ]
    longest = max((len(row.shares) for row in rows), default=0)
    return Vintages(currency, rows, longest, _reference(curves, peers, longest), industry)


def _reference(
    curves: dict[int, dict[date, tuple[int, int, list[int]]]], peers: list[int], months: int
) -> list[Decimal | None]:
    """At each month since placement: the mean over the industry's clients of each
    one's share collected by then (its vintages that have reached that month pooled),
    where at least ``MIN_PEERS`` clients have such vintages."""
    reference: list[Decimal | None] = []
    for offset in range(months):
        shares = []
        for peer in peers:
            reached = [(minor, cumulative[offset]) for _, minor, cumulative
                       in curves.get(peer, {}).values() if len(cumulative) > offset]  # fmt: skip
            placed = sum(minor for minor, _ in reached)
            if placed > 0:
                shares.append(Decimal(sum(c for _, c in reached)) / Decimal(placed))
        if len(shares) < MIN_PEERS:
            reference.append(None)
            continue
        mean = 100 * sum(shares, Decimal(0)) / len(shares)
        reference.append(mean.quantize(Decimal("0.1"), ROUND_HALF_UP))
    return reference


@dataclass(frozen=True, slots=True)
class RecoveryDay:
    day: date | None  # None: the totals
    payments: int
    paid: Money
    reversals: int
    reversed: Money
    direct: Money
    commission: Money

    @property
    def net(self) -> Money:
        return self.paid - self.reversed


def recoveries(
    db: Session, *, client_id: int, currency: str, start: date, end: date
) -> tuple[list[RecoveryDay], RecoveryDay]:
    """Each day from ``start`` to ``end`` (inclusive) that money moved, newest first,
    and their totals."""
    d = ReportDay
    names = ("payments", "payments_minor", "reversals", "reversals_minor", "direct_minor",
             "commission_minor")  # fmt: skip
    query = (
        select(d.day, *(func.sum(getattr(d, name)) for name in names))
        .where(d.client_id == client_id, d.currency == currency, d.day >= start, d.day <= end)
        .group_by(d.day)
        .having(func.sum(d.payments) + func.sum(d.reversals) > 0)
        .order_by(d.day.desc())
    )
    days = [_recovery(currency, day, [int(v or 0) for v in values])
            for day, *values in db.execute(query)]  # fmt: skip
    totals = [sum(getattr(row, f) for row in days) for f in ("payments", "reversals")]
    money = [sum((getattr(row, f).minor for row in days), 0)
             for f in ("paid", "reversed", "direct", "commission")]  # fmt: skip
    return days, _recovery(currency, None, [totals[0], money[0], totals[1], *money[1:]])


def _recovery(currency: str, day: date | None, values: list[int]) -> RecoveryDay:
    payments, paid, reversals, reversed_, direct, commission = values
    return RecoveryDay(day, payments, Money(paid, currency), reversals,
                       Money(reversed_, currency), Money(direct, currency),
                       Money(commission, currency))  # fmt: skip
