"""The ledger's keys: the current one seals new entries, checkpoints, journal lines and
alarms; retired ones still verify what they sealed.

Read from ``AGENCY_LEDGER_KEY`` and ``AGENCY_LEDGER_RETIRED_KEYS`` (``id:secret``, the
retired ones comma-separated).  Every MAC is HMAC-SHA256 over a purpose label and the
message, so a MAC made for one kind of record can never pass as another's.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from agency.config import get_settings, key_pairs


@dataclass(frozen=True, slots=True)
class LedgerKeys:
    current_id: str
    secrets: Mapping[str, bytes]

    def sign(self, purpose: str, message: bytes) -> str:
        """The MAC of ``message`` under the current key (its id is ``current_id``)."""
        return mac(self.secrets[self.current_id], purpose, message)

    def check(self, purpose: str, message: bytes, key_id: str | None, signature: str) -> bool:
        """Whether ``signature`` is the MAC of ``message`` under the key ``key_id``
        (False too when the settings lack that key)."""
        secret = self.secrets.get(key_id or "")
        return secret is not None and hmac.compare_digest(mac(secret, purpose, message), signature)


def mac(secret: bytes, purpose: str, message: bytes) -> str:
    return hmac.digest(secret, purpose.encode() + b"\n" + message, "sha256").hex()


def ledger_keys() -> LedgerKeys:
    """The keys the settings hold now."""
    settings = get_settings()
    return _parsed(settings.ledger_key, settings.ledger_retired_keys)


@lru_cache(maxsize=4)
def _parsed(current: str, retired: str) -> LedgerKeys:
    (current_id, secret), *_ = key_pairs(current)
    secrets = {key_id: value.encode() for key_id, value in key_pairs(retired)}
    secrets[current_id] = secret.encode()
    return LedgerKeys(current_id=current_id, secrets=secrets)
