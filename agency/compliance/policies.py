"""Client policies: the parameters a client may tighten (``Policy``), stored as versions
that differ from the defaults; a contact about several clients' debts uses the strictest."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import fields, replace
from datetime import time
from typing import Any

from sqlalchemy.orm import Session

from agency.compliance import repository as repo
from agency.compliance.errors import ComplianceError
from agency.compliance.facts import Policy
from agency.compliance.ledger import append
from agency.compliance.models import ClientPolicy, EntryKind, Source
from agency.kit import clock

_POLICY_FIELDS = {f.name: f for f in fields(Policy)}
DEFAULT_POLICY = Policy()


def policy_from_values(values: Mapping[str, Any]) -> Policy:
    """A Policy from stored values (only what differs from the defaults is stored)."""
    changes: dict[str, Any] = {}
    for name, value in values.items():
        if name not in _POLICY_FIELDS:
            continue  # a field a later rule set removed
        default = getattr(DEFAULT_POLICY, name)
        changes[name] = time.fromisoformat(value) if isinstance(default, time) else value
    return replace(DEFAULT_POLICY, **changes)


def strictest(policies: Iterable[Policy]) -> Policy:
    """One policy for a contact about several clients' debts: the strictest value of each
    parameter (a cap's minimum, a window's narrowest hours, a block if any blocks)."""
    result: Policy | None = None
    for policy in policies:
        if result is None:
            result = policy
            continue
        merged: dict[str, Any] = {}
        for name in _POLICY_FIELDS:
            mine, theirs = getattr(result, name), getattr(policy, name)
            if isinstance(mine, bool):
                merged[name] = mine or theirs
            elif name.endswith("_start"):
                merged[name] = max(mine, theirs)
            else:  # caps and window ends: the smaller is stricter
                merged[name] = min(mine, theirs)
        result = Policy(**merged)
    return result or DEFAULT_POLICY


def parse_policy_values(raw: Mapping[str, str]) -> dict[str, Any]:
    """Form values → the differences from the defaults; ComplianceError names the field."""
    values: dict[str, Any] = {}
    for name, default in ((n, getattr(DEFAULT_POLICY, n)) for n in _POLICY_FIELDS):
        given = raw.get(name)
        if given is None:
            if isinstance(default, bool):
                given = "false"
            else:
                continue
        given = str(given).strip()
        value: Any
        if isinstance(default, bool):
            value = given.lower() in ("true", "on", "1", "yes")
        elif isinstance(default, int):
            if not given.isdigit() or not 0 <= int(given) <= 100:
                raise ComplianceError(f"{name}: a whole number from 0 to 100")
            value = int(given)
        else:
            try:
                value = time.fromisoformat(given).strftime("%H:%M")
            except ValueError:
                raise ComplianceError(f"{name}: a time, HH:MM") from None
        default_text = default.strftime("%H:%M") if isinstance(default, time) else default
        if value != default_text:
            values[name] = value
    if "uk_hours_start" in values or "uk_hours_end" in values:
        start = values.get("uk_hours_start", DEFAULT_POLICY.uk_hours_start.strftime("%H:%M"))
        end = values.get("uk_hours_end", DEFAULT_POLICY.uk_hours_end.strftime("%H:%M"))
        if start >= end:
            raise ComplianceError("uk_hours_end: must be after uk_hours_start")
    return values


def set_policy(
    db: Session, *, client_id: int, values: Mapping[str, Any], reason: str, actor_id: int | None
) -> ClientPolicy:
    """A new version of the client's policy (the old ones stay), recorded in the ledger."""
    reason = reason.strip()
    if not reason:
        raise ComplianceError("reason: say why the policy changes")
    unknown = sorted(set(values) - set(_POLICY_FIELDS))
    if unknown:
        raise ComplianceError(f"{unknown[0]}: not a policy parameter")
    history = repo.policy_history(db, client_id)
    version = ClientPolicy(
        client_id=client_id,
        version=(history[0].version + 1) if history else 1,
        values=dict(values),
        reason=reason[:2000],
        changed_by_id=actor_id,
        changed_at=clock.now(),
    )
    db.add(version)
    db.flush()
    repo.lock_chain(db, None)
    append(
        db,
        head=repo.chain_head(db, None),
        consumer_id=None,
        kind=EntryKind.POLICY,
        at=version.changed_at,
        actor_id=actor_id,
        source=Source.OFFICER,
        policy_version=version.version,
        detail={"client_id": client_id, "values": dict(values), "reason": version.reason},
    )
    return version


def current_policy(db: Session, client_id: int) -> tuple[Policy, int | None]:
    versions = repo.policy_versions(db, [client_id])
    if not versions:
        return DEFAULT_POLICY, None
    return policy_from_values(versions[0].values), versions[0].version
