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

Time zones: see ``candidate_zones``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache

from agency.compliance import packs
from agency.compliance.facts import ConsumerFacts, Decision, Facts
from agency.compliance.rules.base import NEVER, Context, Moment, zone_info
from agency.kit.phones import parse_phone
from agency.kit.timezones import (
    is_nyc_postal_code,
    region_for_postal_code,
    zones_for_postal_code,
    zones_for_region,
)

RULE_SET = "2026.1"
MAX_STEPS = 64
MAX_WAIT = timedelta(days=400)
FALLBACK_ZONE = "Etc/UTC"
_ONE_SECOND = timedelta(seconds=1)


def candidate_zones(consumer: ConsumerFacts, *, all_signals: bool = True) -> tuple[str, ...]:
    """The IANA zones the consumer may be in, sorted.

    Signals: the postal code, every *geographic* phone contact point
    (``phonenumbers.is_number_geographical``: a US mobile's area code counts, an
    Australian or UK mobile does not) and the stated zone; with no signal, every zone of
    the region, else of the country (``Etc/UTC`` for a country we know no zones of).
    When ``consumer.timezones`` is given and not empty (the gate stores them at intake)
    they are used as they are, plus the stated zone.  ``all_signals=False`` (``Policy.
    all_candidate_zones``, the multi-zone reading being a C rule) uses only the first
    signal available: postal code, else stated zone, else phones.
    """
    phones = tuple(
        point.value for point in consumer.contact_points if point.channel == "phone" and point.value
    )
    return _zones(
        packs.normalize_country(consumer.country),
        (consumer.region or "").strip().upper() or None,
        consumer.postal_code,
        consumer.stated_timezone,
        phones,
        consumer.timezones,
        all_signals,
    )


@lru_cache(maxsize=65536)
def _zones(
    country: str,
    region: str | None,
    postal_code: str | None,
    stated: str | None,
    phones: tuple[str, ...],
    given: tuple[str, ...] | None,
    all_signals: bool,
) -> tuple[str, ...]:
    stated_zones = (stated,) if stated and _valid_zone(stated) else ()
    if given:  # stored at intake; an empty tuple means none were found: derive
        found = {zone for zone in given if _valid_zone(zone)} | set(stated_zones)
        return tuple(sorted(found)) or (FALLBACK_ZONE,)
    sources: list[tuple[str, ...]] = [
        zones_for_postal_code(country, postal_code) if postal_code else (),
        stated_zones,
        tuple(zone for value in phones for zone in _phone_zones(value, country)),
    ]
    if all_signals:
        found = {zone for source in sources for zone in source}
    else:
        found = set(next((source for source in sources if source), ()))
    if not found:
        found = set(zones_for_region(country, region))
    found = {zone for zone in found if _valid_zone(zone)}
    return tuple(sorted(found)) or (FALLBACK_ZONE,)


@lru_cache(maxsize=65536)
def _phone_zones(value: str, country: str) -> tuple[str, ...]:
    region = country if len(country) == 2 and country.isalpha() else "US"
    phone = parse_phone(value, region)
    return phone.timezones if phone is not None and phone.geographical else ()


@lru_cache(maxsize=1024)
def _valid_zone(name: str) -> bool:
    try:
        zone_info(name)
    except (ValueError, KeyError, OSError):
        return False
    return True


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


def evaluate(facts: Facts) -> Decision:
    """Decide whether ``facts.attempt`` may go ahead, which rules block it, and when the
    same attempt would first be allowed (None when allowed, or when waiting cannot
    help)."""
    consumer = facts.consumer
    attempt = facts.attempt
    country = packs.normalize_country(consumer.country)
    zones = candidate_zones(consumer, all_signals=facts.policy.all_candidate_zones)
    regions, nyc = _jurisdiction(country, consumer.region, consumer.postal_code)
    rules = packs.rules_for(country, regions, nyc, attempt.channel)
    ctx = Context(facts, zones)
    tzs = ctx.tzs

    t = attempt.at
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
