"""The rule packs: which rules apply to which consumer, with their parameters as data.

A consumer gets the pack of their country, plus the overlays of their state/province —
the ``region`` we hold *and* the one their postal code says, when those differ (both
apply: the strictest wins) — plus New York City's when their ZIP is in one of the five
boroughs.  A country we have no pack for gets only the agency-wide rules
(``AGENCY-PREFERENCES``).  ``UK`` is read as ``GB``.

Parameters the catalogue marks C or *policy* come from ``facts.Policy`` at evaluation
time; the ones fixed by regulation are the rule classes' fields, set here.
"""

from __future__ import annotations

from functools import lru_cache

from agency.compliance.facts import CHANNELS, AttemptChannel
from agency.compliance.rules import (
    AgencyElectronicCap,
    AgencyPreferences,
    AuAcccFreq,
    AuAcccHours,
    CaOnFreq,
    CaOnHours,
    CaQcHours,
    FdcpaMiniMiranda,
    MaCalls,
    NycFreq,
    NyDfs,
    RegF7DayConvo,
    RegF7in7,
    RegFAttorney,
    RegFCease,
    RegFDisputeHold,
    RegFEOptOut,
    RegFInconvenient,
    RegFMedium,
    RegFPassive,
    RegFTime,
    RegFTimeBarred,
    RegFValidation,
    RegFWorkplace,
    Rule,
    TcpaConsent,
    TcpaRevoke,
    UkConcPolicy,
    WaFreq,
)

US_FEDERAL: tuple[Rule, ...] = (
    RegFTime(start=8 * 60, end=21 * 60),
    RegFInconvenient(),
    RegF7in7(limit=7, days=7),
    RegF7DayConvo(days=7),
    RegFCease(),
    RegFMedium(),
    RegFAttorney(),
    RegFWorkplace(),
    RegFEOptOut(),
    RegFValidation(days=5),
    RegFDisputeHold(),
    RegFTimeBarred(),
    RegFPassive(),
    FdcpaMiniMiranda(),
    TcpaConsent(),
    TcpaRevoke(),
    AgencyElectronicCap(days=7),
)
US_STATES: dict[str, tuple[Rule, ...]] = {
    "MA": (MaCalls(personal_limit=2, personal_days=7, work_limit=2, work_days=30),),
    "WA": (
        WaFreq(
            week_limit=3,
            workplace_limit=1,
            mobile_daily_limit=2,
            home_start=7 * 60 + 30,
            home_end=21 * 60,
        ),
    ),
    "NY": (NyDfs(attempt_limit=3, conversation_limit=1, days=7),),
}
US_NYC: tuple[Rule, ...] = (NycFreq(days=7),)
AU: tuple[Rule, ...] = (
    AuAcccFreq(week_limit=3, month_limit=10),
    AuAcccHours(),
    AgencyPreferences(),
)
CA: tuple[Rule, ...] = (AgencyPreferences(),)
CA_PROVINCES: dict[str, tuple[Rule, ...]] = {
    "ON": (CaOnFreq(limit=3, days=7), CaOnHours()),
    "QC": (CaQcHours(),),
}
GB: tuple[Rule, ...] = (UkConcPolicy(),)
AGENCY_WIDE: tuple[Rule, ...] = (AgencyPreferences(),)

RETENTION_YEARS = 3
RETENTION_YEARS_BY_REGION = {("US", "WA"): 4}


def normalize_country(country: str) -> str:
    code = country.strip().upper()
    return "GB" if code == "UK" else code


@lru_cache(maxsize=4096)
def rules_for(
    country: str, regions: frozenset[str], nyc: bool, channel: AttemptChannel
) -> tuple[Rule, ...]:
    """Every rule that governs ``channel`` for a consumer of ``country`` in ``regions``
    (and New York City when ``nyc``), in a fixed order."""
    country = normalize_country(country)
    found: list[Rule] = []
    if country == "US":
        found.extend(US_FEDERAL)
        for region in sorted(regions):
            found.extend(US_STATES.get(region, ()))
        if nyc:
            found.extend(US_NYC)
    elif country == "AU":
        found.extend(AU)
    elif country == "CA":
        found.extend(CA)
        for region in sorted(regions):
            found.extend(CA_PROVINCES.get(region, ()))
    elif country == "GB":
        found.extend(GB)
    else:
        found.extend(AGENCY_WIDE)
    return tuple(rule for rule in found if channel in rule.channels)


def rule_ids(country: str, regions: frozenset[str] = frozenset(), nyc: bool = False) -> set[str]:
    """The ids that may block anything for such a consumer (any channel)."""
    ids: set[str] = set()
    for channel in (*CHANNELS, "credit_report"):
        ids.update(rule.id for rule in rules_for(country, regions, nyc, channel))
    return ids


def retention_years(country: str, region: str | None) -> int:
    """US-REGF-RECORDS (12 CFR 1006.100): how long contact records are kept after the
    last collection activity on the debt — 3 years; Washington 4 (its collection agency
    law asks for longer)."""
    key = (normalize_country(country), (region or "").strip().upper())
    return RETENTION_YEARS_BY_REGION.get(key, RETENTION_YEARS)
