"""The fast phone path agrees with phonenumbers on every input, and is what we expect."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from agency.kit.phones import parse_phone, parse_phone_reference


@pytest.mark.parametrize(
    ("raw", "region", "e164", "line_type", "zones"),
    [
        ("(312) 555-0123", "US", "+13125550123", "fixed_line_or_mobile", ("America/Chicago",)),
        ("1-312-555-0123", "US", "+13125550123", "fixed_line_or_mobile", ("America/Chicago",)),
        ("+1 416 555 0199", "US", "+14165550199", "fixed_line_or_mobile", ("America/Toronto",)),
        ("0491 570 006", "AU", "+61491570006", "mobile", ()),
        ("(02) 9374 4000", "AU", "+61293744000", "fixed_line", ("Australia/Sydney",)),
        ("020 7946 0018", "GB", "+442079460018", "fixed_line", ("Europe/London",)),
        ("07400 123456", "GB", "+447400123456", "mobile", ()),
        ("1-800-FLOWERS", "US", "+18003569377", "toll_free", ()),
    ],
)
def test_known_numbers(
    raw: str, region: str, e164: str, line_type: str, zones: tuple[str, ...]
) -> None:
    phone = parse_phone(raw, region)
    assert phone is not None
    assert (phone.e164, phone.line_type, phone.timezones) == (e164, line_type, zones)


@pytest.mark.parametrize(
    "raw",
    ["", "12345", "555-0123", "(312) 555-012", "abc", "+99 123", "0000000000", "+1 312 555 0123 4"],
)
def test_invalid_numbers(raw: str) -> None:
    assert parse_phone(raw, "US") is None


digits = st.text(alphabet="0123456789", min_size=6, max_size=13)
decorations = st.sampled_from(
    ["{}", "+{}", "+1{}", "+61{}", "+44{}", "0{}", "1{}", "({}) ", "{} ext 12", "00{}"]
)


@settings(max_examples=1500, deadline=None)
@given(digits, decorations, st.sampled_from(["US", "CA", "AU", "GB", "NZ", "DE"]))
@example("3125550123", "{}", "US")
@example("491570006", "0{}", "AU")
def test_fast_path_agrees_with_phonenumbers(number: str, shape: str, region: str) -> None:
    raw = shape.format(number)
    assert parse_phone(raw, region) == parse_phone_reference(raw, region)


@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"\(?[2-9]\d\d\)?[ .-]?[2-9]\d\d[ .-]?\d{4}", fullmatch=True))
def test_formatted_nanp_numbers_agree(raw: str) -> None:
    assert parse_phone(raw, "US") == parse_phone_reference(raw, "US")
