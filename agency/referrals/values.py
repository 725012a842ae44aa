"""Parsers for the values of a referral row, per ``shared/referral-format.md``.

Each parser takes the trimmed text of one cell and returns the value, or raises
``BadValue`` with a message that reads after the column name ("principal: has more than 2
decimal places for USD").  They are pure and fast: a placement runs them millions of
times.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache

from babel import Locale

from agency.kit.money import MoneyError, check_currency
from agency.kit.values import BadValue, shown

# ---- dates ---------------------------------------------------------------------------

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_SLASH = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")

DATE_ORDERS = ("mdy", "dmy")


def parse_date(text: str, order: str) -> date:
    """ISO ``YYYY-MM-DD``, or a slash date read month-first (``mdy``) or day-first (``dmy``)."""
    match = _ISO.match(text)
    if match:
        year, month, day = (int(part) for part in match.groups())
    else:
        match = _SLASH.match(text)
        if not match:
            raise BadValue(
                f"{shown(text)} is not a date (use YYYY-MM-DD or "
                f"{'MM/DD/YYYY' if order == 'mdy' else 'DD/MM/YYYY'})"
            )
        first, second, year = (int(part) for part in match.groups())
        month, day = (first, second) if order == "mdy" else (second, first)
    try:
        return date(year, month, day)
    except ValueError:
        raise BadValue(f"{shown(text)} is not a real date") from None


def parse_currency(text: str) -> str:
    try:
        return check_currency(text)
    except MoneyError:
        raise BadValue(f"{shown(text)} is not an ISO 4217 currency code") from None


# ---- yes/no, names, codes ---------------------------------------------------------------

_YES = frozenset({"yes", "y", "true", "1"})
_NO = frozenset({"no", "n", "false", "0"})


def parse_bool(text: str) -> bool:
    lowered = text.lower()
    if lowered in _YES:
        return True
    if lowered in _NO:
        return False
    raise BadValue(f"{shown(text)} is not yes or no")


def split_full_name(text: str) -> tuple[str, str]:
    """``"Doe, Jane"`` or ``"Jane Q. Doe"`` -> (first, last)."""
    if "," in text:
        last, _, first = text.partition(",")
    else:
        first, _, last = text.rpartition(" ")
    first, last = first.strip(), last.strip()
    if not first or not last:
        raise BadValue(f"{shown(text)} needs a first and a last name")
    return first, last


@cache
def _languages() -> frozenset[str]:
    return frozenset(str(code) for code in Locale("en").languages if len(str(code)) == 2)


def parse_language(text: str) -> str:
    code = text.lower()
    if code not in _languages():
        raise BadValue(f"{shown(text)} is not an ISO 639-1 language code")
    return code


# ---- countries, regions, postal codes --------------------------------------------------

_COUNTRY_NAMES = {
    "USA": "US",
    "UNITED STATES": "US",
    "UNITED STATES OF AMERICA": "US",
    "U.S.": "US",
    "U.S.A.": "US",
    "AMERICA": "US",
    "AUSTRALIA": "AU",
    "UNITED KINGDOM": "GB",
    "UK": "GB",
    "GREAT BRITAIN": "GB",
    "ENGLAND": "GB",
    "SCOTLAND": "GB",
    "WALES": "GB",
    "NORTHERN IRELAND": "GB",
    "CANADA": "CA",
    "NEW ZEALAND": "NZ",
    "IRELAND": "IE",
}


@cache
def _territories() -> frozenset[str]:
    return frozenset(str(code) for code in Locale("en").territories if str(code).isalpha())


def parse_country(text: str) -> str:
    upper = text.strip().upper()
    if len(upper) == 2 and upper in _territories():
        return "GB" if upper == "UK" else upper
    if upper in _COUNTRY_NAMES:
        return _COUNTRY_NAMES[upper]
    raise BadValue(f"{shown(text)} is not a country (use the ISO code, e.g. US)")


US_STATES = {
    "AL": "Alabama",
    "AK": "Alaska",
    "AZ": "Arizona",
    "AR": "Arkansas",
    "CA": "California",
    "CO": "Colorado",
    "CT": "Connecticut",
    "DE": "Delaware",
    "FL": "Florida",
    "GA": "Georgia",
    "HI": "Hawaii",
    "ID": "Idaho",
    "IL": "Illinois",
    "IN": "Indiana",
    "IA": "Iowa",
    "KS": "Kansas",
    "KY": "Kentucky",
    "LA": "Louisiana",
    "ME": "Maine",
    "MD": "Maryland",
    "MA": "Massachusetts",
    "MI": "Michigan",
    "MN": "Minnesota",
    "MS": "Mississippi",
    "MO": "Missouri",
    "MT": "Montana",
    "NE": "Nebraska",
    "NV": "Nevada",
    "NH": "New Hampshire",
    "NJ": "New Jersey",
    "NM": "New Mexico",
    "NY": "New York",
    "NC": "North Carolina",
    "ND": "North Dakota",
    "OH": "Ohio",
    "OK": "Oklahoma",
    "OR": "Oregon",
    "PA": "Pennsylvania",
    "RI": "Rhode Island",
    "SC": "South Carolina",
    "SD": "South Dakota",
    "TN": "Tennessee",
    "TX": "Texas",
    "UT": "Utah",
    "VT": "Vermont",
    "VA": "Virginia",
    "WA": "Washington",
    "WV": "West Virginia",
    "WI": "Wisconsin",
    "WY": "Wyoming",
    "DC": "District of Columbia",
    "PR": "Puerto Rico",
    "GU": "Guam",
    "VI": "U.S. Virgin Islands",
    "AS": "American Samoa",
    "MP": "Northern Mariana Islands",
}
AU_STATES = {
    "NSW": "New South Wales",
    "VIC": "Victoria",
    "QLD": "Queensland",
    "SA": "South Australia",
    "WA": "Western Australia",
    "TAS": "Tasmania",
    "ACT": "Australian Capital Territory",
    "NT": "Northern Territory",
}
CA_PROVINCES = {
    "AB": "Alberta",
    "BC": "British Columbia",
    "MB": "Manitoba",
    "NB": "New Brunswick",
    "NL": "Newfoundland and Labrador",
    "NS": "Nova Scotia",
    "NT": "Northwest Territories",
    "NU": "Nunavut",
    "ON": "Ontario",
    "PE": "Prince Edward Island",
    "QC": "Quebec",
    "SK": "Saskatchewan",
    "YT": "Yukon",
}
GB_NATIONS = {"ENG": "England", "SCT": "Scotland", "WLS": "Wales", "NIR": "Northern Ireland"}
REGIONS = {"US": US_STATES, "AU": AU_STATES, "CA": CA_PROVINCES, "GB": GB_NATIONS}
_REGION_BY_NAME = {
    country: {name.upper(): code for code, name in table.items()}
    for country, table in REGIONS.items()
}


def parse_region(text: str, country: str) -> str:
    """A subdivision code without the country prefix (``IL``, ``NSW``, ``ON``)."""
    upper = text.strip().upper().removeprefix(f"{country}-")
    table = REGIONS.get(country)
    if table is None:
        if not re.fullmatch(r"[A-Z0-9]{1,3}", upper):
            raise BadValue(f"{shown(text)} is not a region code")
        return upper
    if upper in table:
        return upper
    by_name = _REGION_BY_NAME[country].get(upper)
    if by_name:
        return by_name
    raise BadValue(f"{shown(text)} is not a region of {country}")


_POSTAL = {
    "US": (re.compile(r"^\d{5}(?:-?\d{4})?$"), "a ZIP code (12345 or 12345-6789)"),
    "AU": (re.compile(r"^\d{4}$"), "a 4-digit postcode"),
    "CA": (re.compile(r"^[A-Z]\d[A-Z] ?\d[A-Z]\d$"), "a postal code like M5H 2N2"),
    "GB": (re.compile(r"^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$"), "a postcode like SW1A 1AA"),
}


def parse_postal_code(text: str, country: str) -> str:
    upper = text.strip().upper()
    rule = _POSTAL.get(country)
    if rule is not None:
        pattern, shape = rule
        if not pattern.match(upper):
            raise BadValue(f"{shown(text)} is not {shape}")
        if country == "US" and len(upper) == 9:
            upper = f"{upper[:5]}-{upper[5:]}"
    elif len(upper) > 12:
        raise BadValue(f"{shown(text)} is too long for a postal code")
    return upper
