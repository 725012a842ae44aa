"""E-mail addresses: validate and normalize (lower-case domain), fast.

``email_validator`` is the authority (~130 µs an address, most of it checking the
domain).  Domains repeat — a file has thousands of gmail.com — so each distinct domain is
validated once by ``email_validator`` itself and remembered; the local part is accepted
on the fast path only when it is a plain ASCII dot-atom, which ``email_validator``
always accepts.  Anything else takes the full ``email_validator`` path.  A property test
checks that both paths agree.
"""

from __future__ import annotations

import re
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email

_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_MAX_LOCAL = 64
_MAX_ADDRESS = 254


class BadEmail(ValueError):
    """Not a deliverable-looking e-mail address; the message says why."""


@lru_cache(maxsize=65536)
def _domain(domain: str) -> str | None:
    """The normalized domain, or None if ``email_validator`` refuses it."""
    try:
        return str(validate_email("a@" + domain, check_deliverability=False).domain)
    except EmailNotValidError:
        return None


def _full(text: str) -> str:
    try:
        return str(validate_email(text, check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        raise BadEmail(str(exc)) from None


def normalize_email(text: str) -> str:
    """The address with its domain lower-cased (IDNA-normalized); BadEmail if invalid."""
    local, at, domain = text.rpartition("@")
    if at and _DOT_ATOM.fullmatch(local) and len(local) <= _MAX_LOCAL and text.isascii():
        normalized = _domain(domain)
        if normalized is not None and len(local) + 1 + len(normalized) <= _MAX_ADDRESS:
            return f"{local}@{normalized}"
    return _full(text)


def normalize_email_reference(text: str) -> str:
    """``email_validator`` alone, for tests that prove the fast path agrees with it."""
    return _full(text)
