"""Verifying the contact ledger against its seals, the checkpoints and the journal.

``verify_ledger`` recomputes every chain under the ledger keys, then compares the
database with what was seen outside it: the newest valid checkpoint, and the journal
lines written since (every head a commit left).  A chain that is shorter than they say
(beyond what retention's purge entries account for), or whose entry at a recorded
position has another hash, has lost entries.  What it finds and has not seen before
raises an alarm; a run fails while any alarm is unacknowledged, even if it alone found
nothing.  Each run writes a new checkpoint: chains with open findings keep the heads
they were required to have, so the next run finds the same again.

What an acknowledged alarm names is accepted (``alarms``).

Services flush, never commit; the checkpoint file is written before the caller commits
(a verification rolled back leaves a checkpoint that is still true).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any

from sqlalchemy.orm import Session

from agency.compliance import alarms as alarms_
from agency.compliance import checkpoints, journal
from agency.compliance import repository as repo
from agency.compliance.chain import Head, link_problem, row_digest
from agency.compliance.checkpoints import Checkpoint
from agency.compliance.findings import CHAIN, CHECKPOINT, RECORD, STORE, Finding, chain_name
from agency.compliance.keys import LedgerKeys, ledger_keys
from agency.compliance.models import EntryKind, LedgerAlarm, LedgerVerification
from agency.kit import clock

# Journal lines are stamped by the writing process's clock, after its commit: lines of
# the last minute wait for the next run, so one whose commit this run may not see (a
# slower clock elsewhere) is never held against the database.
CLOCK_SKEW = timedelta(minutes=1)
_ORDER = {CHAIN: 0, CHECKPOINT: 1, STORE: 2, RECORD: 3}


@dataclass(frozen=True, slots=True)
class Required:
    """A head the database must still hold: from ``source``, known since ``since``."""

    seq: int
    hash: str
    since: datetime
    source: str


@dataclass(slots=True)
class _Chain:
    head: Head
    hashes: dict[int, str] = field(default_factory=dict)  # at the required positions


@dataclass(slots=True)
class _Scan:
    entries: int = 0
    chains: dict[int | None, _Chain] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    purges: dict[int, list[tuple[int, datetime]]] = field(default_factory=dict)


# ---- verification ------------------------------------------------------------------------


def verify_ledger(db: Session, *, actor_id: int | None = None) -> LedgerVerification:
    """Verify every chain and compare the ledger with the checkpoint and journal; record
    the run (and an alarm for what is new), write a checkpoint, return the run."""
    keys = ledger_keys()
    started = clock.now()
    cutoff = started - CLOCK_SKEW
    baseline, findings = checkpoints.newest(keys)
    findings += _missing_checkpoint(db)
    lines, problems = journal.read(
        since=None if baseline is None else baseline.journal_since, until=cutoff, keys=keys
    )
    findings += problems
    required = _required(baseline, lines)
    scan = _scan(db, keys, required)
    findings += scan.findings
    findings += _against(required, scan)
    alarms = alarms_.load_alarms(db, keys)
    findings += alarms.problems
    acknowledged = {f["key"]: a for a in alarms.valid if a.id in alarms.acks for f in a.findings}
    raised = {f["key"]: a for a in alarms.unacknowledged for f in a.findings}
    # What the last checkpoint left open stays open until acknowledged, found again or not.
    seen = {f.key for f in findings} | set(acknowledged)
    findings += [f for f in (baseline.open_findings if baseline else ()) if f.key not in seen]
    findings.sort(key=lambda f: (_ORDER[f.kind], f.entry_id or 0))

    accepted = [f for f in findings if f.key in acknowledged]
    still_open = [f for f in findings if f.key in raised and f.key not in acknowledged]
    new = [f for f in findings if f.key not in raised and f.key not in acknowledged]
    alarm = alarms_.raise_alarm(db, new, keys) if new else None
    unacknowledged = alarms.unacknowledged + ([alarm] if alarm else [])

    name = checkpoints.new_name()
    unresolved = still_open + new
    bad_entries = [f.entry_id for f in unresolved if f.entry_id is not None]
    run = LedgerVerification(
        started_at=started,
        entries_checked=scan.entries,
        chains_checked=len(scan.chains),
        ok=not unacknowledged,
        first_bad_entry_id=min(bad_entries) if bad_entries else None,
        message=_verdict(scan, unresolved, unacknowledged, accepted, acknowledged),
        run_by_id=actor_id,
        compared_with=None if baseline is None else baseline.name,
        checkpoint=name,
        alarm_id=None if alarm is None else alarm.id,
        finished_at=clock.now(),
    )
    db.add(run)
    db.flush()
    checkpoints.write(
        Checkpoint(
            name=name,
            taken_at=clock.now(),
            reason="verification",
            as_of=started,
            journal_since=cutoff,
            heads=_heads(scan, required, unresolved),
            open_findings=tuple(unresolved),
            resets={
                chain: at
                for chain, at in (baseline.resets if baseline else {}).items()
                if at > cutoff
            },
            verification_id=run.id,
        ),
        keys,
    )
    checkpoints.prune()
    return run


def _missing_checkpoint(db: Session) -> list[Finding]:
    """The newest checkpoint the database says was written must be in the store."""
    name = repo.newest_checkpoint_name(db)
    if name is None or name in checkpoints.names():
        return []
    return [
        Finding(
            kind=STORE,
            message=(
                f"checkpoint {name}, recorded in the database, is not in the checkpoint store"
            ),
            key=f"{STORE}:missing:{name}",
        )
    ]


def _required(
    baseline: Checkpoint | None, lines: Iterable[journal.Line]
) -> dict[int | None, list[Required]]:
    """Per chain, the heads it must still hold: the checkpoint's, and the furthest one
    the journal saw since (after the chain's reset by an acknowledgment, if any)."""
    required: dict[int | None, list[Required]] = {}
    resets: dict[int | None, datetime] = {}
    if baseline is not None:
        resets = baseline.resets
        source = f"checkpoint {baseline.name}"
        for chain, head in baseline.heads.items():
            required[chain] = [Required(head.seq, head.hash, baseline.as_of, source)]
    furthest: dict[int | None, journal.Line] = {}
    for line in lines:
        if line.chain in resets and line.at < resets[line.chain]:
            continue
        seen = furthest.get(line.chain)
        if seen is None or (line.seq, line.at) > (seen.seq, seen.at):
            furthest[line.chain] = line
    for chain, line in furthest.items():
        source = f"the journal ({line.at:%Y-%m-%d %H:%M:%S} UTC)"
        required.setdefault(chain, []).append(Required(line.seq, line.hash, line.at, source))
    return required


def _scan(db: Session, keys: LedgerKeys, required: dict[int | None, list[Required]]) -> _Scan:
    """Every entry, chain by chain: each must be the next of its chain, sealed by a key
    the settings hold, unchanged.  Notes each chain's head, its hashes at the required
    positions, and the purges retention recorded."""
    scan = _Scan()
    for consumer_id, rows in groupby(repo.entries_in_chain_order(db), key=_consumer_of):
        wanted = {r.seq for r in required.get(consumer_id, ())}
        hashes: dict[int, str] = {}
        bad: list[tuple[Any, str]] = []
        previous: Head | None = None
        for entry in rows:
            scan.entries += 1
            problem = link_problem(entry, previous, keys.secrets)
            if problem:
                bad.append((entry, problem))
            elif entry.kind == EntryKind.PURGE:
                _note_purge(scan, entry)
            if entry.seq in wanted:
                hashes[entry.seq] = entry.hash
            previous = Head(seq=entry.seq, hash=entry.hash)
        assert previous is not None
        scan.chains[consumer_id] = _Chain(head=previous, hashes=hashes)
        if bad:
            scan.findings.append(_chain_finding(consumer_id, bad))
    return scan


def _consumer_of(entry: Any) -> int | None:
    return entry.consumer_id  # type: ignore[no-any-return]


def _note_purge(scan: _Scan, entry: Any) -> None:
    detail = entry.detail
    head_seq = detail.get("head_seq", detail.get("entries"))  # before 0010: count = seq
    if isinstance(detail.get("consumer_id"), int) and isinstance(head_seq, int):
        removed = scan.purges.setdefault(detail["consumer_id"], [])
        removed.append((head_seq, entry.recorded_at))


def _chain_finding(consumer_id: int | None, bad: Sequence[tuple[Any, str]]) -> Finding:
    first, problem = bad[0]
    more = f" (and {len(bad) - 1} later entries of {chain_name(consumer_id)})" if bad[1:] else ""
    state = "|".join(f"{entry.id}:{row_digest(entry)}" for entry, _ in bad)
    return Finding(
        kind=CHAIN,
        message=f"entry {first.id} {problem}{more}",
        key=f"{CHAIN}:{consumer_id}:{hashlib.sha256(state.encode()).hexdigest()}",
        chain=consumer_id,
        entry_id=first.id,
    )


def _against(required: dict[int | None, list[Required]], scan: _Scan) -> list[Finding]:
    """A finding for each required head the database no longer holds, unless retention
    removed the chain after the head was seen."""
    found = []
    for chain, heads in required.items():
        seen = scan.chains.get(chain)
        for head in heads:
            if seen is not None and seen.hashes.get(head.seq) == head.hash:
                continue
            purged = scan.purges.get(chain, []) if chain is not None else []
            if any(seq >= head.seq and at >= head.since for seq, at in purged):
                continue
            name = chain_name(chain)
            if seen is None:
                what = f"{name} is gone: {head.source} saw {head.seq} entries"
            elif seen.head.seq < head.seq:
                what = f"{name} has {seen.head.seq} entries: {head.source} saw {head.seq}"
            else:
                what = f"entry number {head.seq} of {name} is not the one {head.source} saw"
            found.append(
                Finding(
                    kind=CHECKPOINT,
                    message=what,
                    key=f"{CHECKPOINT}:{chain}:{head.seq}:{head.hash}",
                    chain=chain,
                )
            )
            break  # one finding per chain
    return found


def _heads(
    scan: _Scan, required: dict[int | None, list[Required]], unresolved: Sequence[Finding]
) -> dict[int | None, Head]:
    """The heads the new checkpoint records: each sound chain's head now; for a chain
    with an open finding, the furthest head it was required to hold."""
    open_chains = {f.chain for f in unresolved if f.on_chain}
    heads = {chain: seen.head for chain, seen in scan.chains.items() if chain not in open_chains}
    for chain in open_chains:
        if required.get(chain):
            furthest = max(required[chain], key=lambda r: r.seq)
            heads[chain] = Head(seq=furthest.seq, hash=furthest.hash)
    return heads


def _verdict(
    scan: _Scan,
    unresolved: Sequence[Finding],
    unacknowledged: Sequence[LedgerAlarm],
    accepted: Sequence[Finding],
    acknowledged: dict[str, LedgerAlarm],
) -> str:
    if unresolved:
        more = f" (and {len(unresolved) - 1} more)" if unresolved[1:] else ""
        return f"{unresolved[0].message}{more}; {_alarm_ids(unacknowledged)} not acknowledged"
    if unacknowledged:
        first = unacknowledged[0]
        return (
            f"alarm {first.id} raised {first.raised_at:%Y-%m-%d %H:%M} UTC is not "
            f"acknowledged: {first.message}"
        )
    # The verdict ("intact") is said by whoever shows this: the message says what held.
    entries = f"{scan.entries} {'entry' if scan.entries == 1 else 'entries'}"
    chains = f"{len(scan.chains)} {'chain' if len(scan.chains) == 1 else 'chains'}"
    message = f"{entries} in {chains} verify"
    if accepted:
        alarms = _alarm_ids(sorted({acknowledged[f.key] for f in accepted}, key=lambda a: a.id))
        message += f", apart from {len(accepted)} acknowledged ({alarms})"
    return message


def _alarm_ids(alarms: Sequence[LedgerAlarm]) -> str:
    ids = ", ".join(str(alarm.id) for alarm in alarms)
    return f"alarm {ids}" if len(alarms) == 1 else f"alarms {ids}"
