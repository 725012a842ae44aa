"""The compliance rule engine: ``evaluate(facts) -> Decision``, a pure function.

Every rule that applies to the consumer (US federal + state/city overlay, or the
country's pack, + the client's policy; see ``packs``) is checked and the strictest wins:
the attempt is allowed only when no rule blocks it.

``next_allowed_at`` is found by a loop: at a candidate instant ``t`` (first the attempt's
own ``at``) every rule either passes, or blocks with a lower bound ``r > t`` on when it
could pass, or blocks for good (``NEVER``).  When none blocks, ``t`` is the answer; when
one blocks for good, there is none; otherwise ``t`` becomes the largest bound and every
rule is asked again — at most ``MAX_STEPS`` times and no further than ``MAX_WAIT`` ahead.
So the instant returned is, by construction, allowed for the same attempt moved to it
(same history, same now).  History is filtered once, relative to the original
``attempt.at``; consents, cease, disputes, verification, revocation are compared with the
candidate ``t`` (a future verification gives a bound at that instant; a future cease
makes waiting useless).

Time zones: see ``zones.candidate_zones``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache

from agency.compliance import packs
from agency.compliance.facts import Decision, Facts
from agency.compliance.rules.base import NEVER, Context, Moment, Rule
from agency.compliance.zones import candidate_zones
from agency.kit.timezones import is_nyc_postal_code, region_for_postal_code

RULE_SET = "2026.1"
MAX_STEPS = 64
MAX_WAIT = timedelta(days=400)
_ONE_SECOND = timedelta(seconds=1)
_ONE_MINUTE = timedelta(minutes=1)


@lru_cache(maxsize=65536)
def _jurisdiction(
    country: str, region: str | None, postal_code: str | None
) -> tuple[frozenset[str], bool]:
    regions: set[str] = set()
    if region:
        regions.add(region.strip().upper())
    if postal_code:
        from_postal = region_for_postal_code(country, postal_code)
        if from_postal:
            regions.add(from_postal)
    nyc = country == "US" and bool(postal_code) and is_nyc_postal_code(postal_code or "")
    return frozenset(regions), nyc


def _prepared(facts: Facts) -> tuple[tuple[Rule, ...], Context]:
    consumer = facts.consumer
    country = packs.normalize_country(consumer.country)
    zones = candidate_zones(consumer, all_signals=facts.policy.all_candidate_zones)
    regions, nyc = _jurisdiction(country, consumer.region, consumer.postal_code)
    return packs.rules_for(country, regions, nyc, facts.attempt.channel), Context(facts, zones)


def allowed_until(
    facts: Facts, *, within: timedelta, step: timedelta = timedelta(minutes=10)
) -> datetime | None:
    """The last minute, within ``within`` of an allowed attempt, at which the same attempt
    would still be allowed; None when it stays allowed throughout.  A message still
    queued at a provider must not arrive later than this (a text's validity period):
    sampled every ``step``, then narrowed to the minute between the last allowed sample
    and the first blocked one."""
    rules, ctx = _prepared(facts)
    start = facts.attempt.at

    def blocked(t: datetime) -> bool:
        moment = Moment(t, ctx.tzs)
        return any(rule.check(ctx, moment) is not None for rule in rules)

    good = start
    t = start + step
    while t <= start + within:
        if blocked(t):
            bad = t
            while bad - good > _ONE_MINUTE:
                middle = good + (bad - good) / 2
                if blocked(middle):
                    bad = middle
                else:
                    good = middle
            return good
        good = t
        t += step
    return None


def evaluate(facts: Facts) -> Decision:
    """Decide whether ``facts.attempt`` may go ahead, which rules block it, and when the
    same attempt would first be allowed (None when allowed, or when waiting cannot
    help)."""
    rules, ctx = _prepared(facts)
    zones = ctx.zones
    tzs = ctx.tzs

    t = facts.attempt.at
    limit = t + MAX_WAIT
    blocked_by: tuple[str, ...] = ()
    for step in range(MAX_STEPS):
        moment = Moment(t, tzs)
        ids: list[str] = []
        bound: datetime | None = None
        for rule in rules:
            verdict = rule.check(ctx, moment)
            if verdict is not None:
                ids.append(rule.id)
                if bound is None or verdict > bound:
                    bound = verdict
        if step == 0:
            if bound is None:
                return Decision(True, (), None, RULE_SET, zones)
            blocked_by = tuple(sorted(set(ids)))
        if bound is None:
            return Decision(False, blocked_by, t, RULE_SET, zones)
        if bound is NEVER or bound > limit:
            break
        t = bound if bound > t else t + _ONE_SECOND
    return Decision(False, blocked_by, None, RULE_SET, zones)
