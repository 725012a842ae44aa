"""The ledger's write journal: after each commit that appended ledger entries, one signed
line per chain it touched, "chain, seq, hash", in the checkpoint directory.

A checkpoint taken at verification cannot see an entry written and deleted between two
verifications; the journal can: the next verification requires every journalled head to
be in the database (``integrity``), and folds the lines into its checkpoint.  Lines are
written after the commit (a rolled-back entry never gets one) by one ``write`` call on a
file opened for appending, so processes writing at once never interleave lines.  They
hold consumer ids and hashes only.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, SessionTransaction

from agency.compliance.findings import STORE, Finding
from agency.compliance.keys import LedgerKeys, ledger_keys
from agency.config import get_settings
from agency.kit import clock

log = logging.getLogger("agency.compliance")

PURPOSE = "agency-ledger-journal"
_BUFFER_KEY = "agency.ledger_heads"


@dataclass(frozen=True, slots=True)
class Line:
    """One journalled head: chain ``chain`` (a consumer id, None: the system chain) had
    entry ``seq`` sealed ``hash`` at ``at``."""

    at: datetime
    chain: int | None
    seq: int
    hash: str


def directory() -> Path:
    return _journal_of(get_settings().ledger_checkpoint_dir)


@lru_cache(maxsize=4)
def _journal_of(store: Path) -> Path:
    return store / "journal"


def note(db: Session, entry: Any) -> None:
    """Remember ``entry`` (just flushed) for the journal of this session's commit."""
    db.info.setdefault(_BUFFER_KEY, []).append((entry, entry.consumer_id, entry.seq, entry.hash))


@event.listens_for(Session, "after_commit")
def _journal_heads(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the entries are not committed yet
    noted = session.info.pop(_BUFFER_KEY, None)
    if not noted:
        return
    heads: dict[int | None, tuple[int, str]] = {}
    for entry, chain, seq, sealed in noted:
        if inspect(entry).persistent:  # not rolled back with a savepoint
            heads[chain] = (seq, sealed)
    try:
        write([Line(at=clock.now(), chain=c, seq=s, hash=h) for c, (s, h) in heads.items()])
    except OSError as exc:
        # The entries are committed; only their journal line is lost.
        log.error("ledger journal not written: %s", type(exc).__name__)


@event.listens_for(Session, "after_soft_rollback")
def _drop_heads(session: Session, previous_transaction: SessionTransaction) -> None:
    if previous_transaction.parent is None:  # the outermost transaction rolled back
        session.info.pop(_BUFFER_KEY, None)


def write(lines: list[Line], keys: LedgerKeys | None = None) -> None:
    """Append ``lines`` to their day's journal file in one write."""
    if not lines:
        return
    keys = keys or ledger_keys()
    data = "".join(_encode(line, keys) for line in lines).encode()
    path = directory() / f"{lines[0].at:%Y-%m-%d}.jsonl"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def _message(at: str, chain: int | None, seq: int, sealed: str) -> bytes:
    return f"{at}|{'' if chain is None else chain}|{seq}|{sealed}".encode()


def _encode(line: Line, keys: LedgerKeys) -> str:
    """One line of JSON (numbers, hex and a time: nothing to escape), built by hand: it
    is written after every commit that touched the ledger."""
    at = line.at.isoformat(timespec="microseconds")
    chain = "null" if line.chain is None else str(int(line.chain))
    signature = keys.sign(PURPOSE, _message(at, line.chain, line.seq, line.hash))
    return (
        f'{{"at":"{at}","chain":{chain},"seq":{int(line.seq)},"hash":"{line.hash}",'
        f'"key":"{keys.current_id}","mac":"{signature}"}}\n'
    )


def read(
    *, since: datetime | None, until: datetime, keys: LedgerKeys
) -> tuple[list[Line], list[Finding]]:
    """The signed lines written in [since, until) (every line when ``since`` is None),
    and a finding for each line that is not a line we signed."""
    found: list[Line] = []
    problems: list[Finding] = []
    first_day = None if since is None else f"{since:%Y-%m-%d}.jsonl"
    for path in _files():
        if first_day is not None and path.name < first_day:
            continue
        for number, raw in _lines(path):
            line = _decode(raw, keys)
            if line is None:
                problems.append(
                    Finding(
                        kind=STORE,
                        message=(
                            f"journal line {number} of {path.name} is not signed by a "
                            "ledger key the settings hold"
                        ),
                        key=f"{STORE}:journal:{path.name}:{number}",
                    )
                )
            elif (since is None or line.at >= since) and line.at < until:
                found.append(line)
    return found, problems


def _files() -> list[Path]:
    try:
        return sorted(directory().glob("*.jsonl"))
    except FileNotFoundError:
        return []


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """The complete lines of ``path`` (a line being written has no newline yet)."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, 1):
            if raw.endswith(b"\n"):
                yield number, raw.decode("utf-8", errors="replace")


def _decode(raw: str, keys: LedgerKeys) -> Line | None:
    try:
        record = json.loads(raw)
        at = str(record["at"])
        chain = None if record["chain"] is None else int(record["chain"])
        seq, sealed = int(record["seq"]), str(record["hash"])
        signed = keys.check(
            PURPOSE, _message(at, chain, seq, sealed), record.get("key"), str(record["mac"])
        )
        return (
            Line(at=datetime.fromisoformat(at), chain=chain, seq=seq, hash=sealed)
            if signed
            else None
        )
    except (ValueError, KeyError, TypeError):
        return None


def prune(before: datetime) -> None:
    """Remove the journal files of days before ``before``'s (folded into checkpoints)."""
    oldest = f"{before - timedelta(days=1):%Y-%m-%d}.jsonl"
    for path in _files():
        if path.name < oldest:
            path.unlink(missing_ok=True)
