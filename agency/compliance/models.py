"""The contact ledger, the facts the contact rules use, the contact points' flags they
keep in step, client policies, verifications and the alarms they raise.

The ledger (``LedgerEntry``) is the design's *ContactAttempt*: every gate decision
(allowed or blocked), every outcome, every inbound contact and every recorded fact, in one
append-only table of keyed hash chains.  Each consumer's entries form their own chain (entries
about no consumer, such as policy changes, form the system chain), so writers about
different consumers never wait for each other and retention can remove one consumer's
whole chain without breaking anyone else's.  On PostgreSQL a trigger refuses UPDATE and
DELETE (migration 0003; verifications and alarms too, 0010); only the retention job may
delete ledger entries, by setting ``agency.ledger_retention`` for its transaction.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from agency.db import Base, BigIntKey, IdMixin, Json
from agency.kit import clock
from agency.kit.enums import db_enum


class EntryKind(StrEnum):
    ATTEMPT = "attempt"  # a gate decision about a proposed contact, allowed or blocked
    OUTCOME = "outcome"  # what became of an allowed attempt (linked by attempt_id)
    INBOUND = "inbound"  # the consumer reached us (call, text, e-mail, letter)
    FACT = "fact"  # a compliance fact was recorded (ComplianceFact, linked by fact_id)
    POLICY = "policy"  # a client's compliance policy changed (system chain)
    PURGE = "purge"  # retention removed a consumer's chain (system chain)


class Source(StrEnum):
    """Who or what caused an entry."""

    AGENT = "agent"
    STRATEGY = "strategy"
    RETRY = "retry"
    CONSUMER = "consumer"
    CLIENT = "client"
    OFFICER = "officer"
    SYSTEM = "system"


class LedgerEntry(IdMixin, Base):
    """One immutable line of the contact ledger.

    ``hash`` is HMAC-SHA256, under the ledger key ``key_id``, of the entry's content,
    its position ``seq`` in its chain and ``prev_hash`` (the hash of the previous entry
    of the same chain); ``chain.content`` defines the content.  ``key_id`` is null only
    for entries of a chain that did not verify when the ledger was keyed (migration 0010).
    """

    __tablename__ = "ledger_entries"
    __table_args__ = (
        Index("ix_ledger_entries_consumer_id_id", "consumer_id", "id"),
        Index("ix_ledger_entries_at", "at"),
        Index("ix_ledger_entries_actor_id_at", "actor_id", "at"),
        Index("ix_ledger_entries_channel_at", "channel", "at"),
        Index("ix_ledger_entries_attempt_id", "attempt_id"),
        # The officers' most common question: what was blocked, lately.
        Index(
            "ix_ledger_entries_blocked_at",
            "at",
            postgresql_where=text("allowed = false"),
            sqlite_where=text("allowed = 0"),
        ),
    )

    consumer_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("consumers.id", ondelete="RESTRICT")
    )
    kind: Mapped[EntryKind] = mapped_column(db_enum(EntryKind, "ledger_entry_kind"))
    at: Mapped[datetime]  # when it happened (the attempt's time, the outcome's time, ...)
    recorded_at: Mapped[datetime] = mapped_column(default=clock.now)
    actor_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="RESTRICT")
    )
    source: Mapped[Source] = mapped_column(db_enum(Source, "ledger_source"))
    channel: Mapped[str | None] = mapped_column(String(16))
    direction: Mapped[str | None] = mapped_column(String(8))
    contact_point_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("contact_points.id", ondelete="RESTRICT")
    )
    case_ids: Mapped[list[int]] = mapped_column(Json, default=list)
    # Attempts: the gate's decision.
    allowed: Mapped[bool | None] = mapped_column(Boolean)
    blocked_by: Mapped[list[str]] = mapped_column(Json, default=list)
    next_allowed_at: Mapped[datetime | None]
    rule_set: Mapped[str | None] = mapped_column(String(32))
    policy_version: Mapped[int | None] = mapped_column(Integer)
    timezones: Mapped[list[str]] = mapped_column(Json, default=list)
    automated: Mapped[bool] = mapped_column(Boolean, default=False)
    template: Mapped[str | None] = mapped_column(String(60))
    # Outcomes point at their attempt; fact entries at their fact.
    attempt_id: Mapped[int | None] = mapped_column(BigIntKey, ForeignKey("ledger_entries.id"))
    outcome: Mapped[str | None] = mapped_column(String(16))
    fact_id: Mapped[int | None] = mapped_column(BigIntKey, ForeignKey("compliance_facts.id"))
    detail: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer)
    key_id: Mapped[str | None] = mapped_column(String(32))
    hash: Mapped[str] = mapped_column(String(64))


class LedgerCase(Base):
    """Which cases (and so which clients) an entry is about: the ledger's search index
    by case and by client, with the entry's time copied so date ranges stay indexed."""

    __tablename__ = "ledger_cases"
    __table_args__ = (
        Index("ix_ledger_cases_case_id_at", "case_id", "at"),
        Index("ix_ledger_cases_client_id_at", "client_id", "at"),
    )

    entry_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("ledger_entries.id", ondelete="CASCADE"), primary_key=True
    )
    case_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("cases.id", ondelete="RESTRICT"), primary_key=True
    )
    client_id: Mapped[int] = mapped_column(BigIntKey, ForeignKey("clients.id", ondelete="RESTRICT"))
    at: Mapped[datetime]


class LedgerRuleHit(Base):
    """One rule that blocked one attempt: the ledger's search index by rule id."""

    __tablename__ = "ledger_rule_hits"
    __table_args__ = (Index("ix_ledger_rule_hits_rule_id_at", "rule_id", "at"),)

    entry_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("ledger_entries.id", ondelete="CASCADE"), primary_key=True
    )
    rule_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    at: Mapped[datetime]


class FactKind(StrEnum):
    """The compliance facts, each recorded with who, when and from where."""

    CALL_CONSENT = "call_consent"  # direct prior consent to be called (window)
    AUTOMATED_CONSENT = "automated_consent"  # TCPA prior express consent on a number
    CONSENT_REVOKED = "consent_revoked"  # e.g. a STOP reply, in any wording
    OPT_OUT = "opt_out"  # no more e-mail/texts at this point
    OPT_IN = "opt_in"  # START / UNSTOP / YES: opted back in
    DO_NOT_CALL = "do_not_call"
    DO_NOT_USE = "do_not_use"
    CEASE = "cease"  # written refusal to pay / request to stop communicating
    ATTORNEY = "attorney"
    DISPUTE = "dispute"
    VERIFICATION_SENT = "verification_sent"
    VALIDATION_SENT = "validation_sent"
    INCONVENIENT_TIME = "inconvenient_time"
    WORKPLACE_RESTRICTION = "workplace_restriction"  # the employer forbids contact there
    WITHDRAWN = "withdrawn"  # ends an earlier fact (detail.fact_id), e.g. attorney gone


class ComplianceFact(IdMixin, Base):
    """A fact the contact rules depend on.  Never edited: a later fact ends an earlier
    one (``withdrawn``, ``opt_in`` after ``opt_out``, ``consent_revoked``)."""

    __tablename__ = "compliance_facts"
    __table_args__ = (Index("ix_compliance_facts_consumer_id_id", "consumer_id", "id"),)

    consumer_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("consumers.id", ondelete="RESTRICT")
    )
    kind: Mapped[FactKind] = mapped_column(db_enum(FactKind, "compliance_fact_kind"))
    case_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("cases.id", ondelete="RESTRICT"), index=True
    )
    contact_point_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("contact_points.id", ondelete="RESTRICT")
    )
    effective_at: Mapped[datetime]  # when it happened or was received
    until: Mapped[datetime | None]  # for windows (call consent)
    detail: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    source: Mapped[Source] = mapped_column(db_enum(Source, "ledger_source"))
    recorded_by_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="RESTRICT")
    )
    recorded_at: Mapped[datetime] = mapped_column(default=clock.now)


class PointFlags(Base):
    """A contact point's compliance flags, kept in step with the facts recorded about it
    (``agency.compliance.point_flags``); a point with no row has every flag off.

    ``consent``: prior express consent for automated calls/texts (TCPA), given at
    ``consent_at``; ``opted_out``: no electronic messages here; ``do_not_call``: no calls
    to this number; ``do_not_use``: no contact here at all; ``workplace``: the point is at
    the consumer's work.
    """

    __tablename__ = "contact_point_flags"

    contact_point_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("contact_points.id", ondelete="CASCADE"), primary_key=True
    )
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_at: Mapped[datetime | None]
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    do_not_call: Mapped[bool] = mapped_column(Boolean, default=False)
    do_not_use: Mapped[bool] = mapped_column(Boolean, default=False)
    workplace: Mapped[bool] = mapped_column(Boolean, default=False)


class ClientPolicy(IdMixin, Base):
    """One version of a client's values for the catalogue's C and policy rules.

    A change is a new version (never an update), with who, when and why, and a ledger
    entry.  ``values`` holds only what differs from the catalogue's defaults.
    """

    __tablename__ = "client_policies"
    __table_args__ = (
        Index("uq_client_policies_client_id_version", "client_id", "version", unique=True),
    )

    client_id: Mapped[int] = mapped_column(BigIntKey, ForeignKey("clients.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    values: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    reason: Mapped[str] = mapped_column(Text)
    changed_by_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="SET NULL")
    )
    changed_at: Mapped[datetime] = mapped_column(default=clock.now)


class LedgerVerification(IdMixin, Base):
    """One run of the chain check (``agency compliance verify-ledger`` or the nightly job),
    inserted once, complete: the table is append-only."""

    __tablename__ = "ledger_verifications"

    started_at: Mapped[datetime] = mapped_column(default=clock.now)
    finished_at: Mapped[datetime | None]
    entries_checked: Mapped[int] = mapped_column(Integer, default=0)
    chains_checked: Mapped[int] = mapped_column(Integer, default=0)
    ok: Mapped[bool] = mapped_column(Boolean, default=False)
    first_bad_entry_id: Mapped[int | None] = mapped_column(BigIntKey)
    message: Mapped[str | None] = mapped_column(Text)
    run_by_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="SET NULL")
    )
    # The checkpoint the database was compared with, the one this run wrote, and the
    # alarm it raised (when it found something not seen before).
    compared_with: Mapped[str | None] = mapped_column(String(80))
    checkpoint: Mapped[str | None] = mapped_column(String(80))
    alarm_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("ledger_alarms.id", ondelete="RESTRICT")
    )


class LedgerAlarm(IdMixin, Base):
    """What a verification found wrong and had not seen before (the verification names
    it): it stays raised until a compliance officer acknowledges it (``LedgerAlarmAck``).
    ``findings`` are ``findings.Finding`` records; ``mac`` seals the row with a ledger
    key, so no one with only database access can make or change an alarm that verifies."""

    __tablename__ = "ledger_alarms"

    raised_at: Mapped[datetime] = mapped_column(default=clock.now)
    findings: Mapped[list[dict[str, Any]]] = mapped_column(Json, default=list)
    message: Mapped[str] = mapped_column(Text)
    key_id: Mapped[str] = mapped_column(String(32))
    mac: Mapped[str] = mapped_column(String(64))


class LedgerAlarmAck(IdMixin, Base):
    """A compliance officer's acknowledgment of one alarm, with the reason; sealed like
    the alarm (its MAC covers the alarm's).  ``checkpoint`` is the checkpoint written
    with it, which records the acknowledged state for later runs to compare with."""

    __tablename__ = "ledger_alarm_acks"

    alarm_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("ledger_alarms.id", ondelete="RESTRICT"), unique=True
    )
    acknowledged_at: Mapped[datetime] = mapped_column(default=clock.now)
    officer_id: Mapped[int] = mapped_column(BigIntKey, ForeignKey("users.id", ondelete="RESTRICT"))
    reason: Mapped[str] = mapped_column(Text)
    checkpoint: Mapped[str | None] = mapped_column(String(80))
    key_id: Mapped[str] = mapped_column(String(32))
    mac: Mapped[str] = mapped_column(String(64))
