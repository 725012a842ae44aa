"""Keyed hashes and random tokens.  Nothing here ever logs or returns a clear value."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from agency.config import get_settings


def keyed_hash(value: str, *, purpose: str) -> str:
    """HMAC-SHA256 of ``value`` under a key derived from the secret for ``purpose``.

    Different purposes never produce comparable hashes of the same value.
    """
    key = hmac.new(get_settings().secret_key.encode(), purpose.encode(), hashlib.sha256).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def pii_hash(value: str) -> str:
    """Keyed hash of a personal identifier (a national id) for matching, never reversible.

    Keyed by ``AGENCY_PII_KEY``, not the session secret, so rotating that secret does not
    break matching of consumers placed earlier.
    """
    return hmac.new(get_settings().pii_key.encode(), value.encode(), hashlib.sha256).hexdigest()


def new_token() -> str:
    """A random URL-safe token with 256 bits of entropy."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What we store of a bearer token: its SHA-256 (the token itself is already random)."""
    return hashlib.sha256(token.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    """Constant-time comparison."""
    return hmac.compare_digest(a.encode(), b.encode())
