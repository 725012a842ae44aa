"""Where a consumer may be, as IANA time zones, from every location signal we hold.

Signals: the postal code (US ZIP from the ``zipcodes`` data set, Australian postcode
ranges), a geographical phone number's prefix (``phonenumbers``' time-zone map), the
region (state/province), and the country.  The compliance gate needs the *candidates*:
an attempt must be convenient in every one of them, so nothing here guesses a single
zone.  Referral intake computes them once per consumer and stores them.
"""

from __future__ import annotations

import os
import re
from bisect import bisect_left
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import NamedTuple
from zoneinfo import available_timezones

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

# Canadian provinces and territories: every zone each one spans (for a consumer we know
# only the province of), and the first letter of a postal code (its forward sortation
# area) -> the province.  X is split between the Northwest Territories and Nunavut.
CA_PROVINCE_ZONES = {
    "NL": ("America/Goose_Bay", "America/St_Johns"),
    "NS": ("America/Halifax",),
    "PE": ("America/Halifax",),
    "NB": ("America/Moncton",),
    "QC": ("America/Blanc-Sablon", "America/Halifax", "America/Toronto"),
    "ON": ("America/Toronto", "America/Winnipeg"),
    "MB": ("America/Winnipeg",),
    "SK": ("America/Edmonton", "America/Regina"),
    "AB": ("America/Edmonton",),
    "BC": (
        "America/Creston",
        "America/Dawson_Creek",
        "America/Edmonton",
        "America/Fort_Nelson",
        "America/Vancouver",
    ),
    "NT": ("America/Edmonton", "America/Inuvik"),
    "NU": ("America/Cambridge_Bay", "America/Iqaluit", "America/Rankin_Inlet"),
    "YT": ("America/Whitehorse",),
}
_CA_LETTER_PROVINCE = {
    "A": "NL",
    "B": "NS",
    "C": "PE",
    "E": "NB",
    "G": "QC",
    "H": "QC",
    "J": "QC",
    "K": "ON",
    "L": "ON",
    "M": "ON",
    "N": "ON",
    "P": "ON",
    "R": "MB",
    "S": "SK",
    "T": "AB",
    "V": "BC",
    "Y": "YT",
}
# Forward sortation areas whose zone differs from the province's usual one (prefix ->
# zones); the longest matching prefix wins, else the province's main zone below.
_CA_FSA_ZONES = {
    "A0P": ("America/Goose_Bay",),  # Labrador
    "A0R": ("America/Goose_Bay",),
    "A2V": ("America/Goose_Bay",),
    "G4T": ("America/Halifax",),  # Magdalen Islands
    "G0G": ("America/Blanc-Sablon", "America/Toronto"),  # Lower North Shore
    "P0T": ("America/Atikokan", "America/Toronto"),
    "P0V": ("America/Winnipeg",),  # north-western Ontario keeps Central time
    "P0W": ("America/Winnipeg",),
    "P0X": ("America/Winnipeg",),
    "P8N": ("America/Winnipeg",),
    "P8T": ("America/Winnipeg",),
    "P9A": ("America/Winnipeg",),
    "P9N": ("America/Winnipeg",),
    "S9V": ("America/Edmonton",),  # Lloydminster
    "V0A": ("America/Edmonton", "America/Vancouver"),  # the Kootenays
    "V0B": ("America/Creston", "America/Edmonton"),
    "V1C": ("America/Edmonton",),  # Cranbrook
    "V0C": ("America/Dawson_Creek", "America/Fort_Nelson"),  # north-eastern BC
    "V1G": ("America/Dawson_Creek",),
    "V1J": ("America/Dawson_Creek",),
    "X0A": ("America/Iqaluit",),
    "X0B": ("America/Cambridge_Bay",),
    "X0C": ("America/Rankin_Inlet",),
    "X0E": ("America/Edmonton", "America/Inuvik"),
    "X0G": ("America/Edmonton",),
    "X1A": ("America/Edmonton",),
}
_CA_MAIN_ZONE = {
    "NL": ("America/St_Johns",),
    "QC": ("America/Toronto",),
    "ON": ("America/Toronto",),
    "SK": ("America/Regina",),
    "BC": ("America/Vancouver",),
    "NT": ("America/Edmonton",),
}
_CA_POSTAL = re.compile(r"^([ABCEGHJ-NPRSTVXY]\d[A-Z])(?: ?\d[A-Z]\d)?$")
# New York City's five boroughs, by county (US-NYC-FREQ).
_NYC_COUNTIES = frozenset(
    {"New York County", "Kings County", "Queens County", "Bronx County", "Richmond County"}
)


def zones_for_phone_digits(digits: str) -> tuple[str, ...]:
    """Zones of an E.164 number (digits without ``+``), by the longest known prefix."""
    for length in range(min(len(digits), TIMEZONE_LONGEST_PREFIX), 0, -1):
        zones = TIMEZONE_DATA.get(digits[:length])
        if zones is not None:
            return tuple(zone for zone in zones if zone != _UNKNOWN_ZONE)
    return ()


class _Zip(NamedTuple):
    """What we keep of a ZIP code's record: its state, zone and whether it is in NYC."""

    state: str
    zone: str | None
    nyc: bool


def _zip_table_text() -> str:
    """The 42k US ZIP codes boiled down to one sorted line each (code, state, zone, NYC)
    from the ``zipcodes`` data set (its full records, with cities, area codes and
    coordinates, would hold ~140 MB in every process)."""
    from zipcodes import _zipcodes  # the Rust core: ``zipcodes.list_all`` keeps its result

    return "\n".join(
        sorted(
            f"{r['zip_code']}\t{r['state']}\t{r.get('timezone') or ''}\t"
            + ("nyc" if r["state"] == "NY" and r.get("county") in _NYC_COUNTIES else "")
            for r in _zipcodes.list_all()
        )
    )


def _zip_cache() -> Path:
    from importlib.metadata import version

    from agency.config import VAR

    return VAR / "cache" / f"zipcodes-{version('zipcodes')}.tsv"


@cache
def _zip_lines() -> list[str]:
    """The ZIP table as sorted lines, looked up by bisection (~3 MB).

    Reading the data set takes half a second, so the boiled table is kept in
    ``var/cache`` (named by the data set's version) and later processes (each
    ``agency compliance evaluate``) read it in milliseconds.  A read-only ``var`` only
    makes each process read the data set again."""
    cache_file = _zip_cache()
    try:
        text = cache_file.read_text(encoding="ascii")
    except OSError:
        text = _zip_table_text()
        try:
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            partial = cache_file.with_suffix(f".{os.getpid()}.part")
            partial.write_text(text, encoding="ascii")
            partial.replace(cache_file)  # whole or not at all, for a concurrent reader
        except OSError:
            pass
    return text.splitlines()


def _zip(code: str) -> _Zip | None:
    lines = _zip_lines()
    key = code + "\t"
    index = bisect_left(lines, key)
    if index == len(lines) or not lines[index].startswith(key):
        return None
    _, state, zone, nyc = lines[index].split("\t")
    return _Zip(state, zone or None, bool(nyc))


@cache
def _state_zones() -> dict[str, tuple[str, ...]]:
    zones: dict[str, set[str]] = {}
    for line in _zip_lines():
        _, state, zone, _ = line.split("\t")
        if zone:
            zones.setdefault(state, set()).add(zone)
    return {state: tuple(sorted(found)) for state, found in zones.items()}


def au_state_for_postcode(postcode: str) -> str | None:
    if not postcode.isdigit() or len(postcode) != 4:
        return None
    number = int(postcode)
    for low, high, state in _AU_POSTCODES:
        if low <= number <= high:
            return state
    return None


def ca_province_for_postal_code(postal_code: str) -> str | None:
    """The Canadian province or territory of a postal code (``M5H 2N2`` -> ``ON``)."""
    match = _CA_POSTAL.match(postal_code.strip().upper())
    if match is None:
        return None
    fsa = match.group(1)
    if fsa[0] == "X":
        return "NU" if fsa in ("X0A", "X0B", "X0C") else "NT"
    return _CA_LETTER_PROVINCE.get(fsa[0])


def _ca_zones(postal_code: str) -> tuple[str, ...]:
    province = ca_province_for_postal_code(postal_code)
    if province is None:
        return ()
    fsa = postal_code.strip().upper()[:3]
    return _CA_FSA_ZONES.get(fsa) or _CA_MAIN_ZONE.get(province) or CA_PROVINCE_ZONES[province]


def us_state_for_zip(postal_code: str) -> str | None:
    """The US state (or territory) of a ZIP code, from the ``zipcodes`` data set."""
    match = _ZIP5.match(postal_code.strip())
    record = _zip(match.group(1)) if match else None
    return record.state if record else None


def is_nyc_postal_code(postal_code: str) -> bool:
    """True for a ZIP code in New York City (the five boroughs' counties)."""
    match = _ZIP5.match(postal_code.strip())
    record = _zip(match.group(1)) if match else None
    return bool(record and record.nyc)


def region_for_postal_code(country: str, postal_code: str) -> str | None:
    """The state/province a postal code belongs to (US, CA, AU), else None."""
    if country == "US":
        return us_state_for_zip(postal_code)
    if country == "CA":
        return ca_province_for_postal_code(postal_code)
    if country == "AU":
        return au_state_for_postcode(postal_code.strip())
    return None


def zones_for_postal_code(country: str, postal_code: str) -> tuple[str, ...]:
    """Zones named by a postal code, or () when we hold no map for it."""
    code = postal_code.strip().upper()
    if country == "CA":
        return _ca_zones(code)
    if country == "US":
        match = _ZIP5.match(code)
        record = _zip(match.group(1)) if match else None
        return (record.zone,) if record and record.zone else ()
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
        if country == "CA" and region.upper() in CA_PROVINCE_ZONES:
            return CA_PROVINCE_ZONES[region.upper()]
    if country == "UK":  # the common name; ISO 3166 says GB
        country = "GB"
    territory_zones: Mapping[str, list[str]] = get_global("territory_zones")
    return tuple(sorted(territory_zones.get(country.upper(), ())))


def candidate_zones(
    *,
    country: str,
    region: str | None,
    postal_code: str | None,
    phone_zones: tuple[str, ...] = (),
    stated: str | None = None,
    all_signals: bool = True,
) -> tuple[str, ...]:
    """The zones the consumer may be in: every signal's zones together (sorted, unique);
    with no signal at all, every zone of the region, else of the country.
    ``all_signals=False`` takes only the first signal that names a zone: the postal
    code, else the stated zone, else the phones."""
    signals = (
        zones_for_postal_code(country, postal_code) if postal_code else (),
        (stated,) if stated else (),
        phone_zones,
    )
    if all_signals:
        found = {zone for signal in signals for zone in signal}
    else:
        found = set(next((signal for signal in signals if signal), ()))
    if not found:
        found.update(zones_for_region(country, region))
    return tuple(sorted(found))


def warm() -> None:
    """Load the ZIP table now (about half a second), not during someone's first request."""
    _state_zones()


@cache
def user_zone_names() -> frozenset[str]:
    """The IANA zones a user may choose for their screens (the tz database's, without
    its ``posix/`` and ``right/`` copies)."""
    return frozenset(
        name
        for name in available_timezones()
        if not name.startswith(("posix/", "right/")) and name not in ("localtime", "Factory")
    )


def user_zone_choices() -> list[str]:
    """``user_zone_names`` sorted, UTC first: the profile's select."""
    return ["UTC", *sorted(user_zone_names() - {"UTC"})]
