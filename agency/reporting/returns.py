"""Return files: for each day of the agency's, one CSV per client of the accounts closed
or recalled that day and returned to it — why (the closing reason code), the final
balance by bucket, what was collected (to us and to the client directly), and the
Reg F itemization data.  The layout is ``COLUMNS``, documented in docs/reporting.md;
amounts in minor units of ``currency``, days ISO, one header row."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from agency.cases.models import CLOSED_STATUSES, Case
from agency.commission.kinds import PaidTo
from agency.commission.models import CommissionEntry
from agency.config import get_settings
from agency.kit import clock
from agency.kit.bulk import one_of
from agency.kit.local_dates import local_date
from agency.kit.spreadsheets import excel_safe

COLUMNS = (
    "client_reference", "case_id", "returned_on", "status", "close_reason", "currency",
    "placed_minor", "principal_minor", "interest_minor", "fees_minor", "balance_minor",
    "collected_to_agency_minor", "collected_direct_minor", "itemization_date",
    "itemization_type", "itemization_amount_minor", "interest_since_minor",
    "fees_since_minor", "payments_since_minor", "credits_since_minor",
)  # fmt: skip
DAYS_LISTED = 31
CHUNK = 1_000


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    return clock.office_span(day, day + timedelta(days=1))


def _returned(client_id: int, start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(Case.client_id == client_id, Case.status.in_(list(CLOSED_STATUSES)),
                Case.closed_at >= start, Case.closed_at < end)  # fmt: skip


def recent_days(db: Session, *, client_id: int, today: date) -> list[tuple[date, int]]:
    """The days of the last month with returns, newest first, and how many each."""
    start, _ = _day_bounds(today - timedelta(days=DAYS_LISTED - 1))
    _, end = _day_bounds(today)
    day = local_date(Case.closed_at, get_settings().time_zone).label("day")
    inner = select(day).where(_returned(client_id, start, end)).subquery()
    query = select(inner.c.day, func.count()).group_by(inner.c.day).order_by(inner.c.day.desc())
    return [(d, n) for d, n in db.execute(query)]


def count_on(db: Session, *, client_id: int, day: date) -> int:
    start, end = _day_bounds(day)
    query = select(func.count()).select_from(Case).where(_returned(client_id, start, end))
    return int(db.scalar(query) or 0)


def csv_chunks(db: Session, *, client_id: int, day: date) -> Iterator[str]:
    """The day's file, a thousand accounts at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    start, end = _day_bounds(day)
    after = 0
    while True:
        cases = list(db.scalars(
            select(Case).where(_returned(client_id, start, end), Case.id > after)
            .order_by(Case.id).limit(CHUNK)
        ))  # fmt: skip
        if not cases:
            break
        after = cases[-1].id
        collected = _collected(db, [c.id for c in cases])
        for c in cases:
            to_us, direct = collected.get(c.id, (0, 0))
            writer.writerow([
                excel_safe(c.client_reference), c.id, day.isoformat(), c.status.value,
                c.close_reason.value if c.close_reason else "", c.currency, c.placed_minor,
                c.principal_minor, c.interest_minor, c.fees_minor,
                c.principal_minor + c.interest_minor + c.fees_minor, to_us, direct,
                c.itemization_date.isoformat() if c.itemization_date else "",
                c.itemization_type.value if c.itemization_type else "",
                "" if c.itemization_amount_minor is None else c.itemization_amount_minor,
                c.interest_since_minor, c.fees_since_minor, c.payments_since_minor,
                c.credits_since_minor,
            ])  # fmt: skip
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def csv_body(bind: Any, *, client_id: int, day: date) -> Iterator[bytes]:
    """``csv_chunks`` as a response body, through a session of its own on ``bind``."""
    with Session(bind) as db:
        for text in csv_chunks(db, client_id=client_id, day=day):
            yield text.encode("utf-8")


def _collected(db: Session, case_ids: list[int]) -> dict[int, tuple[int, int]]:
    e = CommissionEntry
    found: dict[int, list[int]] = {}
    query = (
        select(e.case_id, e.paid_to, func.sum(e.amount_minor))
        .where(one_of(db, e.case_id, case_ids))
        .group_by(e.case_id, e.paid_to)
    )
    for case_id, paid_to, minor in db.execute(query):
        found.setdefault(case_id, [0, 0])[0 if paid_to is PaidTo.AGENCY else 1] = int(minor or 0)
    return {k: (v[0], v[1]) for k, v in found.items()}
