"""The kinds, totals, down payments and dates ``compute`` accepts or refuses."""

from __future__ import annotations

from datetime import date

import pytest

from agency.payments.models import Frequency, PlanKind
from agency.payments.schedule.rules import compute
from agency.payments.schemas import Authority, DownPayment, Offer, PaymentError, ScheduledPayment
from tests.payments.schedule.helpers import amounts, dues, refusal, run, scenario

TODAY = date(2026, 3, 10)


def test_compute_directly_as_the_other_domains_call_it() -> None:
    schedule = compute(
        today=TODAY,
        balance_minor=100000,
        currency="USD",
        country="US",
        region="NY",
        authority=Authority(),
        offer=Offer(
            kind=PlanKind.SETTLEMENT,
            first_due=date(2026, 4, 1),
            total_minor=70000,
            frequency=Frequency.MONTHLY,
            count=2,
            down_payment=DownPayment(10000, date(2026, 3, 14)),  # a Saturday
        ),
    )
    assert schedule.total_minor == 70000 and schedule.total.currency == "USD"
    assert schedule.payments == (
        ScheduledPayment(date(2026, 3, 16), 10000, down_payment=True),
        ScheduledPayment(date(2026, 4, 1), 30000),
        ScheduledPayment(date(2026, 5, 1), 30000),
    )
    assert schedule.needs_approval is False and schedule.reasons == ()


def test_a_promise_is_one_payment_of_its_total() -> None:
    document = scenario(
        offer={"kind": "promise", "total": "250.00", "count": None, "frequency": None}
    )
    assert run(document)["payments"] == [
        {"due": "2026-03-31", "amount": "250.00", "down_payment": False}
    ]
    assert run(document)["total"] == "250.00"


def test_a_promise_of_the_whole_balance_is_allowed() -> None:
    document = scenario(offer={"kind": "promise", "total": "1000.00", "count": None})
    assert amounts(document) == ["1000.00"]


def test_a_one_payment_settlement() -> None:
    document = scenario(offer={"kind": "settlement", "total": "700.00", "count": None})
    result = run(document)
    assert result["kind"] == "settlement" and result["total"] == "700.00"
    assert result["payments"] == [{"due": "2026-03-31", "amount": "700.00", "down_payment": False}]


def test_a_plan_total_may_be_given_as_the_balance() -> None:
    assert run(scenario(offer={"total": "1000.00"}))["total"] == "1000.00"
    assert run(scenario(offer={"total": "1000"}))["total"] == "1000.00"


def test_a_down_payment_comes_first_and_the_installments_share_the_rest() -> None:
    document = scenario(
        offer={"count": 3, "down_payment": {"amount": "100.00", "due": "2026-03-10"}}
    )
    result = run(document)
    assert result["payments"] == [
        {"due": "2026-03-10", "amount": "100.00", "down_payment": True},
        {"due": "2026-03-31", "amount": "300.00", "down_payment": False},
        {"due": "2026-04-30", "amount": "300.00", "down_payment": False},
        {"due": "2026-06-01", "amount": "300.00", "down_payment": False},
    ]


def test_a_down_payment_on_the_first_due_date_still_comes_first() -> None:
    document = scenario(offer={"down_payment": {"amount": "100.00", "due": "2026-03-31"}})
    assert dues(document)[:2] == ["2026-03-31", "2026-03-31"]
    assert run(document)["payments"][0]["down_payment"] is True


def test_installment_amount_plans() -> None:
    document = scenario(offer={"count": None, "installment": "300.00"})
    assert amounts(document) == ["300.00", "300.00", "300.00", "100.00"]
    one = scenario(offer={"count": None, "installment": "1000.00", "frequency": None})
    assert amounts(one) == ["1000.00"]  # one installment needs no frequency


def test_120_installments_are_the_most() -> None:
    document = scenario(offer={"count": 120, "frequency": "weekly"})
    assert len(dues(document)) == 120
    assert sum(int(a.replace(".", "")) for a in amounts(document)) == 100000


@pytest.mark.parametrize(
    ("offer", "message"),
    [
        (
            {"total": "900.00"},
            "offer.total: a plan is for the whole balance (1000.00); for less, make a settlement",
        ),
        ({"kind": "settlement", "total": None}, "offer.total: is needed for a settlement"),
        ({"kind": "promise", "total": None, "count": None}, "offer.total: is needed for a promise"),
        (
            {"kind": "settlement", "total": "1000.00"},
            "offer.total: a settlement is for less than the balance (1000.00); for all of it, "
            "make a plan",
        ),
        (
            {"kind": "settlement", "total": "1000.01"},
            "offer.total: is more than the balance (1000.00)",
        ),
        (
            {"kind": "promise", "total": "1200.00", "count": None},
            "offer.total: is more than the balance (1000.00)",
        ),
        (
            {"kind": "promise", "total": "0.00", "count": None},
            "offer.total: must be more than zero",
        ),
        (
            {"kind": "promise", "total": "10.00"},
            "offer.count: a promise is one payment: leave out count and installment",
        ),
        (
            {"kind": "promise", "total": "10.00", "count": None, "installment": "5.00"},
            "offer.installment: a promise is one payment: leave out count and installment",
        ),
        (
            {
                "kind": "promise",
                "total": "10.00",
                "count": None,
                "down_payment": {"amount": "1.00", "due": "2026-03-20"},
            },
            "offer.down_payment: a promise is one payment: give a count or an installment to pay "
            "the rest later",
        ),
        (
            {
                "kind": "settlement",
                "total": "500.00",
                "count": None,
                "down_payment": {"amount": "1.00", "due": "2026-03-20"},
            },
            "offer.down_payment: a one-payment settlement is one payment: give a count or an "
            "installment to pay the rest later",
        ),
        ({"count": None}, "offer.count: give either a count or an installment for a plan"),
        (
            {"installment": "100.00"},
            "offer.installment: give either a count or an installment, not both",
        ),
        ({"count": 0}, "offer.count: must be a whole number from 1 to 120"),
        ({"count": 121}, "offer.count: must be a whole number from 1 to 120"),
        ({"count": 2.5}, "offer.count: must be a whole number from 1 to 120"),
        ({"count": True}, "offer.count: must be a whole number from 1 to 120"),
        ({"count": "3"}, "offer.count: must be a whole number from 1 to 120"),
        ({"count": None, "installment": "0.00"}, "offer.installment: must be more than zero"),
        (
            {"count": None, "installment": "5.00"},
            "offer.installment: makes 200 installments, more than 120; make it at least 8.34",
        ),
        ({"frequency": None}, "offer.frequency: is needed for more than one installment"),
        ({"frequency": "daily"}, "offer.frequency: must be one of weekly, fortnightly, monthly"),
        ({"kind": "loan"}, "offer.kind: must be one of promise, plan, settlement"),
        ({"first_due": "2026-03-09"}, "offer.first_due: cannot be before today (2026-03-10)"),
        ({"first_due": "2036-03-31"}, "offer.first_due: must be within 10 years of today"),
        ({"first_due": "31/03/2026"}, "offer.first_due: must be a date written YYYY-MM-DD"),
        ({"first_due": "2026-02-30"}, "offer.first_due: must be a date written YYYY-MM-DD"),
        ({"first_due": "2026-3-31"}, "offer.first_due: must be a date written YYYY-MM-DD"),
        (
            {"down_payment": {"amount": "100.00", "due": "2026-03-09"}},
            "offer.down_payment.due: cannot be before today (2026-03-10)",
        ),
        (
            {"down_payment": {"amount": "100.00", "due": "2026-04-01"}},
            "offer.down_payment.due: cannot be after the first installment's date (2026-03-31)",
        ),
        (
            {"down_payment": {"amount": "1000.00", "due": "2026-03-20"}},
            "offer.down_payment.amount: must be less than the total, so that installments are "
            "left to pay",
        ),
        (
            {"down_payment": {"amount": "0", "due": "2026-03-20"}},
            "offer.down_payment.amount: must be more than zero",
        ),
        (
            {"down_payment": {"amount": "999.99", "due": "2026-03-20"}},
            "offer.count: leaves installments of nothing: the amount is too small to split so "
            "many ways",
        ),
    ],
)
def test_refused_offers_name_the_path(offer: dict[str, object], message: str) -> None:
    assert refusal(scenario(offer=offer)) == message


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"balance_minor": 0}, "case.balance"),
        ({"balance_minor": -5}, "case.balance"),
        ({"currency": "XYZ"}, "case.currency"),
        ({"country": "ZZ"}, "case.country"),
        ({"region": "XX"}, "case.region"),
    ],
)
def test_compute_checks_the_case_it_is_given(arguments: dict[str, object], field: str) -> None:
    values: dict[str, object] = {
        "today": TODAY,
        "balance_minor": 100000,
        "currency": "USD",
        "country": "US",
        "region": "NY",
        "authority": Authority(),
        "offer": Offer(kind=PlanKind.PLAN, first_due=date(2026, 4, 1), count=1),
    } | arguments
    with pytest.raises(PaymentError) as caught:
        compute(**values)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_no_date_is_before_today() -> None:
    document = scenario(today="2026-03-31", offer={"frequency": "weekly", "count": 5})
    assert min(dues(document)) >= "2026-03-31"
