"""Two admins at once on PostgreSQL (SQLite has one writer): the same period closed
twice at once is closed once — one statement, one remittance — and the other told it
is closed already; one remittance put in two files at once goes in one."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, func, select

from agency.commission.kinds import Frequency, RemittanceMethod
from agency.commission.models import (
    ClientRemittance,
    CommissionPeriod,
    RemittanceFile,
    RemittancePayout,
    Statement,
)
from agency.commission.refusals import StatementRefused
from agency.commission.statements import payouts, periods
from agency.db import session_scope
from tests.commission.conftest import post
from tests.fixtures.factories import CaseFactory, ClientFactory, ContractFactory, bind
from tests.fixtures.threads import at_once

TODAY = date(2026, 12, 6)


@pytest.fixture(autouse=True)
def postgresql_only(bound_engine: Engine) -> None:
    if bound_engine.dialect.name != "postgresql":
        pytest.skip("row locks between two sessions are PostgreSQL's; SQLite has one writer")


def november() -> tuple[int, int]:
    with session_scope() as db:
        bind(db)
        merchant = ClientFactory()
        db.add(ClientRemittance(client_id=merchant.id, frequency=Frequency.MONTHLY,
                                method=RemittanceMethod.CHEQUE, cheque_payee="Acme",
                                cheque_address="1 Main St"))  # fmt: skip
        case = CaseFactory(contract=ContractFactory(client=merchant), principal_minor=10**7)
        period = periods.open_first(db, client_id=merchant.id, starts_on=date(2026, 11, 1),
                                    today=TODAY)  # fmt: skip
        post(db, case, 10_000, date(2026, 11, 10))
        return merchant.id, period.id


def close(client_id: int, period_id: int) -> list[str]:
    with session_scope() as db:
        issued = periods.close(db, client_id=client_id, period_id=period_id,
                               client_currency="USD", today=TODAY, by_user_id=None)  # fmt: skip
        return [s.reference for s in issued]


def test_a_period_closed_twice_at_once_is_closed_once(bound_engine: Engine) -> None:
    client_id, period_id = november()
    results = at_once(lambda: close(client_id, period_id), lambda: close(client_id, period_id))
    refused = [r for r in results if isinstance(r, StatementRefused)]
    assert len(refused) == 1 and refused[0].message == "is closed already"
    with session_scope() as db:
        assert db.scalar(select(func.count()).select_from(Statement)) == 1
        assert db.scalar(select(func.count()).select_from(RemittancePayout)) == 1
        assert db.scalar(select(func.count()).select_from(CommissionPeriod)) == 2  # and December


def test_a_remittance_written_into_two_runs_at_once_is_in_one(bound_engine: Engine) -> None:
    client_id, period_id = november()
    close(client_id, period_id)
    with session_scope() as db:
        payout_id = db.scalars(select(RemittancePayout.id)).one()

    def run() -> int:
        with session_scope() as db:
            written = payouts.write_cheque_run(db, payout_ids=[payout_id], mailed_on=TODAY,
                                               by_user_id=None)  # fmt: skip
            return written.count

    results = at_once(run, run)
    assert sorted(map(type, results), key=str) == sorted([int, StatementRefused], key=str)
    with session_scope() as db:
        assert db.scalar(select(func.count()).select_from(RemittanceFile)) == 1
