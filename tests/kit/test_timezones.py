from __future__ import annotations

import pytest

from agency.kit.timezones import candidate_zones, zones_for_postal_code, zones_for_region


@pytest.mark.parametrize(
    ("country", "code", "zones"),
    [
        ("US", "60601", ("America/Chicago",)),
        ("US", "60601-1234", ("America/Chicago",)),
        ("US", "99501", ("America/Anchorage",)),
        ("US", "00000", ()),
        ("AU", "2000", ("Australia/Sydney",)),
        ("AU", "2880", ("Australia/Broken_Hill",)),
        ("AU", "0800", ("Australia/Darwin",)),
        ("AU", "6000", ("Australia/Perth",)),
        ("GB", "SW1A 1AA", ()),
    ],
)
def test_postal_codes(country: str, code: str, zones: tuple[str, ...]) -> None:
    assert zones_for_postal_code(country, code) == zones


def test_region_and_country_fallbacks() -> None:
    assert "America/Chicago" in zones_for_region("US", "IN")
    assert "America/Indiana/Indianapolis" in zones_for_region("US", "IN")
    assert zones_for_region("GB", None) == ("Europe/London",)
    assert "Australia/Perth" in zones_for_region("AU", None)


def test_candidates_merge_every_signal() -> None:
    zones = candidate_zones(
        country="US",
        region="IL",
        postal_code="60601",
        phone_zones=("America/Los_Angeles",),
        stated=None,
    )
    assert zones == ("America/Chicago", "America/Los_Angeles")
    assert candidate_zones(country="GB", region=None, postal_code="SW1A 1AA") == ("Europe/London",)
