"""The fee schedule editor's refusals: overlapping tiers and gaps, named."""

from __future__ import annotations

from decimal import Decimal

from agency.commission.kinds import Stage
from agency.commission.rules import Tier
from agency.commission.schedule_checks import check_tiers

R = Decimal("20")


def messages(*tiers: Tier) -> list[str]:
    return [problem.message for problem in check_tiers(tiers, "USD")]


def test_the_specs_example_holds() -> None:
    assert messages(Tier(R, (0, 90)), Tier(R, (91, 180)), Tier(R)) == []
    assert messages(Tier(R, (0, 90)), Tier(R, (91, None))) == []
    assert messages(Tier(R)) == []


def test_overlapping_bands_are_named() -> None:
    assert messages(Tier(R, (0, 120)), Tier(R, (91, 180)), Tier(R)) == [
        "tiers 1 and 2 overlap: both cover placement age 91–120 days, any placed balance"
    ]
    by_balance = messages(Tier(R, (0, 90)), Tier(R, placed_balance_minor=(0, 50_000)), Tier(R))
    assert by_balance == [
        "tiers 1 and 2 overlap: both cover placement age 0–90 days, placed balance 0.00–500.00"
    ]


def test_stages_apart_do_not_overlap() -> None:
    early, collection = Tier(R, stage=Stage.EARLY), Tier(R, stage=Stage.COLLECTION)
    assert messages(early, collection) == []
    assert messages(Tier(R, (0, 30), stage=Stage.EARLY), Tier(R, (0, None))) == [
        "tiers 1 and 2 overlap: both cover placement age 0–30 days, any placed balance, stage early"
    ]


def test_gaps_are_named() -> None:
    assert messages(Tier(R, (0, 90)), Tier(R, (100, None))) == [
        "no tier covers placement age 91–99 days, any placed balance: add a tier or widen one"
    ]
    assert messages(Tier(R, (10, None))) == [
        "no tier covers placement age 0–9 days, any placed balance: add a tier or widen one"
    ]
    assert messages(Tier(R, stage=Stage.EARLY)) == [
        "no tier covers any placement age, any placed balance, stage collection: "
        "add a tier or widen one"
    ]
    assert messages(Tier(R, placed_balance_minor=(0, 50_000)), Tier(R, (0, 90))) == [
        "tiers 1 and 2 overlap: both cover placement age 0–90 days, placed balance 0.00–500.00",
        "no tier covers placement age 91 days or more, placed balance 500.01 or more: "
        "add a tier or widen one",
    ]


def test_a_tier_without_conditions_may_only_be_last() -> None:
    assert messages(Tier(R), Tier(R, (0, 90))) == [
        "tier 1 has no conditions, so no tier after it is ever used: only the last tier may "
        "cover every other payment"
    ]
