"""Outreach's tables: message templates and their versions, the outbox (every text,
e-mail and letter on its way through a provider, with its status history), the
consumers' inbound texts, the documents outreach keeps (letters, validation notices,
print batches), click-to-call calls, and E-SIGN consents."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agency.db import Base, BigIntKey, IdMixin, Json
from agency.kit import clock
from agency.kit.enums import db_enum


class MessageChannel(StrEnum):
    SMS = "sms"
    EMAIL = "email"
    LETTER = "letter"
    VOICE = "voice"  # a call: a voice script for the agent, or click-to-call


class MessageStatus(StrEnum):
    """Where a message is.  Statuses only move forward (``RANK``): a late "sent" from a
    provider never overwrites "delivered"."""

    PENDING = "pending"  # allowed by the gate, waiting for the job
    SENDING = "sending"  # handed to the provider; not yet acknowledged
    SENT = "sent"  # the provider took it
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    BLOCKED = "blocked"  # the gate said no (when queued, or again at send time)
    DEFERRED = "deferred"  # the gate said not now: queued again for its next allowed time


RANK: dict[MessageStatus, int] = {
    MessageStatus.DEFERRED: 0,
    MessageStatus.PENDING: 1,
    MessageStatus.SENDING: 2,
    MessageStatus.SENT: 3,
    MessageStatus.DELIVERED: 4,
    MessageStatus.UNDELIVERED: 4,
    MessageStatus.FAILED: 4,
    MessageStatus.BLOCKED: 4,
}
FINAL = frozenset(status for status, rank in RANK.items() if rank == 4)


class MessageTemplate(IdMixin, Base):
    """What a text, e-mail, letter or voice script says, per channel and language; its
    words live in versions (``TemplateVersion``), the newest of which is sent."""

    __tablename__ = "message_templates"
    __table_args__ = (UniqueConstraint("key", "channel", "language"),)

    key: Mapped[str] = mapped_column(String(60))
    channel: Mapped[MessageChannel] = mapped_column(db_enum(MessageChannel, "message_channel"))
    language: Mapped[str] = mapped_column(String(2))
    title: Mapped[str] = mapped_column(String(120))
    # Texts: at most this many segments (a long text costs one per segment).
    segment_limit: Mapped[int | None] = mapped_column(Integer)
    # May be the first communication about a debt (then it carries the full mini-Miranda;
    # otherwise at least the "from a debt collector" line).
    first_contact: Mapped[bool] = mapped_column(Boolean, default=True)
    # A notice of intent to sue: its suit words are allowed, and the gate keeps it off
    # time-barred debts (US-REGF-TIMEBARRED).
    suit_notice: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=0)  # the newest version's number
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    versions: Mapped[list[TemplateVersion]] = relationship(
        back_populates="template", lazy="raise", order_by="TemplateVersion.version"
    )


class TemplateVersion(IdMixin, Base):
    """One saved text of a template, with who saved it, when and why, and the traits the
    gate reads, derived from the text when it was saved (``compliance.Template``)."""

    __tablename__ = "message_template_versions"
    __table_args__ = (UniqueConstraint("template_id", "version"),)

    template_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("message_templates.id", ondelete="RESTRICT")
    )
    version: Mapped[int] = mapped_column(Integer)
    subject: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    traits: Mapped[dict[str, bool]] = mapped_column(Json, default=dict)
    by_user_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="SET NULL")
    )
    at: Mapped[datetime] = mapped_column(default=clock.now)
    why: Mapped[str] = mapped_column(String(500))

    template: Mapped[MessageTemplate] = relationship(back_populates="versions", lazy="raise")


class OutboxMessage(IdMixin, Base):
    """A message the gate allowed (or blocked), from the moment it was asked for until the
    provider says what became of it.  Written in the same transaction as the gate's
    ledger entry; a job hands it to the provider after commit."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        # The sweep's question: which waiting messages are due.
        Index(
            "ix_outbox_messages_waiting",
            "next_try_at",
            postgresql_where=text("status IN ('pending', 'deferred')"),
            sqlite_where=text("status IN ('pending', 'deferred')"),
        ),
        Index("ix_outbox_messages_case_id_created_at", "case_id", "created_at"),
        Index("ix_outbox_messages_client_id_created_at", "client_id", "created_at"),
        Index("ix_outbox_messages_created_at", "created_at"),
        UniqueConstraint("provider", "provider_id"),
        UniqueConstraint("message_key"),
    )

    case_id: Mapped[int] = mapped_column(BigIntKey, ForeignKey("cases.id", ondelete="RESTRICT"))
    consumer_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("consumers.id", ondelete="RESTRICT")
    )
    client_id: Mapped[int] = mapped_column(BigIntKey, ForeignKey("clients.id", ondelete="RESTRICT"))
    contact_point_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("contact_points.id", ondelete="RESTRICT")
    )
    channel: Mapped[MessageChannel] = mapped_column(db_enum(MessageChannel, "message_channel"))
    template_version_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("message_template_versions.id", ondelete="RESTRICT")
    )
    # The gate's template id (a stored version's "key/channel/language@vN", or a built-in).
    gate_template: Mapped[str] = mapped_column(String(60))
    # The gate's ledger entry that allowed (or blocked) it; the newest when deferred.
    attempt_entry_id: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[MessageStatus] = mapped_column(
        db_enum(MessageStatus, "message_status"), default=MessageStatus.PENDING
    )
    to_address: Mapped[str] = mapped_column(String(320))
    from_address: Mapped[str | None] = mapped_column(String(320))
    subject: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)  # as sent
    html: Mapped[str | None] = mapped_column(Text)
    segments: Mapped[int | None] = mapped_column(Integer)
    provider: Mapped[str] = mapped_column(String(16))  # sandbox, twilio, smtp
    provider_id: Mapped[str | None] = mapped_column(String(100))
    provider_status: Mapped[str | None] = mapped_column(String(32))
    # Ours, unique: an e-mail's Message-ID, so a resend after a crash is recognisable.
    message_key: Mapped[str] = mapped_column(String(100))
    tries: Mapped[int] = mapped_column(Integer, default=0)
    # Times the provider said "too many requests": they spend no try (``pacing``).
    rate_limits: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    next_try_at: Mapped[datetime | None]
    # A text's turn on its number, taken while the number was busy: due then, it leaves
    # without asking the number again (``pacing``).
    slot_at: Mapped[datetime | None]
    # When a job to send it was queued (None: no job in flight; the sweep queues one).
    job_at: Mapped[datetime | None]
    valid_until: Mapped[datetime | None]  # the consumer's allowed window closes then
    blocked_by: Mapped[list[str]] = mapped_column(Json, default=list)
    error: Mapped[str | None] = mapped_column(String(500))
    by_user_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    status_at: Mapped[datetime] = mapped_column(default=clock.now)
    sending_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    # A letter: the print batch it went out in.
    letter_batch_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("letter_batches.id", ondelete="RESTRICT"), index=True
    )

    events: Mapped[list[OutboxEvent]] = relationship(
        back_populates="message", lazy="raise", order_by="OutboxEvent.id"
    )


class OutboxEvent(IdMixin, Base):
    """One step of a message's life (queued, sent, a provider's callback …), kept in
    order: its history on the case timeline and in the outbox."""

    __tablename__ = "outbox_events"
    __table_args__ = (Index("ix_outbox_events_message_id", "message_id"),)

    message_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("outbox_messages.id", ondelete="CASCADE")
    )
    at: Mapped[datetime] = mapped_column(default=clock.now)
    status: Mapped[MessageStatus] = mapped_column(db_enum(MessageStatus, "message_status"))
    provider_status: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)

    message: Mapped[OutboxMessage] = relationship(back_populates="events", lazy="raise")


class InboundMessage(IdMixin, Base):
    """A text a consumer sent us: what it said (for the agent) and what we read in it
    (stop, start, help, or a reply for an agent)."""

    __tablename__ = "inbound_messages"
    __table_args__ = (
        UniqueConstraint("provider", "provider_id"),
        Index("ix_inbound_messages_case_id_received_at", "case_id", "received_at"),
    )

    consumer_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("consumers.id", ondelete="RESTRICT")
    )
    case_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("cases.id", ondelete="RESTRICT")
    )
    contact_point_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("contact_points.id", ondelete="RESTRICT")
    )
    channel: Mapped[MessageChannel] = mapped_column(db_enum(MessageChannel, "message_channel"))
    from_address: Mapped[str] = mapped_column(String(320))
    to_address: Mapped[str | None] = mapped_column(String(320))
    body: Mapped[str] = mapped_column(Text)
    meaning: Mapped[str] = mapped_column(String(10))  # stop, start, help, reply
    provider: Mapped[str] = mapped_column(String(16))
    provider_id: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(default=clock.now)


class ClientSender(Base):
    """Whom a client's messages come from: its e-mail From and Reply-To, and its own pool
    of numbers for texts.  A client without one sends as the agency (the settings)."""

    __tablename__ = "client_senders"

    client_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True
    )
    email_from_name: Mapped[str] = mapped_column(String(120))
    email_from_address: Mapped[str] = mapped_column(String(320))
    reply_to: Mapped[str | None] = mapped_column(String(320))
    sms_numbers: Mapped[list[str]] = mapped_column(Json, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)


class SmsNumberSlot(Base):
    """When a long code of the pool may send its next segment: shared by every worker,
    its row locked while a sending job takes turns on it (``pacing``)."""

    __tablename__ = "sms_number_slots"

    number: Mapped[str] = mapped_column(String(32), primary_key=True)
    next_free_at: Mapped[datetime]


class DocumentKind(StrEnum):
    LETTER = "letter"  # one letter as printed
    VALIDATION_NOTICE = "validation_notice"  # a Reg F notice as sent (letter or e-mail)
    PRINT_BATCH = "print_batch"  # a day's letters merged for the print vendor
    MANIFEST = "manifest"  # the print batch's CSV manifest


class LetterBatch(IdMixin, Base):
    """One day's letters for the print vendor; its merged PDF and CSV manifest are the
    documents with its ``batch_id``."""

    __tablename__ = "letter_batches"

    day: Mapped[date] = mapped_column(index=True)
    letters: Mapped[int] = mapped_column(Integer)
    pages: Mapped[int] = mapped_column(Integer)
    by_user_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="RESTRICT")
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class Document(IdMixin, Base):
    """A file outreach made and keeps, byte for byte as it went out: a letter's PDF, a
    validation notice's PDF, a print batch and its manifest.  Kept in the database so
    every web and worker process reads the same copy."""

    __tablename__ = "outreach_documents"
    __table_args__ = (Index("ix_outreach_documents_case_id_created_at", "case_id", "created_at"),)

    kind: Mapped[DocumentKind] = mapped_column(db_enum(DocumentKind, "document_kind"))
    case_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("cases.id", ondelete="RESTRICT")
    )
    # The letter or e-mail it went out as.
    message_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("outbox_messages.id", ondelete="RESTRICT"), index=True
    )
    # A print batch's merged PDF or manifest: the batch.
    batch_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("letter_batches.id", ondelete="RESTRICT"), index=True
    )
    file_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    pages: Mapped[int | None] = mapped_column(Integer)
    by_user_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="RESTRICT")
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class CallStatus(StrEnum):
    """A click-to-call's life: Twilio rings the agent, then bridges to the consumer."""

    QUEUED = "queued"
    RINGING_AGENT = "ringing_agent"
    CONNECTING = "connecting"  # the agent answered; the consumer's phone is ringing
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    FAILED = "failed"
    CANCELED = "canceled"


class VoiceCall(IdMixin, Base):
    """A click-to-call from the case page, after the gate allowed the call attempt."""

    __tablename__ = "voice_calls"
    __table_args__ = (
        Index("ix_voice_calls_case_id_created_at", "case_id", "created_at"),
        UniqueConstraint("provider", "provider_id"),
    )

    case_id: Mapped[int] = mapped_column(BigIntKey, ForeignKey("cases.id", ondelete="RESTRICT"))
    consumer_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("consumers.id", ondelete="RESTRICT")
    )
    contact_point_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("contact_points.id", ondelete="RESTRICT")
    )
    attempt_entry_id: Mapped[int] = mapped_column(BigInteger, index=True)
    agent_id: Mapped[int] = mapped_column(BigIntKey, ForeignKey("users.id", ondelete="RESTRICT"))
    agent_phone: Mapped[str] = mapped_column(String(32))
    status: Mapped[CallStatus] = mapped_column(db_enum(CallStatus, "call_status"))
    provider: Mapped[str] = mapped_column(String(16))  # sandbox, twilio
    provider_id: Mapped[str | None] = mapped_column(String(64))  # the agent leg's CallSid
    consumer_call_id: Mapped[str | None] = mapped_column(String(64))  # the bridged leg's
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    status_at: Mapped[datetime] = mapped_column(default=clock.now)
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]


class ESignConsent(IdMixin, Base):
    """A consumer's E-SIGN Act consent to receive disclosures (the validation notice)
    electronically at one e-mail address; ``withdrawn_at`` ends it."""

    __tablename__ = "esign_consents"
    __table_args__ = (Index("ix_esign_consents_contact_point_id", "contact_point_id"),)

    consumer_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("consumers.id", ondelete="RESTRICT"), index=True
    )
    contact_point_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("contact_points.id", ondelete="RESTRICT")
    )
    given_at: Mapped[datetime]
    how: Mapped[str] = mapped_column(String(200))  # e.g. "self-service page, checkbox"
    recorded_by_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="RESTRICT")
    )
    recorded_at: Mapped[datetime] = mapped_column(default=clock.now)
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="RESTRICT")
    )
