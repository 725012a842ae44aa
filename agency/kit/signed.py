"""Links that carry their own credential: a small payload signed with the secret key
(``itsdangerous``), for one purpose each, so a link made for one use is refused by
another.  Used where the person following the link has no session: an e-mail's opt-out
link, the consumer's self-service link.  Timestamps come from ``agency.kit.clock`` (so a
frozen clock in tests ages a link as it ages everything else)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

from agency.config import get_settings
from agency.kit import clock

MAX_TOKEN_CHARS = 512


class _ClockSigner(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(clock.now().timestamp())


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        get_settings().secret_key, salt=f"agency.{purpose}", signer=_ClockSigner
    )


def sign(purpose: str, payload: dict[str, Any]) -> str:
    """A URL-safe token holding ``payload`` (ids only: it is readable, not secret)."""
    return str(_serializer(purpose).dumps(payload))


def unsign(purpose: str, token: str, *, max_age_seconds: int | None = None) -> dict[str, Any]:
    """The payload of a token made by ``sign`` for ``purpose``; ValueError when it was
    not, was altered, or is older than ``max_age_seconds``."""
    return unsign_timed(purpose, token, max_age_seconds=max_age_seconds)[0]


def unsign_timed(
    purpose: str, token: str, *, max_age_seconds: int | None = None
) -> tuple[dict[str, Any], datetime]:
    """``unsign``, with when the token was signed (whole seconds, UTC): a revocation
    refuses every token signed before it."""
    if len(token) > MAX_TOKEN_CHARS:
        raise ValueError("the link is too long to be one of ours")
    try:
        payload, signed_at = _serializer(purpose).loads(
            token, max_age=max_age_seconds, return_timestamp=True
        )
    except BadSignature as exc:
        raise ValueError("the link is not valid (altered, expired or not ours)") from exc
    if not isinstance(payload, dict):
        raise ValueError("the link is not valid")
    return payload, signed_at
