"""Every query of outreach's tables."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, defer

from agency.cases.models import Case, Channel, ContactPoint
from agency.kit.pagination import Page, PageRequest, paginate
from agency.outreach.models import (
    Document,
    DocumentKind,
    ESignConsent,
    InboundMessage,
    MessageChannel,
    MessageStatus,
    MessageTemplate,
    OutboxEvent,
    OutboxMessage,
    VoiceCall,
)


def message(db: Session, message_id: int) -> OutboxMessage | None:
    return db.get(OutboxMessage, message_id)


def message_for_update(db: Session, message_id: int) -> OutboxMessage | None:
    """The message, its row locked until the transaction ends (PostgreSQL): two jobs
    for one message never both send it."""
    return db.scalars(
        select(OutboxMessage).where(OutboxMessage.id == message_id).with_for_update()
    ).one_or_none()


def messages_for_update(db: Session, message_ids: Sequence[int]) -> list[OutboxMessage]:
    """The messages, their rows locked until the transaction ends; on PostgreSQL a row
    another job holds is skipped (that job sends it)."""
    return list(
        db.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.id.in_(sorted(set(message_ids))))
            .order_by(OutboxMessage.id)
            .with_for_update(skip_locked=True)
        )
    )


def message_by_provider_id(db: Session, provider: str, provider_id: str) -> OutboxMessage | None:
    return db.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.provider == provider, OutboxMessage.provider_id == provider_id)
        .with_for_update()
    ).one_or_none()


def call_for_update(db: Session, call_id: int) -> VoiceCall | None:
    """A click-to-call, its row locked until the transaction ends (PostgreSQL): two
    reports about one call are applied one after the other."""
    return db.scalars(
        select(VoiceCall).where(VoiceCall.id == call_id).with_for_update()
    ).one_or_none()


def call_by_provider_id(db: Session, provider: str, provider_id: str) -> VoiceCall | None:
    return db.scalars(
        select(VoiceCall)
        .where(VoiceCall.provider == provider, VoiceCall.provider_id == provider_id)
        .with_for_update()
    ).one_or_none()


def call_of_attempt(db: Session, attempt_entry_id: int) -> VoiceCall | None:
    """The click-to-call placed for a ledger attempt (there is at most one)."""
    return db.scalars(
        select(VoiceCall).where(VoiceCall.attempt_entry_id == attempt_entry_id).limit(1)
    ).one_or_none()


def message_by_key(db: Session, key: str) -> OutboxMessage | None:
    return db.scalars(select(OutboxMessage).where(OutboxMessage.message_key == key)).one_or_none()


def due_ids(db: Session, now: datetime, *, job_lost_before: datetime, limit: int) -> list[int]:
    """Messages waiting to be sent whose time has come and whose job is not in flight
    (none queued, or queued before ``job_lost_before`` and never run)."""
    return list(
        db.scalars(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.status.in_((MessageStatus.PENDING, MessageStatus.DEFERRED)),
                or_(OutboxMessage.next_try_at.is_(None), OutboxMessage.next_try_at <= now),
                or_(OutboxMessage.job_at.is_(None), OutboxMessage.job_at < job_lost_before),
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
    )


def note_jobs(db: Session, message_ids: Sequence[int], at: datetime) -> None:
    if message_ids:
        db.execute(update(OutboxMessage).where(OutboxMessage.id.in_(message_ids)).values(job_at=at))


def stuck(db: Session, before: datetime, *, limit: int) -> list[OutboxMessage]:
    """Messages handed to a provider before ``before`` with no answer recorded: the
    process may have died between the provider's answer and our commit."""
    return list(
        db.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status == MessageStatus.SENDING, OutboxMessage.sending_at < before)
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
    )


def events_of(db: Session, message_ids: Sequence[int]) -> list[OutboxEvent]:
    if not message_ids:
        return []
    return list(
        db.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.message_id.in_(message_ids))
            .order_by(OutboxEvent.id)
        )
    )


def messages_of_case(db: Session, case_id: int, *, limit: int) -> list[OutboxMessage]:
    return list(
        db.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.case_id == case_id)
            .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
            .limit(limit)
        )
    )


def messages_of_case_from(db: Session, case_id: int, gate_template: str) -> list[OutboxMessage]:
    """The case's messages made from the gate template ``gate_template``, newest first."""
    return list(
        db.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.case_id == case_id, OutboxMessage.gate_template == gate_template)
            .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        )
    )


def inbound_of_case(db: Session, case_id: int, *, limit: int) -> list[InboundMessage]:
    return list(
        db.scalars(
            select(InboundMessage)
            .where(InboundMessage.case_id == case_id)
            .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc())
            .limit(limit)
        )
    )


def inbound_by_provider_id(db: Session, provider: str, provider_id: str) -> InboundMessage | None:
    return db.scalars(
        select(InboundMessage).where(
            InboundMessage.provider == provider, InboundMessage.provider_id == provider_id
        )
    ).one_or_none()


def latest_message_to(db: Session, to: str, channel: MessageChannel) -> OutboxMessage | None:
    return db.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.to_address == to, OutboxMessage.channel == channel)
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    ).first()


@dataclass(frozen=True, slots=True)
class OutboxFilter:
    """The Outbox's filters; None is no filter.  ``since`` and ``until`` bound
    ``created_at`` (``until`` exclusive); ``reference`` is the start of the case's client
    reference, in any case."""

    status: MessageStatus | None = None
    channel: MessageChannel | None = None
    client_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    reference: str | None = None


def outbox_page(db: Session, filters: OutboxFilter, request: PageRequest) -> Page[OutboxMessage]:
    """One page of the messages matching ``filters``, newest first.  The reference
    search reads cases' table (read-only, downward in the layers: outreach is above
    cases)."""
    query = select(OutboxMessage)
    if filters.status is not None:
        query = query.where(OutboxMessage.status == filters.status)
    if filters.channel is not None:
        query = query.where(OutboxMessage.channel == filters.channel)
    if filters.client_id is not None:
        query = query.where(OutboxMessage.client_id == filters.client_id)
    if filters.since is not None:
        query = query.where(OutboxMessage.created_at >= filters.since)
    if filters.until is not None:
        query = query.where(OutboxMessage.created_at < filters.until)
    if filters.reference:
        start = _like_literal(filters.reference.lower()) + "%"
        query = query.join(Case, Case.id == OutboxMessage.case_id).where(
            func.lower(Case.client_reference).like(start, escape="\\")
        )
    return paginate(
        db,
        query,
        request,
        {"created": OutboxMessage.created_at},
        tiebreak=OutboxMessage.id.desc(),
        default_sort="created",
        default_dir="desc",
    )


def case_references(db: Session, case_ids: Sequence[int]) -> dict[int, str]:
    """Each case's client reference, for the Outbox's rows (a read-only list query of
    cases' table, downward in the layers)."""
    if not case_ids:
        return {}
    rows = db.execute(
        select(Case.id, Case.client_reference).where(Case.id.in_(sorted(set(case_ids))))
    ).all()
    return dict(rows)


def _like_literal(text: str) -> str:
    """``text`` for a LIKE pattern (with ``escape="\\"``): its wildcards taken literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def template_for_update(
    db: Session, key: str, channel: MessageChannel, language: str
) -> MessageTemplate | None:
    """The template, its row locked: two admins saving at once get versions 2 and 3."""
    return db.scalars(
        select(MessageTemplate)
        .where(
            MessageTemplate.key == key,
            MessageTemplate.channel == channel,
            MessageTemplate.language == language,
        )
        .with_for_update()
    ).one_or_none()


def attachments_of(db: Session, message_ids: Sequence[int]) -> dict[int, list[Document]]:
    """The validation notices kept for these messages (an e-mail carries its own), by
    message id."""
    if not message_ids:
        return {}
    found: dict[int, list[Document]] = {}
    for document in db.scalars(
        select(Document)
        .where(
            Document.message_id.in_(sorted(set(message_ids))),
            Document.kind == DocumentKind.VALIDATION_NOTICE,
        )
        .order_by(Document.id)
    ):
        assert document.message_id is not None
        found.setdefault(document.message_id, []).append(document)
    return found


def validation_notices_of_case(db: Session, case_id: int) -> list[Document]:
    """The case's validation notices, newest first (their content not loaded)."""
    return list(
        db.scalars(
            select(Document)
            .options(defer(Document.content))
            .where(Document.case_id == case_id, Document.kind == DocumentKind.VALIDATION_NOTICE)
            .order_by(Document.created_at.desc(), Document.id.desc())
        )
    )


def document(db: Session, document_id: int) -> Document | None:
    return db.get(Document, document_id)


def first_event(db: Session, message_id: int) -> OutboxEvent | None:
    """The message's first step: the one written when it was queued."""
    return db.scalars(
        select(OutboxEvent)
        .where(OutboxEvent.message_id == message_id)
        .order_by(OutboxEvent.id)
        .limit(1)
    ).first()


def consumer_points(db: Session, consumer_id: int, channel: Channel) -> list[ContactPoint]:
    """The consumer's contact points of ``channel``, oldest first (a read-only query of
    cases' table, downward in the layers)."""
    return list(
        db.scalars(
            select(ContactPoint)
            .where(ContactPoint.consumer_id == consumer_id, ContactPoint.channel == channel)
            .order_by(ContactPoint.id)
        )
    )


def esign_consents_of(db: Session, consumer_id: int) -> list[ESignConsent]:
    """Every E-SIGN consent the consumer gave, withdrawn ones too, newest first."""
    return list(
        db.scalars(
            select(ESignConsent)
            .where(ESignConsent.consumer_id == consumer_id)
            .order_by(ESignConsent.given_at.desc(), ESignConsent.id.desc())
        )
    )


def esign_consent_for_update(db: Session, consent_id: int) -> ESignConsent | None:
    return db.scalars(
        select(ESignConsent).where(ESignConsent.id == consent_id).with_for_update()
    ).one_or_none()
