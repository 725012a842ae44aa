"""The commission rules of ``commission-scenarios.md`` at their edges: tier boundaries,
half-up rounding, the minimum fee, the legal day, the stage, reversals across periods,
currencies without and with three decimals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agency.commission.kinds import PaidTo, Remittance, Stage
from agency.commission.rules import (
    CaseFacts,
    Entry,
    FeeSchedule,
    NoTier,
    Tier,
    commission_of,
    rate_payment,
    reversal_entry,
    statement,
)
from tests.commission.helpers import EXAMPLE, EXAMPLE_OUTPUT, entries, pay, scenario, totals

PLACED = date(2026, 1, 5)
AGED = FeeSchedule(
    currency="USD",
    tiers=(
        Tier(Decimal("20"), placement_age_days=(0, 90)),
        Tier(Decimal("25"), placement_age_days=(91, 180)),
        Tier(Decimal("33")),
    ),
)
CASE = CaseFacts(placed_on=PLACED, placed_balance_minor=120_000)


def test_the_spec_example() -> None:
    from agency.commission.scenario import run_scenario

    assert run_scenario(EXAMPLE) == EXAMPLE_OUTPUT


@pytest.mark.parametrize(
    ("day", "tier", "rate"),
    [(0, 0, "20"), (90, 0, "20"), (91, 1, "25"), (180, 1, "25"), (181, 2, "33"), (5000, 2, "33")],
)
def test_placement_age_includes_both_ends(day: int, tier: int, rate: str) -> None:
    on = date.fromordinal(PLACED.toordinal() + day)
    rated = rate_payment(AGED, CASE, on, 10_000)
    assert (rated.tier, rated.rate) == (tier, Decimal(rate))


def test_the_first_matching_tier_wins_and_says_why() -> None:
    schedule = FeeSchedule(
        currency="USD",
        tiers=(
            Tier(Decimal("30"), placed_balance_minor=(0, 50_000)),
            Tier(Decimal("25"), placement_age_days=(91, 180)),
            Tier(Decimal("20")),
        ),
    )
    small = CaseFacts(placed_on=PLACED, placed_balance_minor=50_000)
    on = date(2026, 4, 18)  # day 103
    assert rate_payment(schedule, small, on, 10_000).tier == 0  # both ends included
    rated = rate_payment(schedule, CASE, on, 10_000)
    assert rated.tier == 1
    assert rated.why == "25.000 %: tier 2, placement age 91–180 days; payment on day 103"
    assert rate_payment(schedule, CASE, date(2026, 1, 6), 10_000).why == (
        "20.000 %: tier 3 (every payment); payment on day 1"
    )
    assert rate_payment(schedule, small, on, 10_000).why == (
        "30.000 %: tier 1, placed balance 0.00–500.00; payment on day 103"
    )


def test_a_payment_no_tier_covers_is_an_error_never_zero() -> None:
    schedule = FeeSchedule(currency="USD", tiers=(Tier(Decimal("20"), placement_age_days=(0, 90)),))
    with pytest.raises(NoTier, match=r"placement age 91 days, placed balance 1200.00"):
        rate_payment(schedule, CASE, date(2026, 4, 6), 10_000)


@pytest.mark.parametrize(
    ("amount", "rate", "commission"),
    [
        (1234, "25", 309),  # 308.5 → 309: half-up
        (1, "50", 1),  # 0.5 → 1
        (1, "49.999", 0),
        (3, "33.333", 1),  # 0.99999 → 1
        (10_000, "0", 0),
        (10_000, "100", 10_000),
        (99_999_999_999, "33.333", 33_333_000_000),  # the largest: …999.667, exact
    ],
)
def test_commission_rounds_half_up_to_the_minor_unit(
    amount: int, rate: str, commission: int
) -> None:
    assert commission_of(amount, Decimal(rate), 0) == commission


def test_the_minimum_fee_raises_the_commission_but_never_above_the_payment() -> None:
    assert commission_of(1_000, Decimal("20"), 500) == 500
    assert commission_of(300, Decimal("20"), 500) == 300  # never above the payment
    assert commission_of(10_000, Decimal("20"), 500) == 2_000  # already above it
    schedule = FeeSchedule(currency="USD", tiers=(Tier(Decimal("20")),), minimum_fee_minor=500)
    assert rate_payment(schedule, CASE, date(2026, 2, 1), 1_000).why.endswith(
        "raised to the minimum fee of 5.00"
    )


def test_the_legal_rate_applies_from_the_legal_day_on() -> None:
    legal = CaseFacts(placed_on=PLACED, placed_balance_minor=120_000, legal_on=date(2026, 3, 1))
    schedule = FeeSchedule(currency="USD", tiers=AGED.tiers, legal_rate=Decimal("40"))
    assert rate_payment(schedule, legal, date(2026, 2, 28), 10_000).tier == 0
    rated = rate_payment(schedule, legal, date(2026, 3, 1), 10_000)
    assert (rated.tier, rated.commission_minor) == ("legal", 4_000)
    assert rated.why.startswith("40.000 %: the legal rate, legal since 2026-03-01")
    no_legal_rate = FeeSchedule(currency="USD", tiers=AGED.tiers)
    assert rate_payment(no_legal_rate, legal, date(2026, 3, 1), 10_000).tier == 0


def test_an_escalated_early_case_is_a_collection_case_from_that_day() -> None:
    schedule = FeeSchedule(
        currency="USD",
        tiers=(Tier(Decimal("10"), stage=Stage.EARLY), Tier(Decimal("25"), stage=Stage.COLLECTION)),
    )
    early = CaseFacts(
        placed_on=PLACED,
        placed_balance_minor=120_000,
        stage=Stage.EARLY,
        escalated_on=date(2026, 2, 1),
    )
    assert rate_payment(schedule, early, date(2026, 1, 31), 10_000).rate == Decimal("10")
    assert rate_payment(schedule, early, date(2026, 2, 1), 10_000).rate == Decimal("25")


def test_jpy_and_kwd_keep_their_digits() -> None:
    document = scenario(
        contract={"currency": "JPY", "tiers": [{"rate": "33.333"}], "minimum_fee": "0"},
        case={"placed_balance": "120000"},
        payments=[pay("P1", "2026-02-01", "1000"), pay("P2", "2026-02-02", "3")],
        period={"from": "2026-02-01", "to": "2026-02-28"},
    )
    assert [e["commission"] for e in entries(document)] == ["333", "1"]
    kwd = scenario(
        contract={"currency": "KWD", "tiers": [{"rate": "25.000"}], "minimum_fee": "0.500"},
        case={"placed_balance": "1200.000"},
        payments=[pay("P1", "2026-02-01", "12.345"), pay("P2", "2026-02-02", "1.000")],
        period={"from": "2026-02-01", "to": "2026-02-28"},
    )
    assert [e["commission"] for e in entries(kwd)] == ["3.086", "0.500"]
    assert totals(kwd)["remit"] == "9.759"


def test_a_reversal_carries_its_payments_rate_whatever_the_rate_is_today() -> None:
    document = scenario(
        payments=[
            pay("P1", "2026-02-01", "100.00"),  # tier 0, 20 %
            {"id": "R1", "on": "2026-07-20", "reverses": "P1", "reason": "chargeback"},  # day 196
        ],
        period={"from": "2026-07-01", "to": "2026-07-31"},
    )
    reversal = entries(document)[1]
    assert (reversal["rate"], reversal["tier"], reversal["commission"]) == ("20.000", 0, "-20.00")
    assert totals(document)["collected_agency"] == "-100.00"


def test_a_direct_payments_reversal_is_the_clients() -> None:
    document = scenario(
        payments=[
            pay("P1", "2026-04-01", "100.00", "client"),
            {"id": "R1", "on": "2026-04-02", "reverses": "P1", "reason": "error"},
        ]
    )
    assert entries(document)[1]["paid_to"] == "client"
    assert totals(document) | {} == {
        "from": "2026-04-01", "to": "2026-04-30", "remittance": "net",
        "collected_agency": "0.00", "collected_client": "0.00",
        "commission": "0.00", "remit": "0.00", "invoice": "0.00",
    }  # fmt: skip


def test_the_period_includes_both_ends_and_entries_come_in_date_order() -> None:
    document = scenario(
        payments=[
            pay("late", "2026-05-01", "1.00"),
            pay("last", "2026-04-30", "2.00"),
            pay("first", "2026-04-01", "3.00"),
            pay("same day", "2026-04-30", "4.00"),
            pay("before", "2026-03-31", "5.00"),
        ]
    )
    assert [e["id"] for e in entries(document)] == ["before", "first", "last", "same day", "late"]
    assert totals(document)["collected_agency"] == "9.00"


def test_gross_remits_everything_and_invoices_the_commission() -> None:
    document = scenario(
        contract={"remittance": "gross"},
        payments=[pay("P1", "2026-04-02", "100.00"), pay("P2", "2026-04-03", "50.00", "client")],
    )
    assert totals(document) == {
        "from": "2026-04-01", "to": "2026-04-30", "remittance": "gross",
        "collected_agency": "100.00", "collected_client": "50.00",
        "commission": "30.00", "remit": "100.00", "invoice": "30.00",
    }  # fmt: skip


_DAY = st.integers(min_value=0, max_value=400)
_PAYMENT = st.tuples(_DAY, st.integers(min_value=1, max_value=10**11 - 1), st.sampled_from(PaidTo))


@given(
    payments=st.lists(_PAYMENT, max_size=40),
    reversed_=st.lists(st.booleans(), max_size=40),
    remittance=st.sampled_from(Remittance),
    minimum=st.integers(min_value=0, max_value=10_000),
    period=st.tuples(_DAY, _DAY),
)
def test_remit_less_invoice_is_always_collected_less_commission(
    payments: list[tuple[int, int, PaidTo]],
    reversed_: list[bool],
    remittance: Remittance,
    minimum: int,
    period: tuple[int, int],
) -> None:
    schedule = FeeSchedule(currency="USD", tiers=AGED.tiers, minimum_fee_minor=minimum)
    ledger: list[Entry] = []
    for n, (day, amount, paid_to) in enumerate(payments):
        on = date.fromordinal(PLACED.toordinal() + day)
        rated = rate_payment(schedule, CASE, on, amount)
        entry = Entry(str(n), on, paid_to, amount, rated.rate, rated.tier, rated.commission_minor)
        assert 0 <= entry.commission_minor <= amount
        ledger.append(entry)
        if n < len(reversed_) and reversed_[n]:
            ledger.append(reversal_entry(entry, id=f"R{n}", on=on))
    start, end = (date.fromordinal(PLACED.toordinal() + d) for d in sorted(period))
    totals_ = statement(ledger, start=start, end=end, remittance=remittance)
    assert (
        totals_.remit_minor - totals_.invoice_minor
        == totals_.collected_agency_minor - totals_.commission_minor
    )
    everything = statement(ledger, start=PLACED, end=date(2030, 1, 1), remittance=remittance)
    kept = [e for e in ledger if not any(r.reverses == e.id for r in ledger)]
    assert everything.commission_minor == sum(
        e.commission_minor for e in kept if e.reverses is None
    )
