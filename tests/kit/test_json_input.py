"""The bounded JSON loader: exact numbers, and every refusal names where."""

from __future__ import annotations

from decimal import Decimal

import pytest

from agency.kit.json_input import JsonInputError, bad_character, load_json


def test_numbers_come_back_exact() -> None:
    document = load_json(b'{"a": 12, "b": 1234.56, "c": 1.5e3, "d": -0.10, "e": "1e2"}')
    assert document == {
        "a": 12,
        "b": Decimal("1234.56"),
        "c": Decimal("1.5E+3"),
        "d": Decimal("-0.10"),
        "e": "1e2",
    }
    assert type(document["a"]) is int and type(document["b"]) is Decimal


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            b'{"accounts": [{"principal": 1}, {"principal": 1e1000000000}]}',
            "accounts[1].principal: is a number with an exponent beyond ±40",
        ),
        (b'{"n": ' + b"9" * 5000 + b"}", "n: is a number longer than 40 characters"),
        (b'{"n": 1' + b"0" * 40 + b"}", "n: is a number longer than 40 characters"),
        (b'{"n": 1e-41}', "n: is a number with an exponent beyond ±40"),
        (b'{"n": [NaN]}', "n[0]: NaN is not a JSON number"),
        (b'{"n": -Infinity}', "n: -Infinity is not a JSON number"),
        (b'{"a": {"b": "x\\u0000y"}}', "a.b: contains a NUL character"),
        (b'{"a": ["ok", "\\ud800"]}', "a[1]: contains a lone surrogate (not a character)"),
        (b'{"a\\u0000": 1}', "has a key that contains a NUL character"),
        (b'{"a": 1, "a": 2}', "a: is given twice"),
        (b'{"odd key": {"x": 1, "x": 1}}', '["odd key"].x: is given twice'),
        (b"[" * 33 + b"]" * 33, "is nested deeper than 32 levels"),
        (b"[" * 100_000 + b"]" * 100_000, "the JSON is nested deeper than 32 levels"),
        (b'{"a": ', "not JSON: Expecting value at line 1 column 7"),
        (b'{"a": "\xe9"}', "the JSON is not UTF-8 (byte 8)"),
    ],
)
def test_refusals_say_what_and_where(raw: bytes, message: str) -> None:
    with pytest.raises(JsonInputError) as refused:
        load_json(raw)
    assert message in str(refused.value)


def test_nesting_and_items_have_their_limits() -> None:
    assert load_json(b"[" * 32 + b"]" * 32) is not None
    assert load_json("[[1, 2]]", max_depth=2) == [[1, 2]]
    with pytest.raises(JsonInputError, match=r"^\[0\]: is nested deeper than 1 levels$"):
        load_json("[[1, 2]]", max_depth=1)
    with pytest.raises(JsonInputError, match=r"^accounts: has 3 items; at most 2$"):
        load_json('{"accounts": [1, 2, 3]}', max_items=2)
    with pytest.raises(JsonInputError, match=r"^the JSON: has 3 items; at most 2$"):
        load_json("[1, 2, 3]", max_items=2)


def test_the_error_carries_path_and_reason_and_never_the_value() -> None:
    with pytest.raises(JsonInputError) as refused:
        load_json(b'{"accounts": [{"first_name": "secret\\u0000name"}]}')
    assert (refused.value.path, refused.value.reason) == (
        "accounts[0].first_name",
        "contains a NUL character",
    )
    assert "secret" not in str(refused.value)


def test_bad_character() -> None:
    assert bad_character("Zoë Müller") is None
    assert bad_character("a\x00") == "contains a NUL character"
    assert bad_character("a\udfff") == "contains a lone surrogate (not a character)"
