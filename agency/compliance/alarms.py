"""Ledger alarms and their acknowledgments: raising one, reading them back with their
seals checked, and a compliance officer setting one aside.

An alarm holds what a verification found and had not seen before (``findings.Finding``
records); it stays raised until acknowledged.  Both rows are sealed with a ledger key
(an acknowledgment's seal covers its alarm's), so no one with only database access can
make, change or acknowledge one: a row whose seal fails is itself a finding.

``acknowledge_alarm`` writes a fresh checkpoint recording the alarm's chains as they
are now, so later verifications compare with the acknowledged state; a chain finding it
named stays accepted while the entries read exactly as they did.  Services flush, never
commit; the checkpoint is written before the caller commits.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from agency.compliance import checkpoints
from agency.compliance import repository as repo
from agency.compliance.checkpoints import Checkpoint
from agency.compliance.errors import ComplianceError
from agency.compliance.findings import RECORD, Finding
from agency.compliance.keys import LedgerKeys, ledger_keys
from agency.compliance.models import LedgerAlarm, LedgerAlarmAck
from agency.kit import clock

ALARM = "agency-ledger-alarm"
ACK = "agency-ledger-ack"


@dataclass(frozen=True, slots=True)
class Alarms:
    """The alarm records whose seals hold, which of them are acknowledged, and a finding
    for each record that is not what we sealed."""

    valid: tuple[LedgerAlarm, ...]
    acks: dict[int, LedgerAlarmAck]
    problems: tuple[Finding, ...]

    @property
    def unacknowledged(self) -> list[LedgerAlarm]:
        return [alarm for alarm in self.valid if alarm.id not in self.acks]


def raise_alarm(db: Session, findings: Sequence[Finding], keys: LedgerKeys) -> LedgerAlarm:
    """A new alarm over ``findings`` (the first named in its message), sealed."""
    more = f" (and {len(findings) - 1} more)" if findings[1:] else ""
    alarm = LedgerAlarm(
        raised_at=clock.now(),
        findings=[f.to_json() for f in findings],
        message=f"{findings[0].message}{more}",
        key_id=keys.current_id,
    )
    alarm.mac = keys.sign(ALARM, _alarm_message(alarm))
    db.add(alarm)
    db.flush()
    return alarm


def _canonical(values: dict[str, Any]) -> bytes:
    return json.dumps(values, sort_keys=True, separators=(",", ":"), default=str).encode()


def _alarm_message(alarm: LedgerAlarm) -> bytes:
    return _canonical(
        {
            "raised_at": alarm.raised_at.isoformat(timespec="microseconds"),
            "findings": alarm.findings,
            "message": alarm.message,
        }
    )


def _ack_message(ack: LedgerAlarmAck, alarm: LedgerAlarm) -> bytes:
    return _canonical(
        {
            "alarm_id": ack.alarm_id,
            "alarm_mac": alarm.mac,
            "acknowledged_at": ack.acknowledged_at.isoformat(timespec="microseconds"),
            "officer_id": ack.officer_id,
            "reason": ack.reason,
            "checkpoint": ack.checkpoint,
        }
    )


def load_alarms(db: Session, keys: LedgerKeys | None = None) -> Alarms:
    """Every alarm and acknowledgment, checked against its seal."""
    keys = keys or ledger_keys()
    problems = []
    valid = []
    for alarm in repo.alarms(db):
        if keys.check(ALARM, _alarm_message(alarm), alarm.key_id, alarm.mac):
            valid.append(alarm)
        else:
            problems.append(_record_finding("alarm", alarm.id, _alarm_message(alarm)))
    by_id = {alarm.id: alarm for alarm in valid}
    acks = {}
    for alarm_id, ack in repo.alarm_acks(db).items():
        acknowledged = by_id.get(alarm_id)
        if acknowledged is None:
            continue  # acknowledges a record that is itself a finding
        content = _ack_message(ack, acknowledged)
        if keys.check(ACK, content, ack.key_id, ack.mac):
            acks[alarm_id] = ack
        else:
            problems.append(_record_finding("acknowledgment of alarm", alarm_id, content))
    return Alarms(valid=tuple(valid), acks=acks, problems=tuple(problems))


def _record_finding(what: str, record_id: int, content: bytes) -> Finding:
    return Finding(
        kind=RECORD,
        message=f"the {what} {record_id} is not sealed by a ledger key the settings hold",
        key=f"{RECORD}:{what}:{record_id}:{hashlib.sha256(content).hexdigest()}",
    )


def acknowledge_alarm(
    db: Session, *, alarm_id: int, officer_id: int, reason: str
) -> LedgerAlarmAck:
    """Set an alarm aside with the officer's reason, and write a checkpoint recording its
    chains as they are now (their entries as found are accepted; later changes are new
    findings).  ComplianceError says what cannot be acknowledged and why."""
    reason = reason.strip()
    if not reason:
        raise ComplianceError("reason: say why the alarm can be set aside")
    keys = ledger_keys()
    alarm = repo.alarm(db, alarm_id)
    if not keys.check(ALARM, _alarm_message(alarm), alarm.key_id, alarm.mac):
        raise ComplianceError(
            "alarm: its record is not sealed by a ledger key, so it is itself a finding"
        )
    if repo.alarm_ack(db, alarm_id) is not None:
        raise ComplianceError(f"alarm: alarm {alarm_id} is already acknowledged")
    now = clock.now()
    ack = LedgerAlarmAck(
        alarm_id=alarm.id,
        acknowledged_at=now,
        officer_id=officer_id,
        reason=reason[:2000],
        checkpoint=checkpoints.new_name(),
        key_id=keys.current_id,
    )
    ack.mac = keys.sign(ACK, _ack_message(ack, alarm))
    db.add(ack)
    db.flush()
    chains = {f.chain for f in map(Finding.from_json, alarm.findings) if f.on_chain}
    baseline, _ = checkpoints.newest(keys)
    heads = dict(baseline.heads) if baseline else {}
    for chain in chains:
        head = repo.chain_head(db, chain)
        if head is None:
            heads.pop(chain, None)
        else:
            heads[chain] = head
    assert ack.checkpoint is not None
    checkpoints.write(
        Checkpoint(
            name=ack.checkpoint,
            taken_at=now,
            reason="acknowledgment",
            as_of=baseline.as_of if baseline else now,
            journal_since=baseline.journal_since if baseline else None,
            heads=heads,
            # Kept: the next verification drops them once it sees this acknowledgment
            # committed (this file is written before the caller commits).
            open_findings=baseline.open_findings if baseline else (),
            resets={**(baseline.resets if baseline else {}), **dict.fromkeys(chains, now)},
            alarm_id=alarm.id,
        ),
        keys,
    )
    checkpoints.prune()
    return ack
