"""The ledger's keyed hash chain: what an entry's seal covers, and what makes a link bad.

Each entry is sealed with ``hash = HMAC-SHA256(key, canonical content)``, the content
including the previous entry's hash (``prev_hash``), the entry's position in its chain
(``seq``: 1, 2, 3, ...) and the id of the key (``key_id``).  Without the key nobody can
write an entry, or re-seal a changed one, that verifies.

Pure (no database), so the verifier (``integrity.verify_ledger``) and the evidence bundle
(``evidence.chain_status``) judge entries by the one definition.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from agency.compliance.keys import LedgerKeys, mac

ENTRY = "agency-ledger-entry"

_SEALED = (
    "consumer_id",
    "kind",
    "at",
    "recorded_at",
    "actor_id",
    "source",
    "channel",
    "direction",
    "contact_point_id",
    "case_ids",
    "allowed",
    "blocked_by",
    "next_allowed_at",
    "rule_set",
    "policy_version",
    "timezones",
    "automated",
    "template",
    "attempt_id",
    "outcome",
    "fact_id",
    "detail",
    "prev_hash",
    "seq",
    "key_id",
)


@dataclass(frozen=True, slots=True)
class Head:
    """The newest entry of a chain: its position and hash."""

    seq: int
    hash: str


def content(entry: Any) -> bytes:
    """The entry's sealed content (every field but id and hash) as canonical JSON: sorted
    keys, UTC times to the microsecond.  ``entry`` is a ``LedgerEntry`` or a row with the
    same column names."""
    values = {name: _canonical(getattr(entry, name)) for name in _SEALED}
    return json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(entry: Any, secret: bytes) -> str:
    """HMAC-SHA256 of the entry's content under ``secret``."""
    return mac(secret, ENTRY, content(entry))


def seal(entry: Any, keys: LedgerKeys) -> None:
    """Seal ``entry`` with the current key (sets ``key_id`` and ``hash``)."""
    entry.key_id = keys.current_id
    entry.hash = entry_hash(entry, keys.secrets[keys.current_id])


def row_digest(entry: Any) -> str:
    """SHA-256 of the entry as it reads now, seal included: names one state of a bad
    entry, so an acknowledged finding stays acknowledged only while nothing more changes."""
    return hashlib.sha256(
        content(entry) + f"|{entry.id}|{entry.hash}".encode(),
    ).hexdigest()


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if hasattr(value, "value"):  # enums
        return value.value
    return value


def link_problem(entry: Any, previous: Head | None, secrets: Mapping[str, bytes]) -> str | None:
    """What is wrong with ``entry`` as the successor of ``previous`` (None: the first of
    its chain), or None when the link and the seal hold."""
    expected = 1 if previous is None else previous.seq + 1
    if entry.seq > expected:
        missing = entry.seq - expected
        return (
            f"does not follow the previous entry of its chain: "
            f"{missing} {'entry' if missing == 1 else 'entries'} before it missing"
        )
    if entry.seq < expected or entry.prev_hash != (None if previous is None else previous.hash):
        return "does not follow the previous entry of its chain"
    if entry.key_id is None:
        return "is not sealed with a ledger key (its chain did not verify when it was keyed)"
    secret = secrets.get(entry.key_id)
    if secret is None:
        return (
            f"is sealed with ledger key {entry.key_id!r}, which the settings lack "
            "(AGENCY_LEDGER_KEY, AGENCY_LEDGER_RETIRED_KEYS)"
        )
    if entry_hash(entry, secret) != entry.hash:
        return "was changed after it was written"
    return None
