from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agency.kit.emails import BadEmail, normalize_email, normalize_email_reference


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("Jane.Doe@Example.COM", "Jane.Doe@example.com"),
        ("a+tag@sub.example.org", "a+tag@sub.example.org"),
        ("o'brien@example.net", "o'brien@example.net"),
    ],
)
def test_valid(raw: str, normalized: str) -> None:
    assert normalize_email(raw) == normalized


@pytest.mark.parametrize(
    "raw",
    [
        "bad@",
        "@example.com",
        "a@@example.com",
        "a b@example.com",
        "a@localhost",
        "a@example",
        "a@example.test",
        "a..b@example.com",
        ".a@example.com",
        "a@-example.com",
    ],
)
def test_invalid(raw: str) -> None:
    with pytest.raises(BadEmail):
        normalize_email(raw)


def outcome(fn: object, raw: str) -> str:
    try:
        return fn(raw)  # type: ignore[operator,no-any-return]
    except BadEmail:
        return "invalid"


local = st.text(alphabet="abcXYZ019.+-_'!#~ \"é@", min_size=0, max_size=12)
domain = st.sampled_from(
    [
        "example.com",
        "EXAMPLE.org",
        "ex-ample.co.uk",
        "localhost",
        "a.test",
        "xn--bcher-kva.example",
        "bücher.example",
        "-bad.com",
        "x..com",
        "123.example.com",
        "example",
        "e.c",
        "mail.example.COM.",
    ]
)


@settings(max_examples=1500, deadline=None)
@given(local, domain)
def test_fast_path_agrees_with_email_validator(local_part: str, domain_part: str) -> None:
    raw = f"{local_part}@{domain_part}"
    assert outcome(normalize_email, raw) == outcome(normalize_email_reference, raw)
