"""JSON from outside (request bodies, files), read within bounds.

``json.loads`` accepts what later breaks us: ``1e1000000000`` (a billion digits once
formatted), integers of thousands of digits, ``NaN``, strings with NUL (PostgreSQL
refuses them) or lone surrogates (``"\\ud800"``: no encoding can write it), nesting deep
enough to exhaust the stack, duplicate keys (which one counts?).  ``load_json`` refuses
each with a ``JsonInputError`` that says what and where, as a path into the document
(``accounts[3].principal``), never the value.  Numbers come back exact: ``int`` or
``Decimal``, never ``float``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

MAX_DEPTH = 32
MAX_NUMBER_CHARS = 40
MAX_EXPONENT = 40
MAX_ITEMS = 100_000

_NUMBER = re.compile(r"-?\d+(?:\.(\d+))?(?:[eE]([-+]?\d+))?")
_SURROGATE = re.compile("[\ud800-\udfff]")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class JsonInputError(ValueError):
    """The input is not JSON we accept; ``path`` says where ("" for the whole input)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}" if path else reason)
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class _Refused:
    """A value the parser's hooks refused; reported with its path by the walk."""

    reason: str


class _Duplicates(dict[str, Any]):
    """An object that named a key twice."""

    duplicate: str = ""


def bad_character(text: str) -> str | None:
    """Why ``text`` cannot be stored (a NUL, a lone surrogate), or None."""
    if "\x00" in text:
        return "contains a NUL character"
    if not text.isascii() and _SURROGATE.search(text):
        return "contains a lone surrogate (not a character)"
    return None


def _number(text: str) -> int | Decimal | _Refused:
    if len(text) > MAX_NUMBER_CHARS:
        return _Refused(f"is a number longer than {MAX_NUMBER_CHARS} characters")
    match = _NUMBER.fullmatch(text)
    if match is None:  # the JSON grammar already holds; this is only defensive
        return _Refused("is not a number")
    exponent = match.group(2)
    if exponent is not None and abs(int(exponent)) > MAX_EXPONENT:
        return _Refused(f"is a number with an exponent beyond ±{MAX_EXPONENT}")
    if match.group(1) is None and exponent is None:
        return int(text)
    return Decimal(text)


def _constant(text: str) -> _Refused:
    return _Refused(f"{text} is not a JSON number")


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            duplicated = _Duplicates(result)
            duplicated.duplicate = key
            return duplicated
        result[key] = value
    return result


def _step(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    if _NAME.fullmatch(key) and len(key) <= 60:
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(key[:60])}]"


def _walk(value: Any, path: str, depth: int, max_depth: int, max_items: int) -> None:
    if isinstance(value, _Refused):
        raise JsonInputError(path, value.reason)
    if isinstance(value, str):
        reason = bad_character(value)
        if reason:
            raise JsonInputError(path, reason)
        return
    if not isinstance(value, dict | list):
        return
    if depth > max_depth:
        raise JsonInputError(path, f"is nested deeper than {max_depth} levels")
    if len(value) > max_items:
        raise JsonInputError(path or "the JSON", f"has {len(value):,} items; at most {max_items:,}")
    if isinstance(value, list):
        for index, item in enumerate(value):
            _walk(item, _step(path, index), depth + 1, max_depth, max_items)
        return
    if isinstance(value, _Duplicates):
        raise JsonInputError(_step(path, value.duplicate), "is given twice")
    for key, item in value.items():
        reason = bad_character(key)
        if reason:
            raise JsonInputError(path, f"has a key that {reason}")
        _walk(item, _step(path, key), depth + 1, max_depth, max_items)


def load_json(
    raw: bytes | str,
    *,
    max_depth: int = MAX_DEPTH,
    max_items: int = MAX_ITEMS,
) -> Any:
    """The JSON document in ``raw`` (UTF-8), numbers as ``int`` or ``Decimal``.

    Refused, with a ``JsonInputError`` naming the path: not UTF-8, not JSON, a number of
    more than MAX_NUMBER_CHARS characters or with an exponent beyond ±MAX_EXPONENT,
    NaN/Infinity, a string or key with NUL or a lone surrogate, a key given twice in one
    object, arrays or objects nested deeper than ``max_depth`` or with more than
    ``max_items`` items.  Bound ``raw``'s size before calling: the document is parsed
    whole.
    """
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise JsonInputError("", f"the JSON is not UTF-8 (byte {exc.start + 1:,})") from None
    else:
        text = raw
    try:
        document = json.loads(
            text,
            parse_int=_number,
            parse_float=_number,
            parse_constant=_constant,
            object_pairs_hook=_pairs,
        )
    except json.JSONDecodeError as exc:
        raise JsonInputError(
            "", f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except RecursionError:
        raise JsonInputError("", f"the JSON is nested deeper than {max_depth} levels") from None
    _walk(document, "", 1, max_depth, max_items)
    return document
