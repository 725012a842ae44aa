"""The commission domain's jobs and command through their real entry points, over a
committed database: the nightly statements check (and ``agency commission check``)
finds nothing, then names a tampered statement; the daily trust reconciliation logs
each difference by kind, amount and day, never a bank line's text."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, select, update
from typer.testing import CliRunner

from agency.cli import app
from agency.commission import tasks
from agency.commission.kinds import Frequency, RemittanceMethod
from agency.commission.models import ClientRemittance, Statement
from agency.commission.statements import periods
from agency.commission.trust.imports import import_statement
from agency.db import session_scope
from agency.kit import clock
from tests.commission.conftest import close, noon, post
from tests.fixtures.factories import CaseFactory, ClientFactory, ContractFactory, bind

TODAY = date(2026, 12, 6)


def committed_november() -> None:
    with session_scope() as db:
        bind(db)
        merchant = ClientFactory()
        db.add(ClientRemittance(client_id=merchant.id, frequency=Frequency.MONTHLY,
                                method=RemittanceMethod.ACH))  # fmt: skip
        case = CaseFactory(contract=ContractFactory(client=merchant), principal_minor=10**7)
        period = periods.open_first(db, client_id=merchant.id, starts_on=date(2026, 11, 1),
                                    today=TODAY)  # fmt: skip
        post(db, case, 10_000, date(2026, 11, 10))
        close(db, merchant, period, date(2026, 12, 1))
        import_statement(
            db,
            data=b"date,amount,reference,description\n2026-11-30,-12.00,,FEE FOR JANE QUILL\n",
            file_name="fee.csv",
            account=None,
            by_user_id=None,
        )


def test_the_statements_check_passes_then_names_a_tampered_statement(
    bound_engine: Engine,
) -> None:
    committed_november()
    runner = CliRunner()
    held = runner.invoke(app, ["commission", "check"])
    assert held.exit_code == 0, held.output
    assert "every statement holds" in held.output
    assert tasks.check_statements.run() == 0
    with session_scope() as db:
        reference = db.scalars(select(Statement.reference)).one()
        db.execute(update(Statement).values(invoice_minor=1))
    broken = runner.invoke(app, ["commission", "check"])
    assert broken.exit_code == 1
    assert broken.output.startswith(f"statement {reference}: invoice_minor is 1; its lines give 0")
    assert tasks.check_statements.run() == 1


def test_the_daily_reconciliation_logs_without_the_banks_text(
    bound_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    committed_november()
    with clock.frozen(noon(TODAY)), caplog.at_level("WARNING", logger="agency.commission"):
        found = tasks.reconcile_trust.run()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "trust reconciliation: bank only -1200 on 2026-11-30" in logged
    assert "trust reconciliation: books only 10000 on 2026-11-10" in logged
    assert "QUILL" not in logged
    assert found == 2
