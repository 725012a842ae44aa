"""Links that carry their own credential: a small payload signed with the secret key
(``itsdangerous``), for one purpose each, so a link made for one use is refused by
another.  Used where the person following the link has no session: an e-mail's opt-out
link, the consumer's self-service link."""

from __future__ import annotations

from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

from agency.config import get_settings


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().secret_key, salt=f"agency.{purpose}")


def sign(purpose: str, payload: dict[str, Any]) -> str:
    """A URL-safe token holding ``payload`` (ids only: it is readable, not secret)."""
    return str(_serializer(purpose).dumps(payload))


def unsign(purpose: str, token: str, *, max_age_seconds: int | None = None) -> dict[str, Any]:
    """The payload of a token made by ``sign`` for ``purpose``; ValueError when it was
    not, was altered, or is older than ``max_age_seconds``."""
    if len(token) > 512:
        raise ValueError("the link is too long to be one of ours")
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age_seconds)
    except BadSignature as exc:
        raise ValueError("the link is not valid (altered, expired or not ours)") from exc
    if not isinstance(payload, dict):
        raise ValueError("the link is not valid")
    return payload
