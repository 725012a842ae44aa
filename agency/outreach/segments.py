"""How many SMS segments a text costs, and in which encoding (GSM-7 or UCS-2).

A text whose every character is in the GSM 03.38 default alphabet travels as GSM-7:
160 septets in one segment; a longer one is split into segments of 153 (the 7 others
carry the concatenation header).  A character of the extension table (``^ { } \\ [ ~ ] |
€`` and form feed) costs 2 septets, an escape and the character, and the two are never
split across segments.  One character outside both tables makes the whole text UCS-2:
70 UTF-16 code units in one segment, 67 per segment beyond; a character outside the
Basic Multilingual Plane (an emoji) is a surrogate pair, 2 units that are never split.
These are the rules of Twilio's segment calculator (without its "smart encoding", which
swaps curly quotes and the like for GSM look-alikes; agency sends the text as written).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

Encoding = Literal["GSM-7", "UCS-2"]

# The GSM 03.38 default alphabet (the escape 0x1B itself is not a character).
_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each is sent as ESC + a septet.
_GSM_EXTENSION = frozenset("\f^{}\\[~]|€")

SINGLE: Mapping[Encoding, int] = MappingProxyType({"GSM-7": 160, "UCS-2": 70})
"""What one segment holds when the text fits in one: septets or UTF-16 code units."""
CONCATENATED: Mapping[Encoding, int] = MappingProxyType({"GSM-7": 153, "UCS-2": 67})
"""What each segment of a longer text holds (the rest carries the concatenation header)."""


@dataclass(frozen=True, slots=True)
class Segments:
    """A text's cost as SMS.

    ``characters`` is in the encoding's units: septets for GSM-7 (an extension character
    counts 2), UTF-16 code units for UCS-2 (an emoji counts 2).  ``per_segment`` is what
    a segment holds at this length (160/70 for one segment, 153/67 beyond).  ``non_gsm``
    is the first character that forced UCS-2, None for GSM-7.  An empty text is 0
    segments: there is nothing to send."""

    encoding: Encoding
    characters: int
    segments: int
    per_segment: int
    non_gsm: str | None = None


def _first_non_gsm(text: str) -> str | None:
    for char in text:
        if char not in _GSM_BASIC and char not in _GSM_EXTENSION:
            return char
    return None


def _cost(char: str, encoding: Encoding) -> int:
    if encoding == "GSM-7":
        return 2 if char in _GSM_EXTENSION else 1
    return 2 if ord(char) > 0xFFFF else 1


def count_segments(text: str) -> Segments:
    """The encoding, length and number of segments of ``text`` as an SMS.

    Segments are filled greedily, one character at a time, and a character whose units
    would straddle two segments (an escaped GSM-7 character, a surrogate pair) starts
    the next one, as handsets and Twilio do."""
    non_gsm = _first_non_gsm(text)
    encoding: Encoding = "GSM-7" if non_gsm is None else "UCS-2"
    costs = [_cost(char, encoding) for char in text]
    total = sum(costs)
    if total == 0:
        return Segments(encoding, 0, 0, SINGLE[encoding], non_gsm)
    if total <= SINGLE[encoding]:
        return Segments(encoding, total, 1, SINGLE[encoding], non_gsm)
    room = CONCATENATED[encoding]
    segments, used = 1, 0
    for cost in costs:
        if used + cost > room:
            segments, used = segments + 1, 0
        used += cost
    return Segments(encoding, total, segments, room, non_gsm)
