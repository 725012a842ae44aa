"""Paying remittances: the cheque run lists each cheque once; a remittance in a file is
never written into another; marking paid needs the bank's reference and a past day;
and a period whose remittance is in a file sent to the bank is not re-opened."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from agency.cases.models import Case
from agency.clients.models import Client
from agency.commission.kinds import RemittanceMethod, RemittanceStatus
from agency.commission.models import RemittancePayout, Statement
from agency.commission.refusals import StatementRefused
from agency.commission.statements import payouts, periods
from agency.commission.statements.remittance_settings import RemittanceInput, save_settings
from tests.commission.conftest import close, post


def due_payout(db: Session, merchant: Client, case: Case) -> RemittancePayout:
    period = periods.open_first(
        db, client_id=merchant.id, starts_on=date(2026, 11, 1), today=date(2026, 12, 6)
    )
    post(db, case, 10_000, date(2026, 11, 10))
    close(db, merchant, period, date(2026, 12, 1))
    return db.scalars(select(RemittancePayout)).one()


def test_a_cheque_run_lists_each_cheque_once(db: Session, merchant: Client, case: Case) -> None:
    save_settings(
        db,
        client_id=merchant.id,
        values=RemittanceInput(
            frequency="monthly",
            method="cheque",
            cheque_payee="Acme Telecom LLC",
            cheque_address="1 Main St\nSpringfield, IL 62701",
        ),
        by_user_id=None,
    )
    payout = due_payout(db, merchant, case)
    assert payout.method is RemittanceMethod.CHEQUE
    written = payouts.write_cheque_run(
        db, payout_ids=[payout.id], mailed_on=date(2026, 12, 7), by_user_id=None
    )
    rows = list(csv.DictReader(io.StringIO(written.files[0].content.decode())))
    assert rows == [
        {
            "reference": payout.reference,
            "payee": "Acme Telecom LLC",
            "address": "1 Main St, Springfield, IL 62701",
            "amount": "75.00",
            "currency": "USD",
            "client_id": str(merchant.id),
        }
    ]
    assert (payout.status, payout.file_id) == (RemittanceStatus.SENT, written.files[0].id)
    with pytest.raises(StatementRefused, match="is sent already: it is not paid twice"):
        payouts.write_cheque_run(
            db, payout_ids=[payout.id], mailed_on=date(2026, 12, 7), by_user_id=None
        )
    with pytest.raises(StatementRefused, match="is in a file sent to the bank"):
        periods.reopen(db, client_id=merchant.id, period_id=_period_of(db, payout.statement_id),
                       reason="check", by_user_id=None)  # fmt: skip


def _period_of(db: Session, statement_id: int) -> int:
    period_id = db.scalar(select(Statement.period_id).where(Statement.id == statement_id))
    assert period_id is not None
    return period_id


def test_an_ach_remittance_is_not_put_in_a_cheque_run(
    db: Session, merchant: Client, case: Case
) -> None:
    payout = due_payout(db, merchant, case)
    with pytest.raises(StatementRefused, match="is paid by ach"):
        payouts.write_cheque_run(
            db, payout_ids=[payout.id], mailed_on=date(2026, 12, 7), by_user_id=None
        )
    with pytest.raises(StatementRefused, match="choose at least one"):
        payouts.write_cheque_run(db, payout_ids=[], mailed_on=date(2026, 12, 7), by_user_id=None)


@pytest.mark.parametrize(
    ("reference", "paid_on", "field"),
    [("  ", date(2026, 12, 5), "bank_reference"), ("TRACE 1", date(2026, 12, 7), "paid_on")],
)
def test_marking_paid_needs_a_reference_and_a_past_day(
    db: Session, merchant: Client, case: Case, reference: str, paid_on: date, field: str
) -> None:
    payout = due_payout(db, merchant, case)
    with pytest.raises(StatementRefused) as refused:
        payouts.mark_paid(db, payout_id=payout.id, bank_reference=reference, paid_on=paid_on,
                          today=date(2026, 12, 6), by_user_id=None)  # fmt: skip
    assert refused.value.field == field
    assert payout.status is RemittanceStatus.DUE
