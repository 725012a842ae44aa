"""A strategy experiment's results by side: how many cases each holds and, for each,
the share contacted, reached (right-party contact), that made a promise or
arrangement, that paid, and the amount collected and commission earned per case — each
with a 95 % interval, and the challenger's difference from the champion with its own.

Everything counts from each case's enrolment (a case enrolled yesterday has had one day)
to now, over the facts the other domains own, read-only:

- **contacted**, **right-party contact**: the ledger holds such an entry about the case
  (``reporting.contacts``);
- **promise**: a promise, plan or settlement made for the case (not one a supervisor
  refused);
- **paid**: a payment posted for the case and not reversed;
- **collected**: the payments posted, less their reversals; **commission**: our
  commission entries on those payments and their reversals.

One SQL statement: a row per enrolled case (index-backed lookups per case), summed by
side — counts, sums and sums of squares, so no case list comes back to Python."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, Select, and_, case, cast, exists, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from agency.commission.models import CommissionEntry
from agency.compliance.models import LedgerCase, LedgerEntry
from agency.outreach.strategies.models import StrategyEnrolment
from agency.payments.kinds import PlanStatus
from agency.payments.models import Payment, PaymentPlan, Reversal
from agency.reporting import contacts, stats
from agency.reporting.stats import Interval, Moments

SIDES = ("champion", "challenger")
SHARES = (
    ("contacted", "Contact rate"),
    ("reached", "Right-party contact rate"),
    ("promised", "Promise rate"),
    ("paid", "Payment rate"),
)
AMOUNTS = (("collected", "Collected per case"), ("commission", "Commission per case"))
FIGURES = SHARES + AMOUNTS  # each figure's key and label, in the order the page shows them


@dataclass(frozen=True, slots=True)
class Side:
    name: str
    cases: int
    shares: dict[str, Interval | None]  # by SHARES' key
    amounts: dict[str, Interval | None]  # by AMOUNTS' key, in minor units
    hits: dict[str, int]
    moments: dict[str, Moments]

    def figure(self, key: str) -> Interval | None:
        return self.shares[key] if key in self.shares else self.amounts[key]


@dataclass(frozen=True, slots=True)
class Results:
    sides: dict[str, Side]
    differences: dict[str, Interval | None]  # the challenger's less the champion's


def _ledger(e: type[StrategyEnrolment], which: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists().where(
        LedgerCase.case_id == e.case_id,
        LedgerCase.at >= e.enrolled_at,
        LedgerEntry.id == LedgerCase.entry_id,
        which,
    )


def _per_case(experiment_id: int) -> Select[tuple[object, ...]]:
    e = StrategyEnrolment
    since = and_(Payment.case_id == e.case_id, Payment.posted_at >= e.enrolled_at)
    reversed_ = exists().where(Reversal.payment_id == Payment.id)
    reversal_amount = (
        select(func.coalesce(func.sum(Reversal.amount_minor), 0))
        .where(Reversal.payment_id == Payment.id)
        .scalar_subquery()
    )
    collected = (
        select(func.coalesce(func.sum(Payment.amount_minor - reversal_amount), 0))
        .where(since)
        .scalar_subquery()
    )
    commission = (
        select(func.coalesce(func.sum(CommissionEntry.commission_minor), 0))
        .join(Payment, Payment.id == CommissionEntry.payment_id)
        .where(CommissionEntry.case_id == e.case_id, since)
        .scalar_subquery()
    )

    def flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return case((condition, 1), else_=0)

    return select(
        e.variant.label("side"),
        flag(_ledger(e, contacts.contacted())).label("contacted"),
        flag(_ledger(e, contacts.reached())).label("reached"),
        flag(
            exists().where(
                PaymentPlan.case_id == e.case_id,
                PaymentPlan.created_at >= e.enrolled_at,
                PaymentPlan.status != PlanStatus.REFUSED,
            )
        ).label("promised"),
        flag(exists().where(since, ~reversed_)).label("paid"),
        collected.label("collected"),
        commission.label("commission"),
    ).where(e.experiment_id == experiment_id)  # fmt: skip


def results(db: Session, experiment_id: int) -> Results:
    rows = _per_case(experiment_id).subquery()
    sums = [func.sum(rows.c[key]).label(key) for key, _ in SHARES]
    for key, _ in AMOUNTS:
        # The amounts summed exactly, in minor units; only their squares (for the
        # intervals, and past a 64-bit integer for large books) as floating point.
        sums.append(func.sum(rows.c[key]).label(key))
        square = cast(rows.c[key], Float) * cast(rows.c[key], Float)
        sums.append(func.sum(square).label(f"{key}_squares"))
    query = select(rows.c.side, func.count().label("cases"), *sums).group_by(rows.c.side)
    found: dict[str, dict[str, Any]] = {row.side: dict(row._mapping) for row in db.execute(query)}
    sides: dict[str, Side] = {}
    for name in SIDES:
        got = found.get(name, {})
        n = int(got.get("cases") or 0)
        hits = {key: int(got.get(key) or 0) for key, _ in SHARES}
        moments = {
            key: Moments(n, int(got.get(key) or 0), float(got.get(f"{key}_squares") or 0))
            for key, _ in AMOUNTS
        }
        sides[name] = Side(
            name=name,
            cases=n,
            shares={key: stats.share(hits[key], n) for key in hits},
            amounts={key: stats.mean(m) for key, m in moments.items()},
            hits=hits,
            moments=moments,
        )
    return Results(sides=sides, differences=_differences(sides["champion"], sides["challenger"]))


def _differences(a: Side, b: Side) -> dict[str, Interval | None]:
    out: dict[str, Interval | None] = {}
    for key, _ in SHARES:
        out[key] = stats.share_difference(b.hits[key], b.cases, a.hits[key], a.cases)
    for key, _ in AMOUNTS:
        out[key] = stats.mean_difference(b.moments[key], a.moments[key])
    return out
