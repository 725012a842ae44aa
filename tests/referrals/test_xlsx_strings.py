"""Our shared-strings reader gives exactly what openpyxl's gives, on every document."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.reader.strings import read_string_table

from agency.referrals.xlsx_strings import _parsed, _usual, read_shared_strings
from tests.fixtures.referral_files import MAIN

# Characters that matter: markup, entities, line ends, openpyxl's escape, non-ASCII.
TEXT = st.text(
    alphabet=st.sampled_from(list("ab &<>\"'\r\n\t]x005F_é€中😀")) | st.characters(codec="utf-8"),
    max_size=12,
).filter(lambda text: all(ch in "\t\n\r" or ch >= " " for ch in text))


def escaped(text: str, character_references: bool) -> str:
    out = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if character_references:
        out = out.replace("\r", "&#13;").replace("é", "&#xe9;").replace('"', "&quot;")
    return out


@st.composite
def shared_strings(draw: st.DrawFn) -> bytes:
    items = []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["plain", "preserve", "empty", "phonetic", "rich"]))
        text = escaped(draw(TEXT), draw(st.booleans()))
        if kind == "plain":
            items.append(f"<si><t>{text}</t></si>")
        elif kind == "preserve":
            items.append(f'<si><t xml:space="preserve">{text}</t></si>')
        elif kind == "empty":
            items.append("<si><t/></si>")
        elif kind == "phonetic":
            reading = escaped(draw(TEXT), False)
            items.append(
                f'<si><t>{text}</t><rPh sb="0" eb="1"><t>{reading}</t></rPh>'
                '<phoneticPr fontId="1" type="noConversion"/></si>'
            )
        else:
            runs = "".join(
                f"<r><rPr><b/></rPr><t>{escaped(draw(TEXT), False)}</t></r>" for _ in range(2)
            )
            items.append(f"<si>{runs}</si>")
    separator = draw(st.sampled_from(["", "\n", "\r\n  "]))
    declaration = draw(st.sampled_from(["", '<?xml version="1.0" encoding="UTF-8"?>\n']))
    head = f'{declaration}<sst xmlns="{MAIN}" count="{len(items)}">'
    document = head + separator.join(items) + "</sst>"
    return document.encode()


@settings(max_examples=300, deadline=None)
@given(shared_strings())
def test_we_read_what_openpyxl_reads(document: bytes) -> None:
    expected = read_string_table(io.BytesIO(document))
    assert read_shared_strings(io.BytesIO(document)) == expected
    assert _parsed(document) == expected


def test_the_usual_part_takes_the_quick_way_and_an_unusual_one_the_parser() -> None:
    usual = f'<sst xmlns="{MAIN}"><si><t>Smith &amp; Sons</t></si><si><t/></si></sst>'.encode()
    assert _usual(usual) == ["Smith & Sons", ""]
    prefixed = (
        f'<x:sst xmlns:x="{MAIN}"><x:si><x:t>a</x:t></x:si>'
        "<x:si><x:r><x:t>b</x:t></x:r><x:r><x:t>c</x:t></x:r></x:si></x:sst>"
    ).encode()
    assert read_shared_strings(io.BytesIO(prefixed)) == ["a", "bc"]
    assert read_shared_strings(io.BytesIO(prefixed)) == read_string_table(io.BytesIO(prefixed))
