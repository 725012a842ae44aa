"""SMS segments: GSM-7 septets and UCS-2 code units, counted as Twilio's calculator does."""

from __future__ import annotations

import pytest

from agency.outreach.segments import Segments, count_segments

# The GSM 03.38 default alphabet, written out here independently of the module.
GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = "^{}\\[~]|€\f"


def test_empty_text_is_no_segment() -> None:
    assert count_segments("") == Segments("GSM-7", 0, 0, 160)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a" * 160, Segments("GSM-7", 160, 1, 160)),
        ("a" * 161, Segments("GSM-7", 161, 2, 153)),
        ("a" * 306, Segments("GSM-7", 306, 2, 153)),
        # Twilio's own test: 307 septets are 153 + 153 + 1.
        ("1234567890" * 30 + "1234567", Segments("GSM-7", 307, 3, 153)),
        ("a" * 459, Segments("GSM-7", 459, 3, 153)),
        ("a" * 460, Segments("GSM-7", 460, 4, 153)),
    ],
)
def test_gsm7_lengths(text: str, expected: Segments) -> None:
    assert count_segments(text) == expected


def test_every_basic_character_is_one_septet() -> None:
    assert count_segments(GSM_BASIC) == Segments("GSM-7", len(GSM_BASIC), 1, 160)


def test_every_extension_character_is_two_septets() -> None:
    assert count_segments(GSM_EXTENSION) == Segments("GSM-7", 20, 1, 160)
    assert count_segments("€" * 80) == Segments("GSM-7", 160, 1, 160)
    # 81 euro signs are 162 septets: 76 fit in a 153-septet segment (152), 5 in the next.
    assert count_segments("€" * 81) == Segments("GSM-7", 162, 2, 153)


def test_an_escaped_character_is_never_split_across_segments() -> None:
    # 306 septets would fill exactly two segments, but the "{" at septets 153-154
    # cannot be split: it starts the second segment, which then spills one septet.
    text = "a" * 152 + "{" + "a" * 152
    assert count_segments(text) == Segments("GSM-7", 306, 3, 153)
    assert count_segments("a" * 151 + "{" + "a" * 153) == Segments("GSM-7", 306, 2, 153)


@pytest.mark.parametrize(
    ("text", "non_gsm"),
    [
        ("Pago recibido, gracias", None),
        ("¿Señor Pérez? ¡Año nuevo!", None),  # ñ, é, ¿, ¡ are GSM-7
        ("información", "ó"),
        ("ça va", "ç"),  # only the capital Ç is in the alphabet
        ("It\u2019s due", "\u2019"),  # a curly apostrophe: no smart encoding
        ("Hi 😜", "😜"),
    ],
)
def test_one_character_outside_gsm7_makes_the_text_ucs2(text: str, non_gsm: str | None) -> None:
    segments = count_segments(text)
    assert segments.encoding == ("GSM-7" if non_gsm is None else "UCS-2")
    assert segments.non_gsm == non_gsm


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("á" * 70, Segments("UCS-2", 70, 1, 70, "á")),
        ("á" * 71, Segments("UCS-2", 71, 2, 67, "á")),
        ("á" * 134, Segments("UCS-2", 134, 2, 67, "á")),
        ("á" * 135, Segments("UCS-2", 135, 3, 67, "á")),
        ("😜", Segments("UCS-2", 2, 1, 70, "😜")),
        ("😜" * 35, Segments("UCS-2", 70, 1, 70, "😜")),
        # Twilio's own test: an emoji and 133 characters are 67 + 67 + 1 units.
        ("😜" + "x" * 133, Segments("UCS-2", 135, 3, 67, "😜")),
    ],
)
def test_ucs2_counts_utf16_units(text: str, expected: Segments) -> None:
    assert count_segments(text) == expected


def test_a_surrogate_pair_is_never_split_across_segments() -> None:
    # 134 units would fill exactly two segments, but the emoji at units 67-68 starts
    # the second one, which then spills one unit into a third.
    assert count_segments("x" * 66 + "😜" + "x" * 66) == Segments("UCS-2", 134, 3, 67, "😜")
    assert count_segments("x" * 65 + "😜" + "x" * 67) == Segments("UCS-2", 134, 2, 67, "😜")


def test_the_extension_table_costs_one_unit_in_ucs2() -> None:
    assert count_segments("€á") == Segments("UCS-2", 2, 1, 70, "á")
