"""The statements' invariant over generated payment streams: month after month of
payments (card, ACH, direct) and reversals, some of them late into closed months,
closed each month end; then every to-us payment is remitted exactly once when it has
cleared, net of its commission, every direct payment's commission is invoiced, and the
nightly check finds nothing — until a statement is tampered with."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from agency.commission.kinds import Frequency, PaidTo, RemittanceMethod
from agency.commission.models import (
    ClientRemittance,
    CommissionEntry,
    CommissionPeriod,
    Statement,
    StatementLine,
)
from agency.commission.statements import periods
from agency.commission.statements.invariants import check
from agency.payments.models import PaymentMethod
from tests.commission.conftest import close, post, reverse
from tests.fixtures.factories import CaseFactory, ClientFactory, ContractFactory

MONTHS = [(date(2026, 9, 1), date(2026, 9, 30)), (date(2026, 10, 1), date(2026, 10, 31)),
          (date(2026, 11, 1), date(2026, 11, 30))]  # fmt: skip
METHODS = [PaymentMethod.CARD, PaymentMethod.ACH, PaymentMethod.DIRECT]
payment = st.tuples(st.integers(0, 29), st.integers(1, 500_00), st.sampled_from(METHODS))
reversal = st.tuples(st.integers(0, 40), st.integers(0, 30))  # which payment, days later
month = st.tuples(st.lists(payment, max_size=6), st.lists(reversal, max_size=2))


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(stream=st.lists(month, min_size=3, max_size=3))
def test_every_cleared_payment_is_remitted_once_net_of_commission(
    db: Session, stream: list[tuple[list[tuple[int, int, PaymentMethod]], list[tuple[int, int]]]]
) -> None:
    client = ClientFactory()
    db.add(ClientRemittance(client_id=client.id, frequency=Frequency.MONTHLY,
                            method=RemittanceMethod.ACH))  # fmt: skip
    case = CaseFactory(contract=ContractFactory(client=client), principal_minor=10**9)
    period = periods.open_first(
        db, client_id=client.id, starts_on=MONTHS[0][0], today=date(2026, 12, 6)
    )
    paid: list[tuple[int, date]] = []
    reversed_: set[int] = set()
    for (start, end), (payments, reversals) in zip(MONTHS, stream, strict=True):
        for day, amount, method in sorted(payments):
            on = start + timedelta(days=min(day, (end - start).days))
            extra = {"to_client": True} if method is PaymentMethod.DIRECT else {}
            paid.append((post(db, case, amount, on, method, **extra), on))
        for which, later in reversals:
            if not paid:
                break
            payment_id, on = paid[which % len(paid)]
            if payment_id in reversed_:
                continue
            reversed_.add(payment_id)
            reverse(db, payment_id, on=min(on + timedelta(days=later), end), posted=end)
        close(db, client, period, end + timedelta(days=1))
        following = db.scalar(
            select(CommissionPeriod).where(
                CommissionPeriod.client_id == client.id,
                CommissionPeriod.starts_on == end + timedelta(days=1),
            )
        )
        assert following is not None
        period = following

    assert check(db) == []
    statements = db.scalars(select(Statement).where(Statement.client_id == client.id)).all()
    entries = db.scalars(
        select(CommissionEntry).where(CommissionEntry.client_id == client.id)
    ).all()
    last_day = MONTHS[-1][1]
    to_us = [e for e in entries if e.paid_to is PaidTo.AGENCY and e.clears_on <= last_day]
    direct = [e for e in entries if e.paid_to is PaidTo.CLIENT]
    assert sum(s.released_minor for s in statements) == sum(e.amount_minor for e in to_us)
    assert sum(s.released_commission_minor for s in statements) == sum(
        e.commission_minor for e in to_us
    )
    assert sum(s.remit_minor for s in statements) == sum(
        e.amount_minor - e.commission_minor for e in to_us
    )
    assert sum(s.invoice_minor for s in statements) == sum(e.commission_minor for e in direct)
    assert sum(s.direct_minor for s in statements) == sum(e.amount_minor for e in direct)
    # What was due and what was carried add up to what was remitted.
    final = max(statements, key=lambda s: s.period_id)
    assert sum(s.remittance_due_minor for s in statements) + final.carried_out_minor == sum(
        s.remit_minor for s in statements
    )


def test_the_check_names_a_tampered_statement(db: Session) -> None:
    client = ClientFactory()
    db.add(ClientRemittance(client_id=client.id, frequency=Frequency.MONTHLY,
                            method=RemittanceMethod.ACH))  # fmt: skip
    case = CaseFactory(contract=ContractFactory(client=client), principal_minor=10**9)
    period = periods.open_first(
        db, client_id=client.id, starts_on=MONTHS[2][0], today=date(2026, 12, 6)
    )
    post(db, case, 10_000, date(2026, 11, 10))
    [statement] = close(db, client, period, date(2026, 12, 1))
    assert check(db) == []
    db.execute(update(Statement).where(Statement.id == statement.id).values(remit_minor=7_501))
    db.expire_all()
    [breach] = check(db)
    assert (breach.statement, breach.what) == (
        statement.reference,
        "remit_minor is 7501; its lines give 7500",
    )
    db.execute(update(Statement).where(Statement.id == statement.id).values(remit_minor=7_500))
    db.execute(update(StatementLine).values(commission_minor=2_400, amount_minor=9_900))
    db.expire_all()
    assert [b.what for b in check(db)][-1].startswith("its line of entry ")
    assert "released_minor is 10000; its lines give 9900" in [b.what for b in check(db)]
