"""Keeping the partner reports' aggregates (``reporting.models``) equal to the facts the
other domains own: cases (cases), the commission ledger (commission: one entry per
payment and per reversal, never changed), the contact ledger (compliance), plans and
promises (payments) — all read here, read-only, and written nowhere else.

The unit is a **vintage**: one client's cases placed in one month of the agency's.  A run
finds the vintages something happened to since a little before the previous run started
— a case placed or changed (its ``updated_at``), a payment or reversal rated, a contact
in the ledger, a plan made or decided — and rebuilds each from the base tables: its days
and its inventory deleted and written anew, so a run is idempotent and a rebuilt vintage
is exactly a recomputation from scratch (``rebuild_all`` does every one; the nightly job
runs it, so even a change the look-back missed is right by morning).

``LOOKBACK`` covers writers whose transaction began before the previous run and committed
after it had looked (their rows carry the earlier time).  One run at a time: on
PostgreSQL an advisory lock, and a run that finds another under way returns at once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple, cast

from sqlalchemy import Select, and_, case, delete, func, insert, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from agency.cases.models import Case
from agency.commission.kinds import PaidTo
from agency.commission.models import CommissionEntry
from agency.compliance.models import LedgerCase, LedgerEntry
from agency.config import get_settings
from agency.kit import clock
from agency.kit.local_dates import local_date, local_month
from agency.payments.kinds import PlanKind, PlanStatus
from agency.payments.models import PaymentPlan
from agency.reporting import contacts
from agency.reporting.models import DAY_MEASURES, ReportDay, ReportInventory, ReportRefresh

LOOKBACK = timedelta(minutes=10)
# pg_try_advisory_xact_lock(classid, objid): "the reports' refresh".
_REFRESH_LOCK = (0x5E90, 1)


class Vintage(NamedTuple):
    client_id: int
    month: date  # its first day


def _zone() -> str:
    return get_settings().time_zone


def _in(vintage: Vintage) -> ColumnElement[bool]:
    """The vintage's cases: the client's, placed in its month of the agency's."""
    following = (vintage.month.replace(day=28) + timedelta(days=4)).replace(day=1)
    start, end = clock.office_span(vintage.month, following)
    return and_(Case.client_id == vintage.client_id, Case.placed_at >= start, Case.placed_at < end)


def _locked(db: Session) -> bool:
    if db.get_bind().dialect.name != "postgresql":
        return True  # SQLite: one writer at a time
    got = db.scalar(text("SELECT pg_try_advisory_xact_lock(:cls, :key)"),
                    {"cls": _REFRESH_LOCK[0], "key": _REFRESH_LOCK[1]})  # fmt: skip
    return bool(got)


def refresh(db: Session) -> ReportRefresh | None:
    """Rebuild the vintages changed since the last run (every vintage on the first);
    None when another run holds the lock."""
    if not _locked(db):
        return None
    started = clock.now()
    since = changes_since(db)
    if since is None:
        return _record(db, started, _rebuild(db, _every(db), full=True), full=True)
    return _record(db, started, _rebuild(db, _changed(db, since)), full=False)


def changes_since(db: Session) -> datetime | None:
    """Where the next run looks for changes from: a little before the last run started
    (None before the first)."""
    last = last_refreshed_at(db)
    return None if last is None else last - LOOKBACK


def rebuild_all(db: Session) -> ReportRefresh | None:
    """Every vintage rebuilt from the base tables (the nightly job; ``agency reporting
    refresh --full``); None when another run holds the lock."""
    if not _locked(db):
        return None
    started = clock.now()
    return _record(db, started, _rebuild(db, _every(db), full=True), full=True)


def _record(db: Session, started: datetime, vintages: int, *, full: bool) -> ReportRefresh:
    run = ReportRefresh(started_at=started, finished_at=clock.now(), vintages=vintages, full=full)
    db.add(run)
    db.flush()
    return run


def last_refreshed_at(db: Session) -> datetime | None:
    """When the figures were last brought up to date (the start of the last run)."""
    return db.scalar(select(func.max(ReportRefresh.started_at)))


def _vintages(db: Session, query: Select[Any]) -> set[Vintage]:
    return {Vintage(client_id, month) for client_id, month in db.execute(query)}


def _of_cases(query: Select[Any]) -> Select[Any]:
    month = local_month(Case.placed_at, _zone())
    return query.add_columns(Case.client_id, month).distinct()


def _every(db: Session) -> set[Vintage]:
    return _vintages(db, _of_cases(select()).select_from(Case))


def _changed(db: Session, since: datetime) -> set[Vintage]:
    found = _vintages(db, _of_cases(select()).where(Case.updated_at >= since))
    found |= _vintages(
        db,
        _of_cases(select())
        .join(CommissionEntry, CommissionEntry.case_id == Case.id)
        .where(CommissionEntry.created_at >= since),
    )
    found |= _vintages(
        db,
        _of_cases(select())
        .join(LedgerCase, LedgerCase.case_id == Case.id)
        .join(LedgerEntry, LedgerEntry.id == LedgerCase.entry_id)
        .where(LedgerEntry.at >= since, LedgerEntry.kind.in_(contacts.KINDS)),
    )
    found |= _vintages(
        db,
        _of_cases(select())
        .join(PaymentPlan, PaymentPlan.case_id == Case.id)
        .where((PaymentPlan.created_at >= since) | (PaymentPlan.decided_at >= since)),
    )
    return found


def _rebuild(db: Session, vintages: Iterable[Vintage], *, full: bool = False) -> int:
    chosen = sorted(vintages)
    if full:
        db.execute(delete(ReportDay))
        db.execute(delete(ReportInventory))
    for vintage in chosen:
        if not full:
            _forget(db, vintage)
        _write(db, vintage)
    return len(chosen)


def _forget(db: Session, vintage: Vintage) -> None:
    for model in (ReportDay, ReportInventory):
        db.execute(
            delete(model).where(
                model.client_id == vintage.client_id, model.placed_month == vintage.month
            )
        )


def _write(db: Session, vintage: Vintage) -> None:
    days: defaultdict[tuple[str, date], dict[str, int]] = defaultdict(dict)
    for query in (_placed(vintage), _first(vintage, "contacted"), _first(vintage, "reached"),
                  _plans(vintage), _money(vintage)):  # fmt: skip
        for row in db.execute(query):
            values = row._mapping
            days[(values["currency"], values["day"])].update(
                {k: int(v or 0) for k, v in values.items() if k in DAY_MEASURES}
            )
    if days:
        db.execute(
            insert(ReportDay),
            [
                {"client_id": vintage.client_id, "currency": currency,
                 "placed_month": vintage.month, "day": day,
                 **{name: got.get(name, 0) for name in DAY_MEASURES}}
                for (currency, day), got in sorted(days.items())
            ],
        )  # fmt: skip
    balance = Case.principal_minor + Case.interest_minor + Case.fees_minor
    inventory = [
        {"client_id": vintage.client_id, "currency": currency, "placed_month": vintage.month,
         "status": status.value, "cases": cases, "balance_minor": int(minor or 0)}
        for currency, status, cases, minor in db.execute(
            select(Case.currency, Case.status, func.count(), func.sum(balance))
            .where(_in(vintage))
            .group_by(Case.currency, Case.status)
        )
    ]  # fmt: skip
    if inventory:
        db.execute(insert(ReportInventory), inventory)


def _placed(vintage: Vintage) -> Select[Any]:
    day = local_date(Case.placed_at, _zone()).label("day")
    inner = select(Case.currency, day, Case.placed_minor).where(_in(vintage)).subquery()
    return select(
        inner.c.currency,
        inner.c.day,
        func.count().label("placed_cases"),
        func.sum(inner.c.placed_minor).label("placed_minor"),
    ).group_by(inner.c.currency, inner.c.day)


def _first(vintage: Vintage, measure: str) -> Select[Any]:
    """How many of the vintage's cases were first contacted (or reached) each day."""
    which = contacts.contacted() if measure == "contacted" else contacts.reached()
    firsts = (
        select(Case.currency, func.min(LedgerCase.at).label("at"))
        .join(LedgerCase, LedgerCase.case_id == Case.id)
        .join(LedgerEntry, LedgerEntry.id == LedgerCase.entry_id)
        .where(_in(vintage), which)
        .group_by(Case.id, Case.currency)
        .subquery()
    )
    days = select(firsts.c.currency, local_date(firsts.c.at, _zone()).label("day")).subquery()
    return select(days.c.currency, days.c.day, func.count().label(measure)).group_by(
        days.c.currency, days.c.day
    )


def _plans(vintage: Vintage) -> Select[Any]:
    made = (
        select(
            Case.currency,
            local_date(PaymentPlan.created_at, _zone()).label("day"),
            PaymentPlan.kind,
        )
        .join(Case, Case.id == PaymentPlan.case_id)
        .where(_in(vintage), PaymentPlan.status != PlanStatus.REFUSED)
        .subquery()
    )
    promise = made.c.kind == PlanKind.PROMISE
    return select(
        made.c.currency,
        made.c.day,
        func.sum(case((promise, 1), else_=0)).label("promises"),
        func.sum(case((promise, 0), else_=1)).label("plans"),
    ).group_by(made.c.currency, made.c.day)


def _money(vintage: Vintage) -> Select[Any]:
    e = CommissionEntry
    payment = e.reversal_id.is_(None)
    query = (
        select(
            e.currency,
            e.on.label("day"),
            func.sum(case((payment, 1), else_=0)).label("payments"),
            func.sum(case((payment, e.amount_minor), else_=0)).label("payments_minor"),
            func.sum(case((payment, 0), else_=1)).label("reversals"),
            func.sum(case((payment, 0), else_=-e.amount_minor)).label("reversals_minor"),
            func.sum(case((e.paid_to == PaidTo.CLIENT, e.amount_minor), else_=0)).label(
                "direct_minor"
            ),
            func.sum(e.commission_minor).label("commission_minor"),
        )
        .join(Case, Case.id == e.case_id)
        .where(_in(vintage))
        .group_by(e.currency, e.on)
    )
    return cast("Select[Any]", query)
