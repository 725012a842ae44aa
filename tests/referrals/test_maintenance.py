"""Maintenance files: recall, update, adjust and direct payments on open accounts."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from agency.cases.models import (
    BalanceAdjustment,
    Case,
    CaseStatus,
    CloseReason,
    ContactPoint,
)
from agency.db import session_scope
from agency.payments.models import Payment, PaymentMethod
from tests.fixtures.referral_files import csv_text, errors_of, good
from tests.referrals.conftest import Place, status_moves

MAINTENANCE = ["client_reference", "action", "amount", "payment_date", "reason", "email", "phone"]


def case(reference: str) -> Case:
    with session_scope() as db:
        found = db.scalar(select(Case).where(Case.client_reference == reference))
        assert found is not None
        return found


def test_each_action_and_each_refusal(place: Place) -> None:
    place(csv_text([good("A1"), good("A2"), good("A3"), good("A4")]))  # 105.00 each
    rows = [
        {"client_reference": "A1", "action": "recall", "reason": "client request"},
        {"client_reference": "A2", "action": "adjust", "amount": "-5.00", "reason": "fee waived"},
        {
            "client_reference": "A3",
            "action": "Direct Payment",
            "amount": "105.00",
            "payment_date": "2026-11-01",
        },
        {
            "client_reference": "A4",
            "action": "update",
            "email": "new@example.com",
            "phone": "(773) 555-0142",
        },
        {"client_reference": "A1", "action": "adjust", "amount": "1.00", "reason": "late"},
        {"client_reference": "ZZ", "action": "recall"},
        {"client_reference": "A2", "action": "adjust", "amount": "-500.00", "reason": "x"},
        {"client_reference": "A2", "action": "direct_payment", "amount": "1.00"},
        {"client_reference": "A2", "action": "delete"},
        {"client_reference": "A2", "action": "update"},
    ]
    code, result = place(csv_text(rows, columns=MAINTENANCE), "maintenance.csv")
    assert code == 0, result
    assert (result["accepted"], result["rejected"]) == (4, 6)
    assert errors_of(result) == [
        (6, "client_reference", "no open account A1 for this client (unknown, or already closed)"),
        (7, "client_reference", "no open account ZZ for this client (unknown, or already closed)"),
        (
            8,
            "amount",
            "an adjustment of -$500.00 would take the principal below zero (it is $95.00)",
        ),  # row 3 took it to 95.00
        (9, "payment_date", "is required for a direct payment"),
        (10, "action", "'delete' is not one of recall, update, adjust, direct_payment"),
        (11, "action", "an update needs a phone, an e-mail or an address"),
    ]
    assert (case("A1").status, case("A1").closed_at is not None) == (CaseStatus.RECALLED, True)
    # Both through the status machine: a close reason and a recorded transition each.
    assert (case("A1").close_reason, case("A3").close_reason) == (
        CloseReason.RECALLED,
        CloseReason.PAID_IN_FULL,
    )
    with session_scope() as db:
        moves = status_moves(db)
    assert moves == [
        ("A1", CaseStatus.RECALLED, "recalled by the client"),
        ("A3", CaseStatus.PAID, "paid in full: a direct payment to the client cleared the balance"),
    ]
    assert case("A2").principal_minor == 9_500
    paid = case("A3")
    assert (paid.status, paid.principal_minor, paid.interest_minor) == (CaseStatus.PAID, 0, 0)
    with session_scope() as db:
        values = set(
            db.scalars(
                select(ContactPoint.value).where(ContactPoint.consumer_id == case("A4").consumer_id)
            )
        )
        adjustments = db.execute(
            select(
                BalanceAdjustment.kind, BalanceAdjustment.amount_minor, BalanceAdjustment.reason
            ).order_by(BalanceAdjustment.id)
        ).all()
        payments = db.execute(
            select(
                Payment.case_id,
                Payment.amount_minor,
                Payment.method,
                Payment.to_client,
                Payment.provider,
                Payment.received_on,
                Payment.interest_minor,
                Payment.principal_minor,
            )
        ).all()
    assert {"new@example.com", "+17735550142"} <= values
    assert [(str(k), a, r) for k, a, r in adjustments] == [("adjust", -500, "fee waived")]
    # The direct payment is a payment to the client, allocated by the contract's order.
    assert [tuple(p) for p in payments] == [
        (paid.id, 10_500, PaymentMethod.DIRECT, True, "client", date(2026, 11, 1), 500, 10_000)
    ]
