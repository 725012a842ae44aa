"""The ledger's hash chain: what an entry's hash covers, and what makes a link bad.

Pure (no database), so the chain verifier (``service.verify_ledger``) and the evidence
bundle (``evidence.chain_status``) judge entries by the one definition.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

_HASHED = (
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
)


def entry_hash(entry: Any) -> str:
    """SHA-256 of the entry's content (every field but id and hash, which includes the
    previous entry's hash), as canonical JSON: sorted keys, UTC times to the microsecond.
    ``entry`` is a ``LedgerEntry`` or a row with the same column names."""
    content = {name: _canonical(getattr(entry, name)) for name in _HASHED}
    encoded = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).hexdigest()


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if hasattr(value, "value"):  # enums
        return value.value
    return value


def link_problem(
    entry: Any, previous_hash: str | None, hasher: Callable[[Any], str] = entry_hash
) -> str | None:
    """What is wrong with ``entry`` as the successor of the entry hashed
    ``previous_hash`` (None: the first of its chain), or None when the link holds."""
    if entry.prev_hash != previous_hash:
        return "does not follow the previous entry of its chain"
    if hasher(entry) != entry.hash:
        return "was changed after it was written"
    return None
