"""A client's statement periods: the first opened by an admin, each next one opened
when the one before closes, so that they follow one another and never overlap.

Closing a period (its last day passed, every earlier period closed) issues its
statements and locks it: nothing on them changes, and an entry posted later for one
of its days goes on the next statement as an adjustment.  Only an admin re-opens a
closed period, with a reason, and only the latest and only while its remittance is
unpaid; closing it again issues statements that replace the earlier ones.

The client's remittance settings row is the client's lock: closing and re-opening take
it (``FOR UPDATE`` on PostgreSQL; SQLite has one writer at a time), so two admins
closing the same period at once close it once.  Flushes, never commits."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agency.commission.kinds import PeriodStatus, RemittanceStatus
from agency.commission.models import (
    ClientRemittance,
    CommissionPeriod,
    PeriodEvent,
    RemittancePayout,
    Statement,
)
from agency.commission.refusals import StatementRefused
from agency.commission.statements import queries
from agency.commission.statements.issuing import issue_statements
from agency.commission.statements.lengths import last_day

REASON_MAX = 500


def _settings_locked(db: Session, client_id: int) -> ClientRemittance:
    settings = db.scalar(
        select(ClientRemittance).where(ClientRemittance.client_id == client_id).with_for_update()
    )
    if settings is None:
        raise StatementRefused("remittance", "set how the client is remitted and how often first")
    return settings


def _period_locked(db: Session, client_id: int, period_id: int) -> CommissionPeriod:
    period = db.scalar(
        select(CommissionPeriod)
        .where(CommissionPeriod.id == period_id, CommissionPeriod.client_id == client_id)
        .with_for_update()
        .execution_options(populate_existing=True)  # as the lock holder sees it
    )
    if period is None:
        raise StatementRefused("period", "is not one of this client's periods")
    return period


def open_first(db: Session, *, client_id: int, starts_on: date, today: date) -> CommissionPeriod:
    """The client's first period, from ``starts_on`` (today or earlier): entries
    before it go on its statement as adjustments."""
    settings = _settings_locked(db, client_id)
    if queries.latest(db, client_id) is not None:
        raise StatementRefused("starts_on", "the client has periods already: the next opens itself")
    if starts_on > today:
        raise StatementRefused("starts_on", "cannot be after today")
    period = CommissionPeriod(
        client_id=client_id, starts_on=starts_on, ends_on=last_day(starts_on, settings.frequency)
    )
    try:
        with db.begin_nested():
            db.add(period)
            db.flush()
    except IntegrityError:
        raise StatementRefused(
            "starts_on", "another admin opened the first period just now"
        ) from None
    return period


def close(
    db: Session,
    *,
    client_id: int,
    period_id: int,
    client_currency: str,
    today: date,
    by_user_id: int | None,
) -> list[Statement]:
    """Close the period and issue its statements; the next period opens (if it is not
    open already)."""
    settings = _settings_locked(db, client_id)
    period = _period_locked(db, client_id, period_id)
    if period.status is PeriodStatus.CLOSED:
        raise StatementRefused("period", "is closed already")
    if period.ends_on >= today:
        raise StatementRefused(
            "period", f"runs to {period.ends_on.isoformat()}: close it once that day has passed"
        )
    first_open = queries.earliest_open(db, client_id)
    if first_open is not None and first_open.id != period.id:
        raise StatementRefused(
            "period",
            f"close the period from {first_open.starts_on.isoformat()} first: "
            "periods close in order",
        )
    statements = issue_statements(
        db,
        period,
        client_currency=client_currency,
        method=settings.method,
        by_user_id=by_user_id,
    )
    period.status = PeriodStatus.CLOSED
    db.add(PeriodEvent(period_id=period.id, action="closed", by_id=by_user_id))
    following = period.ends_on + timedelta(days=1)
    exists = db.scalar(
        select(CommissionPeriod.id).where(
            CommissionPeriod.client_id == client_id, CommissionPeriod.starts_on == following
        )
    )
    if exists is None:
        db.add(
            CommissionPeriod(
                client_id=client_id,
                starts_on=following,
                ends_on=last_day(following, settings.frequency),
            )
        )
    db.flush()
    return statements


def reopen(
    db: Session, *, client_id: int, period_id: int, reason: str, by_user_id: int | None
) -> CommissionPeriod:
    """Re-open the client's latest closed period: its statements stop being current
    (their lines may go on the re-issue) and their unpaid remittances are withdrawn."""
    reason = " ".join(reason.split())
    if not reason:
        raise StatementRefused("reason", "say why the period is re-opened")
    if len(reason) > REASON_MAX:
        raise StatementRefused("reason", f"must be at most {REASON_MAX} characters")
    _settings_locked(db, client_id)
    period = _period_locked(db, client_id, period_id)
    if period.status is PeriodStatus.OPEN:
        raise StatementRefused("period", "is open")
    latest_closed = queries.latest(db, client_id, PeriodStatus.CLOSED)
    if latest_closed is None or latest_closed.id != period.id:
        raise StatementRefused(
            "period", "only the latest closed period can be re-opened: later statements build on it"
        )
    statements = queries.statements_of_period(db, period.id, current=True)
    payouts = list(
        db.scalars(
            select(RemittancePayout).where(
                RemittancePayout.statement_id.in_([s.id for s in statements])
            )
        )
    )
    for payout in payouts:
        if payout.status is RemittanceStatus.PAID:
            raise StatementRefused(
                "period",
                f"its remittance {payout.reference} was paid on {payout.paid_on}: "
                "a correction goes on the next statement as an adjustment",
            )
        if payout.status is RemittanceStatus.SENT:
            raise StatementRefused(
                "period",
                f"its remittance {payout.reference} is in a file sent to the bank: mark it "
                "paid once the bank confirms; a correction goes on the next statement",
            )
    for payout in payouts:
        payout.status = RemittanceStatus.WITHDRAWN
    for statement in statements:
        statement.current = False
    period.status = PeriodStatus.OPEN
    db.add(PeriodEvent(period_id=period.id, action="reopened", reason=reason, by_id=by_user_id))
    db.flush()
    return period
