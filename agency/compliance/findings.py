"""What a ledger verification can find wrong, in one shape for the chains, the
checkpoint store and the alarm records.

A finding's ``key`` names it exactly (what, where, and a digest of the state found), so
a later run that finds the same thing again matches the alarm already raised, or the
acknowledgment that accepted it, and a change to the same entry is a new finding.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CHAIN = "chain"  # an entry of a chain does not verify (content, link, position, key)
CHECKPOINT = "checkpoint"  # a chain no longer holds what a checkpoint or journal line saw
STORE = "store"  # a checkpoint file or journal line that is not what we signed
RECORD = "record"  # an alarm or acknowledgment row that is not what we sealed


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str
    message: str
    key: str
    chain: int | None = None  # chain findings: the consumer id (None: the system chain)
    entry_id: int | None = None

    @property
    def on_chain(self) -> bool:
        return self.kind in (CHAIN, CHECKPOINT)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "message": self.message,
            "key": self.key,
            "chain": self.chain,
            "entry_id": self.entry_id,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Finding:
        return cls(
            kind=str(data["kind"]),
            message=str(data["message"]),
            key=str(data["key"]),
            chain=None if data.get("chain") is None else int(data["chain"]),
            entry_id=None if data.get("entry_id") is None else int(data["entry_id"]),
        )


def chain_name(consumer_id: int | None) -> str:
    return "the system chain" if consumer_id is None else f"consumer {consumer_id}'s chain"
