"""Closing a period issues its statement: what was paid to us and to the client, the
cleared money remitted net of our commission, uncleared money waiting for the next
statement, late entries as adjustments there, the balance carried; closed periods are
locked and re-opened only by an admin with a reason, the re-issue replacing the first."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from agency.cases.models import Case
from agency.clients.models import Client
from agency.commission.kinds import Frequency, LineRole, PeriodStatus, RemittanceStatus
from agency.commission.models import (
    CommissionPeriod,
    PeriodEvent,
    RemittancePayout,
    Statement,
    StatementLine,
)
from agency.commission.refusals import StatementRefused
from agency.commission.statements import periods
from agency.commission.statements.lengths import last_day
from agency.payments.models import PaymentMethod
from tests.commission.conftest import close, post, reverse

NOV = date(2026, 11, 1)


def first(db: Session, merchant: Client, starts_on: date = NOV) -> CommissionPeriod:
    return periods.open_first(
        db, client_id=merchant.id, starts_on=starts_on, today=date(2026, 12, 6)
    )


def roles(db: Session, statement: Statement) -> list[tuple[LineRole, bool, int]]:
    from agency.commission.models import CommissionEntry

    rows = db.execute(
        select(StatementLine.role, StatementLine.remitted, CommissionEntry.amount_minor)
        .join(CommissionEntry, CommissionEntry.id == StatementLine.entry_id)
        .where(StatementLine.statement_id == statement.id)
        .order_by(StatementLine.id)
    )
    return [(role, bool(remitted), amount) for role, remitted, amount in rows]


@pytest.mark.parametrize(
    ("starts", "frequency", "ends"),
    [
        (date(2026, 11, 1), Frequency.MONTHLY, date(2026, 11, 30)),
        (date(2026, 2, 12), Frequency.MONTHLY, date(2026, 2, 28)),  # a first, partial month
        (date(2028, 2, 1), Frequency.MONTHLY, date(2028, 2, 29)),  # a leap year
        (date(2026, 12, 28), Frequency.WEEKLY, date(2027, 1, 3)),
        (date(2026, 12, 21), Frequency.FORTNIGHTLY, date(2027, 1, 3)),
    ],
)
def test_a_period_is_a_week_a_fortnight_or_to_the_months_end(
    starts: date, frequency: Frequency, ends: date
) -> None:
    assert last_day(starts, frequency) == ends


def test_a_statement_remits_cleared_money_net_of_commission(
    db: Session, merchant: Client, case: Case
) -> None:
    period = first(db, merchant)
    post(db, case, 10_000, date(2026, 11, 10))  # card: clears Thursday the 12th
    post(db, case, 20_000, date(2026, 11, 27), PaymentMethod.ACH)  # clears 4 December
    post(db, case, 5_000, date(2026, 11, 15), PaymentMethod.DIRECT, to_client=True)
    post(db, case, 7_000, date(2026, 12, 2))  # the next period's

    [statement] = close(db, merchant, period, date(2026, 12, 1))

    assert (statement.reference, statement.issue, statement.current) == (
        f"S{period.id}-USD-1",
        1,
        True,
    )
    assert roles(db, statement) == [
        (LineRole.PERIOD, True, 10_000),
        (LineRole.PERIOD, False, 5_000),
        (LineRole.PERIOD, False, 20_000),
    ]
    assert statement.to_us_minor == 30_000
    assert statement.uncleared_minor == 20_000
    assert statement.released_minor == 10_000
    assert statement.released_commission_minor == 2_500
    assert statement.remit_minor == 7_500
    assert (statement.direct_minor, statement.direct_commission_minor) == (5_000, 1_250)
    assert statement.invoice_minor == 1_250
    assert (statement.carried_in_minor, statement.remittance_due_minor) == (0, 7_500)
    payout = db.scalar(
        select(RemittancePayout).where(RemittancePayout.statement_id == statement.id)
    )
    assert payout is not None
    assert (payout.amount_minor, payout.status, payout.reference) == (
        7_500,
        RemittanceStatus.DUE,
        statement.reference,
    )
    assert period.status is PeriodStatus.CLOSED
    december = db.scalar(
        select(CommissionPeriod).where(CommissionPeriod.starts_on == date(2026, 12, 1))
    )
    assert december is not None
    assert (december.ends_on, december.status) == (date(2026, 12, 31), PeriodStatus.OPEN)


def test_uncleared_money_and_late_reversals_go_on_the_next_statement(
    db: Session, merchant: Client, case: Case
) -> None:
    november = first(db, merchant)
    card = post(db, case, 10_000, date(2026, 11, 10))
    post(db, case, 20_000, date(2026, 11, 27), PaymentMethod.ACH)
    close(db, merchant, november, date(2026, 12, 1))
    # Posted in December, with effect on a day of the closed November.
    reverse(db, card, on=date(2026, 11, 20), posted=date(2026, 12, 3))
    december = db.scalar(
        select(CommissionPeriod).where(CommissionPeriod.starts_on == date(2026, 12, 1))
    )
    assert december is not None

    [statement] = close(db, merchant, december, date(2027, 1, 2))

    assert roles(db, statement) == [
        (LineRole.RELEASED, True, 20_000),  # the ACH payment, cleared on 4 December
        (LineRole.ADJUSTMENT, True, -10_000),  # the card payment's reversal, in November
    ]
    assert statement.to_us_minor == -10_000
    assert statement.released_minor == 10_000
    assert statement.released_commission_minor == 2_500
    assert statement.remittance_due_minor == 7_500
    # November's statement did not change.
    [nov] = db.scalars(select(Statement).where(Statement.period_id == november.id)).all()
    assert (nov.lines, nov.remittance_due_minor, nov.current) == (2, 7_500, True)


def test_a_negative_remittance_is_carried_to_the_next_statement(
    db: Session, merchant: Client, case: Case
) -> None:
    november = first(db, merchant)
    card = post(db, case, 10_000, date(2026, 11, 10))
    close(db, merchant, november, date(2026, 12, 1))
    reverse(db, card, on=date(2026, 12, 4), posted=date(2026, 12, 4))
    period = db.scalar(
        select(CommissionPeriod).where(CommissionPeriod.starts_on == date(2026, 12, 1))
    )
    assert period is not None
    [dec] = close(db, merchant, period, date(2027, 1, 2))
    assert (dec.remit_minor, dec.remittance_due_minor, dec.carried_out_minor) == (-7_500, 0, -7_500)
    assert (
        db.scalar(select(RemittancePayout).where(RemittancePayout.statement_id == dec.id)) is None
    )
    post(db, case, 40_000, date(2027, 1, 5))
    january = db.scalar(
        select(CommissionPeriod).where(CommissionPeriod.starts_on == date(2027, 1, 1))
    )
    assert january is not None
    [jan] = close(db, merchant, january, date(2027, 2, 1))
    assert (jan.carried_in_minor, jan.remit_minor, jan.remittance_due_minor) == (
        -7_500,
        30_000,
        22_500,
    )


def test_closing_is_refused_before_the_periods_end_twice_and_out_of_order(
    db: Session, merchant: Client, case: Case
) -> None:
    november = first(db, merchant)
    with pytest.raises(StatementRefused, match="runs to 2026-11-30"):
        close(db, merchant, november, date(2026, 11, 30))
    close(db, merchant, november, date(2026, 12, 1))
    with pytest.raises(StatementRefused, match="closed already"):
        close(db, merchant, november, date(2026, 12, 2))
    with pytest.raises(StatementRefused, match="has periods already"):
        first(db, merchant, date(2026, 12, 1))


def test_reopening_needs_a_reason_and_the_reissue_replaces_the_first(
    db: Session, merchant: Client, case: Case
) -> None:
    november = first(db, merchant)
    post(db, case, 10_000, date(2026, 11, 10))
    [issued] = close(db, merchant, november, date(2026, 12, 1))
    with pytest.raises(StatementRefused, match="say why"):
        periods.reopen(
            db, client_id=merchant.id, period_id=november.id, reason="  ", by_user_id=None
        )
    periods.reopen(
        db,
        client_id=merchant.id,
        period_id=november.id,
        reason="a payment was missed",
        by_user_id=None,
    )
    assert (issued.current, november.status) == (False, PeriodStatus.OPEN)
    payout = db.scalar(select(RemittancePayout).where(RemittancePayout.statement_id == issued.id))
    assert payout is not None and payout.status is RemittanceStatus.WITHDRAWN
    post(db, case, 4_000, date(2026, 11, 20))  # the missed payment, entered now

    [reissued] = close(db, merchant, november, date(2026, 12, 2))

    assert (reissued.issue, reissued.replaces_id, reissued.reference) == (
        2,
        issued.id,
        f"S{november.id}-USD-2",
    )
    assert reissued.lines == 2
    assert reissued.remittance_due_minor == 10_500
    events = db.scalars(
        select(PeriodEvent).where(PeriodEvent.period_id == november.id).order_by(PeriodEvent.id)
    )
    assert [(e.action, e.reason) for e in events] == [
        ("closed", ""),
        ("reopened", "a payment was missed"),
        ("closed", ""),
    ]


def test_only_the_latest_closed_period_reopens_and_never_once_paid(
    db: Session, merchant: Client, case: Case
) -> None:
    november = first(db, merchant)
    post(db, case, 10_000, date(2026, 11, 10))
    [nov] = close(db, merchant, november, date(2026, 12, 1))
    december = db.scalar(
        select(CommissionPeriod).where(CommissionPeriod.starts_on == date(2026, 12, 1))
    )
    assert december is not None
    close(db, merchant, december, date(2027, 1, 1))
    with pytest.raises(StatementRefused, match="only the latest closed"):
        periods.reopen(
            db, client_id=merchant.id, period_id=november.id, reason="why", by_user_id=None
        )
    with pytest.raises(StatementRefused, match="is open"):
        january = db.scalar(
            select(CommissionPeriod).where(CommissionPeriod.starts_on == date(2027, 1, 1))
        )
        assert january is not None
        periods.reopen(
            db, client_id=merchant.id, period_id=january.id, reason="why", by_user_id=None
        )
    payout = db.scalar(select(RemittancePayout).where(RemittancePayout.statement_id == nov.id))
    assert payout is not None
    payout.status, payout.paid_on = RemittanceStatus.PAID, date(2026, 12, 3)
    db.flush()
    periods.reopen(
        db, client_id=merchant.id, period_id=december.id, reason="check", by_user_id=None
    )
    close(db, merchant, december, date(2027, 1, 2))
    # December re-opened again: November is the latest closed, and it is paid.
    periods.reopen(
        db, client_id=merchant.id, period_id=december.id, reason="again", by_user_id=None
    )
    with pytest.raises(StatementRefused, match=f"{nov.reference} was paid on 2026-12-03"):
        periods.reopen(
            db, client_id=merchant.id, period_id=november.id, reason="why", by_user_id=None
        )
