"""The trust account: a movement with every payment to us, its reversal and each
remittance paid; commission moved to operating at most as earned, never from operating
into trust; the bank's statement imported once a day; and the daily three-way
reconciliation listing each difference with its date and amount, and late deposits."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from agency.cases.models import Case
from agency.clients.models import Client
from agency.commission.bank_statement import StatementError
from agency.commission.kinds import TrustKind
from agency.commission.models import RemittancePayout
from agency.commission.reconcile import BANK_ONLY, BOOKS_ONLY, SUB_LEDGERS
from agency.commission.refusals import StatementRefused
from agency.commission.statements import payouts, periods
from agency.commission.trust import ledger
from agency.commission.trust.imports import import_statement
from agency.commission.trust.models import TrustMovement
from agency.commission.trust.report import trust_report
from agency.payments.models import PaymentMethod
from tests.commission.conftest import close, post, reverse

TODAY = date(2026, 12, 6)


def movements(db: Session) -> list[tuple[TrustKind, int, str, str | None]]:
    rows = db.scalars(select(TrustMovement).order_by(TrustMovement.id))
    return [(m.kind, m.amount_minor, m.reference, m.region) for m in rows]


def november(db: Session, merchant: Client, case: Case) -> tuple[int, RemittancePayout]:
    """A card payment in November, its statement closed, its remittance paid."""
    period = periods.open_first(db, client_id=merchant.id, starts_on=date(2026, 11, 1), today=TODAY)
    payment = post(db, case, 10_000, date(2026, 11, 10))
    close(db, merchant, period, date(2026, 12, 1))
    payout = db.scalars(select(RemittancePayout)).one()
    payouts.mark_paid(db, payout_id=payout.id, bank_reference="TRACE 1", paid_on=date(2026, 12, 3),
                      today=TODAY, by_user_id=None)  # fmt: skip
    return payment, payout


def test_money_paid_to_us_moves_through_trust(db: Session, merchant: Client, case: Case) -> None:
    case.region = "NC"
    payment, payout = november(db, merchant, case)
    post(db, case, 5_000, date(2026, 11, 12), PaymentMethod.DIRECT, to_client=True)  # not ours
    reverse(db, payment, on=date(2026, 12, 4), posted=date(2026, 12, 4))
    assert movements(db) == [
        (TrustKind.PAYMENT_IN, 10_000, f"P{payment}", "NC"),
        (TrustKind.REMITTANCE_OUT, -7_500, payout.reference, None),
        (TrustKind.REVERSAL_OUT, -10_000, movements(db)[2][2], None),
    ]


def test_commission_leaves_trust_only_as_earned_and_never_comes_back(
    db: Session, merchant: Client, case: Case
) -> None:
    november(db, merchant, case)
    common = {"client_id": merchant.id, "currency": "USD", "on": date(2026, 12, 4),
              "today": TODAY, "reference": "WIRE 7", "by_user_id": None}  # fmt: skip
    with pytest.raises(StatementRefused, match="never moved from the operating account"):
        ledger.record_transfer(db, direction=ledger.OPERATING_TO_TRUST, amount_minor=100, **common)
    with pytest.raises(StatementRefused, match=r"more than the commission earned .*\(2500"):
        ledger.record_transfer(
            db, direction=ledger.TRUST_TO_OPERATING, amount_minor=2_501, **common
        )
    ledger.record_transfer(db, direction=ledger.TRUST_TO_OPERATING, amount_minor=2_500, **common)
    with pytest.raises(StatementRefused, match=r"\(0 in minor units\)"):
        ledger.record_transfer(db, direction=ledger.TRUST_TO_OPERATING, amount_minor=1, **common)
    assert movements(db)[-1] == (TrustKind.TO_OPERATING, -2_500, "WIRE 7", None)


def bank_csv(*rows: str) -> bytes:
    return ("date,amount,reference,description\n" + "\n".join(rows) + "\n").encode()


def test_each_day_of_the_bank_statement_is_imported_once(db: Session) -> None:
    first = import_statement(db, data=bank_csv("2026-11-10,100.00,P1,deposit"),
                             file_name="nov.csv", account=None, by_user_id=None)  # fmt: skip
    assert (first.lines, first.total_minor) == (1, 10_000)
    with pytest.raises(StatementRefused, match=r"overlap the statement imported as 'nov\.csv'"):
        import_statement(db, data=bank_csv("2026-11-10,5.00,X,fee", "2026-11-11,1.00,Y,z"),
                         file_name="again.csv", account=None, by_user_id=None)  # fmt: skip
    with pytest.raises(StatementError, match="line 2, column amount"):
        import_statement(db, data=bank_csv("2026-11-12,1.005,X,fee"), file_name="b.csv",
                         account=None, by_user_id=None)  # fmt: skip


def test_the_reconciliation_names_every_difference_and_late_deposits(
    db: Session, merchant: Client, case: Case
) -> None:
    case.region = "NC"  # deposits due within 2 banking days
    payment, payout = november(db, merchant, case)
    other = post(db, case, 4_000, date(2026, 11, 20))  # never reached the bank
    import_statement(
        db,
        data=bank_csv(
            f"2026-11-16,100.00,P{payment},deposit",  # due the 13th (Veterans Day skipped): late
            "2026-11-30,-12.00,,bank fee",
            f"2026-12-03,-75.00,{payout.reference},ACH credit",
        ),
        file_name="trust.csv",
        account=None,
        by_user_id=None,
    )
    report = trust_report(db, starts_on=date(2026, 11, 1), ends_on=date(2026, 12, 5), today=TODAY)
    found = [(d.on, d.amount_minor, d.kind) for d in report.reconciliation.differences]
    assert found == [
        (date(2026, 11, 20), 4_000, BOOKS_ONLY),
        (date(2026, 11, 30), -1_200, BANK_ONLY),
    ]
    assert report.reconciliation.matched == 2
    late = [(d.reference, d.due_on, d.deposited_on) for d in report.late]
    assert late == [
        (f"P{payment}", date(2026, 11, 13), date(2026, 11, 16)),
        (f"P{other}", date(2026, 11, 24), None),
    ]
    [balance] = report.balances
    assert (balance.trust_minor, balance.owed_minor) == (10_000 + 4_000 - 7_500,) * 2


def test_a_movement_the_sub_ledgers_do_not_know_is_a_difference(
    db: Session, merchant: Client, case: Case
) -> None:
    november(db, merchant, case)
    db.add(TrustMovement(client_id=merchant.id, on=date(2026, 12, 2), kind=TrustKind.TO_OPERATING,
                         amount_minor=-100, currency="USD", reference="stray"))  # fmt: skip
    db.flush()
    report = trust_report(db, starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 3), today=TODAY)
    gaps = [
        (d.on, d.amount_minor) for d in report.reconciliation.differences if d.kind == SUB_LEDGERS
    ]
    assert gaps == []  # commission moved to operating is on both sides
    db.add(TrustMovement(client_id=merchant.id, on=date(2026, 12, 2), kind=TrustKind.REVERSAL_OUT,
                         amount_minor=-300, currency="USD", reference="R-stray"))  # fmt: skip
    db.flush()
    report = trust_report(db, starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 3), today=TODAY)
    gaps = [
        (d.on, d.amount_minor) for d in report.reconciliation.differences if d.kind == SUB_LEDGERS
    ]
    assert gaps == [(date(2026, 12, 2), 300), (date(2026, 12, 3), 300)]
