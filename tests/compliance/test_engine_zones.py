"""Candidate zones, packs, the catalogue and the template registry."""

from __future__ import annotations

import pytest

from agency.compliance import packs
from agency.compliance.catalogue import CATALOGUE, describe, retention_years
from agency.compliance.engine import RULE_SET
from agency.compliance.facts import ConsumerFacts, ContactPointFacts
from agency.compliance.templates import TEMPLATES
from agency.compliance.zones import candidate_zones
from agency.kit.timezones import (
    ca_province_for_postal_code,
    is_nyc_postal_code,
    region_for_postal_code,
    zones_for_postal_code,
    zones_for_region,
)


def _consumer(
    country: str,
    region: str | None = None,
    postal: str | None = None,
    phones: tuple[str, ...] = (),
    stated: str | None = None,
    timezones: tuple[str, ...] | None = None,
) -> ConsumerFacts:
    return ConsumerFacts(
        country=country,
        region=region,
        postal_code=postal,
        stated_timezone=stated,
        timezones=timezones,
        contact_points=tuple(
            ContactPointFacts(id=f"p{i}", channel="phone", value=value)
            for i, value in enumerate(phones)
        ),
    )


def test_zones_from_every_signal() -> None:
    assert candidate_zones(_consumer("US", "IL", "60601", ("+12135550100",))) == (
        "America/Chicago",
        "America/Los_Angeles",
    )
    # toll-free numbers say nothing about where someone is
    assert candidate_zones(_consumer("US", "IL", "60601", ("+18005550100",))) == (
        "America/Chicago",
    )
    # an Australian or UK mobile is not geographical
    assert candidate_zones(_consumer("AU", "NSW", None, ("+61412345678",))) == ("Australia/Sydney",)
    assert candidate_zones(_consumer("GB", None, None, ("+447700900123",))) == ("Europe/London",)
    assert candidate_zones(_consumer("AU", None, "2000", ("+61892345678",))) == (
        "Australia/Adelaide",
        "Australia/Perth",
        "Australia/Sydney",
    )


def test_no_signal_means_every_zone_of_the_region_else_the_country() -> None:
    assert candidate_zones(_consumer("US", "AZ")) == zones_for_region("US", "AZ")
    assert "Pacific/Honolulu" in candidate_zones(_consumer("US"))
    assert candidate_zones(_consumer("CA", "ON")) == ("America/Toronto", "America/Winnipeg")
    assert candidate_zones(_consumer("UK")) == ("Europe/London",)
    assert candidate_zones(_consumer("XX")) == ("Etc/UTC",)


def test_stored_zones_are_used_as_they_are_plus_the_stated_one() -> None:
    stored = _consumer("US", "IL", "60601", ("+12135550100",), timezones=("America/New_York",))
    assert candidate_zones(stored) == ("America/New_York",)
    stated = _consumer(
        "US", "IL", "60601", stated="America/Denver", timezones=("America/New_York",)
    )
    assert candidate_zones(stated) == ("America/Denver", "America/New_York")


def test_first_signal_only() -> None:
    consumer = _consumer("US", "IL", "60601", ("+12135550100",), stated="America/Denver")
    assert candidate_zones(consumer, all_signals=False) == ("America/Chicago",)
    no_postal = _consumer("US", "IL", None, ("+12135550100",), stated="America/Denver")
    assert candidate_zones(no_postal, all_signals=False) == ("America/Denver",)
    phones_only = _consumer("US", "IL", None, ("+12135550100",))
    assert candidate_zones(phones_only, all_signals=False) == ("America/Los_Angeles",)


@pytest.mark.parametrize(
    ("code", "province", "zones"),
    [
        ("M5H 2N2", "ON", ("America/Toronto",)),
        ("m5h2n2", "ON", ("America/Toronto",)),
        ("P9N 1A1", "ON", ("America/Winnipeg",)),
        ("H2X 1Y4", "QC", ("America/Toronto",)),
        ("G4T 1A1", "QC", ("America/Halifax",)),
        ("V6B 1A1", "BC", ("America/Vancouver",)),
        ("T2P 1J9", "AB", ("America/Edmonton",)),
        ("S4P 3Y2", "SK", ("America/Regina",)),
        ("A1C 5M2", "NL", ("America/St_Johns",)),
        ("X0A 0H0", "NU", ("America/Iqaluit",)),
        ("X1A 2L9", "NT", ("America/Edmonton",)),
        ("Y1A 1A1", "YT", ("America/Whitehorse",)),
        ("D1A 1A1", None, ()),
        ("12345", None, ()),
    ],
)
def test_canadian_postal_codes(code: str, province: str | None, zones: tuple[str, ...]) -> None:
    assert ca_province_for_postal_code(code) == province
    assert zones_for_postal_code("CA", code) == zones


def test_nyc_and_regions_from_postal_codes() -> None:
    assert all(is_nyc_postal_code(z) for z in ("10001", "11201", "11375", "10451", "10301"))
    assert not any(is_nyc_postal_code(z) for z in ("10701", "12207", "60601", "abc"))
    assert region_for_postal_code("US", "02108") == "MA"
    assert region_for_postal_code("AU", "2000") == "NSW"
    assert region_for_postal_code("CA", "H2X 1Y4") == "QC"
    assert region_for_postal_code("GB", "SW1A 1AA") is None


def test_packs() -> None:
    assert "US-MA-CALLS" in packs.rule_ids("US", frozenset({"MA"}))
    assert "US-NYC-FREQ" in packs.rule_ids("US", frozenset({"NY"}), nyc=True)
    assert "US-NYC-FREQ" not in packs.rule_ids("US", frozenset({"NY"}))
    assert packs.rule_ids("CA", frozenset({"BC"})) == {"AGENCY-PREFERENCES"}
    assert packs.rule_ids("CA", frozenset({"QC"})) == {"AGENCY-PREFERENCES", "CA-QC-HOURS"}
    assert packs.rule_ids("UK") == packs.rule_ids("GB") == {"UK-CONC-POLICY"}
    assert packs.rule_ids("FR") == {"AGENCY-PREFERENCES"}
    letter = {r.id for r in packs.rules_for("US", frozenset(), False, "letter")}
    assert "US-REGF-7IN7" not in letter and "US-REGF-TIME" in letter


def test_retention() -> None:
    assert retention_years("US", "IL") == 3
    assert retention_years("US", "WA") == 4
    assert retention_years("us", "wa") == 4
    assert retention_years("GB", None) == 3


def test_every_rule_id_is_in_the_catalogue() -> None:
    ids = set()
    for country, regions in (
        ("US", {"MA", "WA", "NY"}),
        ("AU", set()),
        ("CA", {"ON", "QC"}),
        ("GB", set()),
    ):
        ids |= packs.rule_ids(country, frozenset(regions), nyc=True)
    assert ids <= set(CATALOGUE)
    assert set(CATALOGUE) - ids == {"US-REGF-RECORDS"}
    for entry in CATALOGUE.values():
        assert entry.title and entry.citation and entry.plain.endswith(".")
    assert describe("US-REGF-TIME").plain.startswith("Calls, texts, e-mails and letters are only")
    unknown = describe("XX-NOPE")
    assert unknown.known is False and unknown.id == "XX-NOPE"
    assert RULE_SET == "2026.1"


def test_rule_docstrings_cite_their_source() -> None:
    for country, regions in (
        ("US", {"MA", "WA", "NY"}),
        ("AU", set()),
        ("CA", {"ON", "QC"}),
        ("GB", set()),
    ):
        for channel in ("call", "sms", "email", "letter", "credit_report"):
            for rule in packs.rules_for(country, frozenset(regions), True, channel):  # type: ignore[arg-type]
                doc = type(rule).__doc__ or ""
                assert doc.startswith(rule.id), rule.id


def test_templates() -> None:
    assert {
        "validation-notice",
        "payment-reminder-sms",
        "payment-reminder-email",
        "cease-confirmation",
        "remedy-notice",
        "debt-verification",
        "opt-out-confirmation",
        "suit-notice",
    } <= set(TEMPLATES)
    for template in TEMPLATES.values():
        # the line without the full mini-Miranda would let history turn a block into an allow
        assert template.full_mini_miranda or not template.debt_collector_line
        if template.channels & {"sms", "email"} and template.full_mini_miranda:
            assert template.opt_out_instruction, template.id
    assert TEMPLATES["suit-notice"].threatens_suit
    assert TEMPLATES["validation-notice"].validation_notice
    assert TEMPLATES["debt-verification"].debt_verification
    assert TEMPLATES["cease-confirmation"].cease_exception
