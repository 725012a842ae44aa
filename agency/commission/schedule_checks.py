"""What the fee schedule editor refuses: tiers that overlap (two tiers for the same
payment, where legacy suites silently pick one) and gaps (payments no tier covers, which
the ledger would refuse to post), each named with the tiers and the band concerned.

Tiers are tried in order and the first match gives the rate, so a tier without
conditions is "every other payment": allowed as the last tier only, where it fills what
the others leave.  Any two conditioned tiers must cover disjoint payments."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations, product

from agency.commission.kinds import Stage
from agency.commission.rules import Tier
from agency.kit.scenarios import format_amount

Band = tuple[int, int | None]  # both ends included; None: no upper end


@dataclass(frozen=True, slots=True)
class Problem:
    """One refusal: ``tiers`` are the 1-based numbers of the tiers concerned."""

    tiers: tuple[int, ...]
    message: str


def _disjoint(a: Band | None, b: Band | None) -> bool:
    if a is None or b is None:
        return False
    return (a[1] is not None and a[1] < b[0]) or (b[1] is not None and b[1] < a[0])


def _meet(a: Band | None, b: Band | None) -> Band | None:
    """The common part of two bands that are not disjoint (None: everything)."""
    if a is None:
        return b
    if b is None:
        return a
    high = b[1] if a[1] is None else a[1] if b[1] is None else min(a[1], b[1])
    return max(a[0], b[0]), high


def _is_catch_all(tier: Tier) -> bool:
    return (
        tier.placement_age_days is None
        and tier.placed_balance_minor is None
        and (tier.stage is None)
    )


def _age(band: Band | None) -> str:
    if band is None or band == (0, None):
        return "any placement age"
    low, high = band
    return (
        f"placement age {low} days or more" if high is None else f"placement age {low}–{high} days"
    )


def _balance(band: Band | None, currency: str) -> str:
    if band is None or band == (0, None):
        return "any placed balance"
    low, high = band
    if high is None:
        return f"placed balance {format_amount(low, currency)} or more"
    return f"placed balance {format_amount(low, currency)}–{format_amount(high, currency)}"


def _where(age: Band | None, balance: Band | None, stage: Stage | None, currency: str) -> str:
    words = f"{_age(age)}, {_balance(balance, currency)}"
    return f"{words}, stage {stage.value}" if stage is not None else words


def check_tiers(tiers: Sequence[Tier], currency: str) -> list[Problem]:
    """Every overlap and gap of ``tiers``, in tier order; empty when the schedule holds."""
    problems: list[Problem] = []
    numbered = list(enumerate(tiers, start=1))
    for number, tier in numbered[:-1]:
        if _is_catch_all(tier):
            problems.append(
                Problem(
                    (number,),
                    f"tier {number} has no conditions, so no tier after it is ever used: "
                    "only the last tier may cover every other payment",
                )
            )
    conditioned = [(n, t) for n, t in numbered if not _is_catch_all(t)]
    for (n1, t1), (n2, t2) in combinations(conditioned, 2):
        if (
            _disjoint(t1.placement_age_days, t2.placement_age_days)
            or _disjoint(t1.placed_balance_minor, t2.placed_balance_minor)
            or (t1.stage is not None and t2.stage is not None and t1.stage is not t2.stage)
        ):
            continue
        where = _where(
            _meet(t1.placement_age_days, t2.placement_age_days),
            _meet(t1.placed_balance_minor, t2.placed_balance_minor),
            t1.stage or t2.stage,
            currency,
        )
        problems.append(Problem((n1, n2), f"tiers {n1} and {n2} overlap: both cover {where}"))
    if tiers and not _is_catch_all(tiers[-1]):
        problems.extend(_gaps(tiers, currency))
    return problems


def _cuts(bands: list[Band | None]) -> list[Band]:
    """The axis from 0 up, cut at every band's ends: the pieces within which every
    tier either covers all or none."""
    points = {0}
    for band in bands:
        if band is not None:
            points.add(band[0])
            if band[1] is not None:
                points.add(band[1] + 1)
    ordered = sorted(points)
    return [
        (low, ordered[n + 1] - 1 if n + 1 < len(ordered) else None) for n, low in enumerate(ordered)
    ]


def _covers(band: Band | None, piece: Band) -> bool:
    return band is None or (not _disjoint(band, piece) and _meet(band, piece) == piece)


def _gaps(tiers: Sequence[Tier], currency: str) -> list[Problem]:
    """The pieces of (age, balance, stage) no tier covers, the first few named."""
    ages = _cuts([t.placement_age_days for t in tiers])
    balances = _cuts([t.placed_balance_minor for t in tiers])
    staged = any(t.stage is not None for t in tiers)
    stages: list[Stage | None] = list(Stage) if staged else [None]
    gaps: list[Problem] = []
    for age, balance, stage in product(ages, balances, stages):
        if not any(
            _covers(t.placement_age_days, age)
            and _covers(t.placed_balance_minor, balance)
            and (t.stage is None or t.stage is stage)
            for t in tiers
        ):
            where = _where(age, balance, stage, currency)
            gaps.append(Problem((), f"no tier covers {where}: add a tier or widen one"))
    return gaps[:10]
