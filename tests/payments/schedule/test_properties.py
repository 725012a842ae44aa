"""Properties over many offers: the parts always sum to the total, no date is before
today, the payments are in date order with the down payment first, and no installment
but the last differs from its fellows."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from agency.payments.models import Frequency, PlanKind
from agency.payments.schedule.rules import compute
from agency.payments.schemas import Authority, DownPayment, Offer, PaymentError

PLACES = [("US", "NY"), ("US", None), ("GB", "SCT"), ("AU", "VIC"), ("CA", "QC")]


@st.composite
def offers(draw: st.DrawFn) -> tuple[date, int, tuple[str, str | None], Offer]:
    today = draw(st.dates(date(2024, 1, 1), date(2030, 12, 31)))
    balance = draw(st.integers(2, 10**9))
    kind = draw(st.sampled_from(PlanKind))
    first_due = today + timedelta(days=draw(st.integers(0, 400)))
    total = None if kind is PlanKind.PLAN else draw(st.integers(1, balance - 1))
    down = None
    if kind is not PlanKind.PROMISE and draw(st.booleans()):
        down = DownPayment(
            draw(st.integers(1, max(1, (total or balance) - 1))),
            today + timedelta(days=draw(st.integers(0, (first_due - today).days))),
        )
    count = installment = None
    split = "none" if kind is PlanKind.PROMISE else draw(st.sampled_from(["count", "amount"]))
    if split == "count":
        count = draw(st.integers(1, min(120, balance)))
    elif split == "amount":
        installment = draw(st.integers(max(1, balance // 100), balance))
    offer = Offer(
        kind=kind,
        first_due=first_due,
        total_minor=total,
        frequency=draw(st.sampled_from(Frequency)),
        count=count,
        installment_minor=installment,
        down_payment=down,
    )
    return today, balance, draw(st.sampled_from(PLACES)), offer


@settings(max_examples=300, deadline=None)
@given(offers())
def test_parts_sum_to_the_total_and_no_date_is_before_today(
    drawn: tuple[date, int, tuple[str, str | None], Offer],
) -> None:
    today, balance, (country, region), offer = drawn
    try:
        schedule = compute(
            today=today,
            balance_minor=balance,
            currency="USD",
            country=country,
            region=region,
            authority=Authority(),
            offer=offer,
        )
    except PaymentError as exc:
        assert exc.field.startswith("offer.")  # only the offer can be wrong here
        return
    payments = schedule.payments
    assert sum(p.amount_minor for p in payments) == schedule.total_minor
    assert all(p.amount_minor > 0 for p in payments)
    assert all(p.due >= today for p in payments)
    assert [p.due for p in payments] == sorted(p.due for p in payments)
    assert all(p.due.weekday() < 5 for p in payments)
    assert [p.down_payment for p in payments] == [offer.down_payment is not None] + [False] * (
        len(payments) - 1
    )
    installments = [p.amount_minor for p in payments if not p.down_payment]
    assert len(set(installments[:-1])) <= 1
    if offer.installment_minor is not None:
        assert 0 < installments[-1] <= offer.installment_minor
    if offer.kind is PlanKind.PLAN:
        assert schedule.total_minor == balance
