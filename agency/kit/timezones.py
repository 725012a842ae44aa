"""Where a consumer may be, as IANA time zones, from every location signal we hold.

Signals: the postal code (US ZIP from the ``zipcodes`` data set, Australian postcode
ranges), a geographical phone number's prefix (``phonenumbers``' time-zone map), the
region (state/province), and the country.  The compliance gate needs the *candidates*:
an attempt must be convenient in every one of them, so nothing here guesses a single
zone.  Referral intake computes them once per consumer and stores them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from babel.core import get_global
from phonenumbers.tzdata import TIMEZONE_DATA, TIMEZONE_LONGEST_PREFIX

_UNKNOWN_ZONE = "Etc/Unknown"

# Australian states and territories: their zones, and the postcode ranges that belong to
# each (Australia Post).  Broken Hill (2880) keeps South Australian time.
AU_STATE_ZONES = {
    "NSW": ("Australia/Sydney",),
    "ACT": ("Australia/Sydney",),
    "VIC": ("Australia/Melbourne",),
    "QLD": ("Australia/Brisbane",),
    "SA": ("Australia/Adelaide",),
    "WA": ("Australia/Perth",),
    "TAS": ("Australia/Hobart",),
    "NT": ("Australia/Darwin",),
}
_AU_POSTCODES = (
    (800, 999, "NT"),
    (200, 299, "ACT"),
    (1000, 2599, "NSW"),
    (2600, 2618, "ACT"),
    (2619, 2899, "NSW"),
    (2900, 2920, "ACT"),
    (2921, 2999, "NSW"),
    (3000, 3999, "VIC"),
    (4000, 4999, "QLD"),
    (5000, 5999, "SA"),
    (6000, 6999, "WA"),
    (7000, 7999, "TAS"),
    (8000, 8999, "VIC"),
    (9000, 9999, "QLD"),
)
_BROKEN_HILL = ("Australia/Broken_Hill",)
_ZIP5 = re.compile(r"^(\d{5})(?:-?\d{4})?$")


def zones_for_phone_digits(digits: str) -> tuple[str, ...]:
    """Zones of an E.164 number (digits without ``+``), by the longest known prefix."""
    for length in range(min(len(digits), TIMEZONE_LONGEST_PREFIX), 0, -1):
        zones = TIMEZONE_DATA.get(digits[:length])
        if zones is not None:
            return tuple(zone for zone in zones if zone != _UNKNOWN_ZONE)
    return ()


@cache
def _all_zips() -> list[dict[str, Any]]:
    import zipcodes  # 42k ZIPs, loaded once, on first use

    found: list[dict[str, Any]] = zipcodes.list_all()  # type: ignore[no-untyped-call]
    return found


@cache
def _zip_zones() -> dict[str, str]:
    return {z["zip_code"]: z["timezone"] for z in _all_zips() if z.get("timezone")}


@cache
def _state_zones() -> dict[str, tuple[str, ...]]:
    zones: dict[str, set[str]] = {}
    for z in _all_zips():
        if z.get("timezone"):
            zones.setdefault(z["state"], set()).add(z["timezone"])
    return {state: tuple(sorted(found)) for state, found in zones.items()}


def au_state_for_postcode(postcode: str) -> str | None:
    if not postcode.isdigit() or len(postcode) != 4:
        return None
    number = int(postcode)
    for low, high, state in _AU_POSTCODES:
        if low <= number <= high:
            return state
    return None


def zones_for_postal_code(country: str, postal_code: str) -> tuple[str, ...]:
    """Zones named by a postal code, or () when we hold no map for it."""
    code = postal_code.strip().upper()
    if country == "US":
        match = _ZIP5.match(code)
        zone = _zip_zones().get(match.group(1)) if match else None
        return (zone,) if zone else ()
    if country == "AU":
        if code == "2880":
            return _BROKEN_HILL
        state = au_state_for_postcode(code)
        return AU_STATE_ZONES[state] if state else ()
    return ()


def zones_for_region(country: str, region: str | None) -> tuple[str, ...]:
    """Every zone of the region when we know it, else every zone of the country."""
    if region:
        if country == "US":
            zones = _state_zones().get(region.upper())
            if zones:
                return zones
        if country == "AU" and region.upper() in AU_STATE_ZONES:
            return AU_STATE_ZONES[region.upper()]
    territory_zones: Mapping[str, list[str]] = get_global("territory_zones")
    return tuple(sorted(territory_zones.get(country.upper(), ())))


def candidate_zones(
    *,
    country: str,
    region: str | None,
    postal_code: str | None,
    phone_zones: tuple[str, ...] = (),
    stated: str | None = None,
) -> tuple[str, ...]:
    """The zones the consumer may be in: every signal's zones together (sorted, unique);
    with no signal at all, every zone of the region, else of the country."""
    found: set[str] = set(phone_zones)
    if postal_code:
        found.update(zones_for_postal_code(country, postal_code))
    if stated:
        found.add(stated)
    if not found:
        found.update(zones_for_region(country, region))
    return tuple(sorted(found))


def warm() -> None:
    """Load the ZIP table now (about half a second), not during someone's first request."""
    _zip_zones()
    _state_zones()
