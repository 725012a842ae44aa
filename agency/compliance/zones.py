"""The consumer's candidate time zones: the one rule the gate, the case page and the
"what if" tool share (``candidate_zones``), a pure function of the facts.

Design §4: the consumer's local time comes from every location signal we hold — the
postal code, every *geographic* phone contact point (``phonenumbers.is_number_geographical``:
a US mobile's area code counts, an Australian or UK mobile does not) and the zone the
consumer told us; an attempt must be convenient in all of them.  The signals' zones come
from ``agency.kit.timezones.candidate_zones`` (referral intake stores them per consumer).
"""

from __future__ import annotations

from functools import lru_cache

from agency.compliance import packs
from agency.compliance.facts import ConsumerFacts
from agency.compliance.rules.base import zone_info
from agency.kit.phones import parse_phone
from agency.kit.timezones import candidate_zones as signal_zones

FALLBACK_ZONE = "Etc/UTC"


def candidate_zones(consumer: ConsumerFacts, *, all_signals: bool = True) -> tuple[str, ...]:
    """The IANA zones the consumer may be in, sorted, never empty.

    When ``consumer.timezones`` is given and not empty (the gate gives the zones stored
    at intake, with the stated zone) they are used as they are, plus the stated zone.
    Otherwise every signal's zones together; with no signal, every zone of the region,
    else of the country (``Etc/UTC`` for a country we know no zones of).
    ``all_signals=False`` (``Policy.all_candidate_zones``, the multi-zone reading being a
    C rule) uses only the first signal available: postal code, else stated zone, else
    phones.  Zones the tz database does not know are left out.
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
    stated = stated if stated and _valid_zone(stated) else None
    if given:  # stored at intake; an empty tuple means none were found: derive
        found = {zone for zone in given if _valid_zone(zone)} | ({stated} if stated else set())
        return tuple(sorted(found)) or (FALLBACK_ZONE,)
    derived = signal_zones(
        country=country,
        region=region,
        postal_code=postal_code,
        phone_zones=tuple(zone for value in phones for zone in _phone_zones(value, country)),
        stated=stated,
        all_signals=all_signals,
    )
    return tuple(zone for zone in derived if _valid_zone(zone)) or (FALLBACK_ZONE,)


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
