"""Signed checkpoints of the ledger, kept outside the database.

A checkpoint says, for every chain, how far it had got (its head's position and hash)
when a verification found it sound, or as an officer's acknowledgment accepted it
(``as_of``: when those heads were read); the findings still open then; when it was
taken, and the verification or alarm it belongs to; from when on the write journal is
not folded into it yet (``journal_since``), and, per chain an acknowledgment reset, from
when on its journal lines count (``resets``).  Later verifications require the database
to still hold every head a checkpoint names.

One file per checkpoint in ``AGENCY_LEDGER_CHECKPOINT_DIR``, JSON lines: a header, one
``[consumer id or null, seq, hash]`` per chain, and last the HMAC-SHA256 of everything
before it under a ledger key.  Written to a temporary file, synced and renamed, so a
reader never sees half a checkpoint.  Consumer ids and hashes only: no personal data.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agency.compliance import journal
from agency.compliance.chain import Head
from agency.compliance.findings import STORE, Finding
from agency.compliance.keys import LedgerKeys
from agency.config import get_settings

FORMAT = "agency-ledger-checkpoint/1"
PURPOSE = "agency-ledger-checkpoint"
SUFFIX = ".jsonl"
KEEP = 10  # checkpoints kept; the newest valid one is the one compared with


@dataclass(frozen=True, slots=True)
class Checkpoint:
    name: str
    taken_at: datetime
    reason: str  # "verification" or "acknowledgment"
    as_of: datetime
    journal_since: datetime | None  # None: no line is folded in yet
    heads: dict[int | None, Head]
    open_findings: tuple[Finding, ...] = ()
    resets: dict[int | None, datetime] = field(default_factory=dict)
    verification_id: int | None = None
    alarm_id: int | None = None
    key_id: str = ""


@dataclass(frozen=True, slots=True)
class Summary:
    """What the first line of a checkpoint file says (not checked: the workspace shows
    it; verifications check the signature)."""

    name: str
    taken_at: datetime
    reason: str
    chains: int
    key_id: str
    verification_id: int | None = None
    alarm_id: int | None = None


def directory() -> Path:
    return get_settings().ledger_checkpoint_dir


def new_name() -> str:
    """A name that sorts by when it was made.  From the real clock, not ``kit.clock``
    (which tests freeze): two checkpoints made at one frozen instant still sort."""
    return f"checkpoint-{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}"


def names() -> list[str]:
    """The checkpoints in the store, oldest first."""
    try:
        return sorted(p.name.removesuffix(SUFFIX) for p in directory().glob(f"*{SUFFIX}"))
    except FileNotFoundError:
        return []


def write(checkpoint: Checkpoint, keys: LedgerKeys) -> None:
    """Sign ``checkpoint`` with the current key and store it atomically."""
    header = {
        "format": FORMAT,
        "name": checkpoint.name,
        "taken_at": _time(checkpoint.taken_at),
        "reason": checkpoint.reason,
        "verification_id": checkpoint.verification_id,
        "alarm_id": checkpoint.alarm_id,
        "as_of": _time(checkpoint.as_of),
        "journal_since": _time(checkpoint.journal_since),
        "resets": [[chain, _time(at)] for chain, at in checkpoint.resets.items()],
        "chains": len(checkpoint.heads),
        "open": [finding.to_json() for finding in checkpoint.open_findings],
        "key": keys.current_id,
    }
    lines = [json.dumps(header, separators=(",", ":"))]
    lines.extend(
        json.dumps([chain, head.seq, head.hash], separators=(",", ":"))
        for chain, head in sorted(checkpoint.heads.items(), key=lambda item: item[0] or 0)
    )
    body = ("\n".join(lines) + "\n").encode()
    signature = json.dumps({"mac": keys.sign(PURPOSE, body)}) + "\n"
    folder = directory()
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{checkpoint.name}.tmp"
    with temporary.open("wb") as handle:
        handle.write(body + signature.encode())
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(folder / f"{checkpoint.name}{SUFFIX}")
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def newest(keys: LedgerKeys) -> tuple[Checkpoint | None, list[Finding]]:
    """The newest checkpoint whose signature holds, and a finding for each newer file
    that is not a checkpoint we signed (an unreadable, changed or forged one)."""
    problems: list[Finding] = []
    for name in reversed(names()):
        path = directory() / f"{name}{SUFFIX}"
        data = path.read_bytes()
        checkpoint = _parse(name, data, keys)
        if checkpoint is not None:
            return checkpoint, problems
        problems.append(
            Finding(
                kind=STORE,
                message=f"checkpoint {name} is not signed by a ledger key the settings hold",
                key=f"{STORE}:checkpoint:{name}:{hashlib.sha256(data).hexdigest()}",
            )
        )
    return None, problems


def _parse(name: str, data: bytes, keys: LedgerKeys) -> Checkpoint | None:
    try:
        body, _, last = data.rstrip(b"\n").rpartition(b"\n")
        body += b"\n"
        lines = body.decode().splitlines()
        header = json.loads(lines[0])
        signature = str(json.loads(last)["mac"])
        if header.get("format") != FORMAT or header.get("name") != name:
            return None
        if not keys.check(PURPOSE, body, header.get("key"), signature):
            return None
        heads: dict[int | None, Head] = {}
        for line in lines[1:]:
            chain, seq, sealed = json.loads(line)
            heads[None if chain is None else int(chain)] = Head(seq=int(seq), hash=str(sealed))
        return Checkpoint(
            name=name,
            taken_at=datetime.fromisoformat(header["taken_at"]),
            reason=str(header["reason"]),
            as_of=datetime.fromisoformat(header["as_of"]),
            journal_since=_parse_time(header["journal_since"]),
            heads=heads,
            open_findings=tuple(Finding.from_json(f) for f in header["open"]),
            resets={
                None if chain is None else int(chain): datetime.fromisoformat(at)
                for chain, at in header["resets"]
            },
            verification_id=header.get("verification_id"),
            alarm_id=header.get("alarm_id"),
            key_id=str(header["key"]),
        )
    except (ValueError, KeyError, TypeError, IndexError, UnicodeDecodeError):
        return None


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="microseconds")


def _parse_time(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(str(value))


def newest_summary() -> Summary | None:
    """The newest checkpoint's header, unchecked, read without loading its chains."""
    for name in reversed(names()):
        try:
            with (directory() / f"{name}{SUFFIX}").open("rb") as handle:
                header = json.loads(handle.readline())
            return Summary(
                name=name,
                taken_at=datetime.fromisoformat(header["taken_at"]),
                reason=str(header["reason"]),
                chains=int(header["chains"]),
                key_id=str(header["key"]),
                verification_id=header.get("verification_id"),
                alarm_id=header.get("alarm_id"),
            )
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return None


def prune() -> None:
    """Keep the newest ``KEEP`` checkpoints, and the journal files not yet folded into
    the oldest of them (as its header says)."""
    kept = names()
    for name in kept[:-KEEP]:
        (directory() / f"{name}{SUFFIX}").unlink(missing_ok=True)
    for name in kept[-KEEP:]:
        try:
            with (directory() / f"{name}{SUFFIX}").open("rb") as handle:
                folded = _parse_time(json.loads(handle.readline())["journal_since"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if folded is not None:
            journal.prune(folded)
        return
