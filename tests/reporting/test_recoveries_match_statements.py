"""The recoveries report over a statement's period gives the statement's numbers to the
minor unit: the payments and reversals it lists for the period, and our commission."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agency.commission.kinds import LineRole
from agency.commission.models import StatementLine
from agency.commission.statements import periods, remittance_settings
from agency.kit import clock
from agency.reporting import figures, refresh
from tests.reporting import world

NOVEMBER = (world.PAID.date().replace(day=1), world.PAID.date().replace(day=30))


def test_the_recoveries_of_a_period_are_its_statements(db: Session) -> None:
    book = world.make_book(db)
    client = book.client
    remittance_settings.save_settings(
        db, client_id=client.id,
        values=remittance_settings.RemittanceInput(frequency="monthly", method="cheque",
                                                   cheque_payee=client.name,
                                                   cheque_address="1 Main St, Springfield"),
        by_user_id=None,
    )  # fmt: skip
    today = world.LATER.date()
    period = periods.open_first(db, client_id=client.id, starts_on=NOVEMBER[0], today=today)
    (statement,) = periods.close(db, client_id=client.id, period_id=period.id,
                                 client_currency="USD", today=today, by_user_id=None)  # fmt: skip
    listed = db.execute(
        select(func.sum(StatementLine.amount_minor), func.sum(StatementLine.commission_minor))
        .where(StatementLine.statement_id == statement.id, StatementLine.role == LineRole.PERIOD)
    ).one()  # fmt: skip
    with clock.frozen(world.LATER + timedelta(hours=1)):
        refresh.refresh(db)
    _, totals = figures.recoveries(db, client_id=client.id, currency="USD", start=NOVEMBER[0],
                                   end=NOVEMBER[1])  # fmt: skip
    assert (totals.net.minor, totals.commission.minor) == (listed[0], listed[1])
    assert totals.net.minor == 12_000 and totals.commission.minor == 3_000
