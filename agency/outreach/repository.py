"""Every query of outreach's tables."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, case, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, defer

from agency.cases.models import Case, Channel, ContactPoint
from agency.kit.pagination import Page, PageRequest, paginate
from agency.outreach.models import (
    ClientSender,
    Document,
    DocumentKind,
    ESignConsent,
    InboundMessage,
    LetterBatch,
    MessageChannel,
    MessageStatus,
    MessageTemplate,
    OutboxEvent,
    OutboxMessage,
    SmsNumberSlot,
    TemplateVersion,
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


def number_slots_for_update(
    db: Session, numbers: Sequence[str], now: datetime
) -> dict[str, SmsNumberSlot]:
    """Each number's next free time (a number not seen before is free ``now``), the rows
    locked until the transaction ends, in the numbers' order (two jobs never wait on each
    other in a circle).  On SQLite the sending job's write lock does the same."""
    if not numbers:
        return {}
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    db.execute(
        dialect.insert(SmsNumberSlot)
        .values([{"number": number, "next_free_at": now} for number in sorted(set(numbers))])
        .on_conflict_do_nothing(index_elements=["number"])
    )
    rows = db.scalars(
        select(SmsNumberSlot)
        .where(SmsNumberSlot.number.in_(sorted(set(numbers))))
        .order_by(SmsNumberSlot.number)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {row.number: row for row in rows}


def give_up_turns(db: Session, number: str, until: datetime) -> None:
    """The texts waiting for a turn on ``number`` wait until ``until`` without one."""
    db.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == MessageStatus.PENDING,
            OutboxMessage.slot_at.is_not(None),
            OutboxMessage.from_address == number,
        )
        .values(
            slot_at=None,
            next_try_at=case(
                (OutboxMessage.next_try_at > until, OutboxMessage.next_try_at), else_=until
            ),
        )
        .execution_options(synchronize_session=False)
    )


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


def stuck(
    db: Session, before: datetime, *, limit: int, not_of: Sequence[str] = ()
) -> list[OutboxMessage]:
    """Messages handed to a provider before ``before`` with no answer recorded: the
    process may have died between the provider's answer and our commit.  Those of the
    providers ``not_of`` are left out (letters: they wait for their print batch)."""
    return list(
        db.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.status == MessageStatus.SENDING,
                OutboxMessage.sending_at < before,
                OutboxMessage.provider.not_in(not_of),
            )
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
    version_id: int | None = None


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
    if filters.version_id is not None:
        query = query.where(OutboxMessage.template_version_id == filters.version_id)
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


def active_templates(
    db: Session, channel: MessageChannel, *, language: str | None
) -> list[MessageTemplate]:
    """The active templates of ``channel`` that have a saved version, those in
    ``language`` first, then by title."""
    query = select(MessageTemplate).where(
        MessageTemplate.channel == channel,
        MessageTemplate.is_active.is_(True),
        MessageTemplate.version > 0,
    )
    first = (MessageTemplate.language != language) if language else MessageTemplate.language
    return list(db.scalars(query.order_by(first, MessageTemplate.title, MessageTemplate.id)))


def newest_version(db: Session, template: MessageTemplate) -> TemplateVersion | None:
    """The template's newest version: the one a message made from it now carries."""
    return db.scalars(
        select(TemplateVersion).where(
            TemplateVersion.template_id == template.id,
            TemplateVersion.version == template.version,
        )
    ).one_or_none()


def templates(
    db: Session, *, channel: MessageChannel | None = None, language: str | None = None
) -> list[tuple[MessageTemplate, TemplateVersion | None]]:
    """Every template (by key, channel, language) with its newest version."""
    query = (
        select(MessageTemplate, TemplateVersion)
        .outerjoin(
            TemplateVersion,
            (TemplateVersion.template_id == MessageTemplate.id)
            & (TemplateVersion.version == MessageTemplate.version),
        )
        .order_by(MessageTemplate.key, MessageTemplate.channel, MessageTemplate.language)
    )
    if channel is not None:
        query = query.where(MessageTemplate.channel == channel)
    if language is not None:
        query = query.where(MessageTemplate.language == language)
    return [(template, version) for template, version in db.execute(query).all()]


def template(db: Session, template_id: int) -> MessageTemplate | None:
    return db.get(MessageTemplate, template_id)


def template_by_key(
    db: Session, key: str, channel: MessageChannel, language: str
) -> MessageTemplate | None:
    return db.scalars(
        select(MessageTemplate).where(
            MessageTemplate.key == key,
            MessageTemplate.channel == channel,
            MessageTemplate.language == language,
        )
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


def versions_of(db: Session, template_id: int) -> list[TemplateVersion]:
    """A template's versions, newest first."""
    return list(
        db.scalars(
            select(TemplateVersion)
            .where(TemplateVersion.template_id == template_id)
            .order_by(TemplateVersion.version.desc())
        )
    )


# ---- letters and print batches -------------------------------------------------------


def _waiting_letters(provider: str) -> tuple[ColumnElement[bool], ...]:
    return (
        OutboxMessage.channel == MessageChannel.LETTER,
        OutboxMessage.provider == provider,
        OutboxMessage.status == MessageStatus.SENDING,
        OutboxMessage.letter_batch_id.is_(None),
    )


def waiting_letters_for_update(db: Session, provider: str, *, limit: int) -> list[OutboxMessage]:
    """The oldest ``limit`` letters waiting for a print batch, their rows locked until
    the transaction ends; on PostgreSQL a row another batch holds is skipped, so two
    batches made at once never share a letter (SQLite has one writer at a time)."""
    return list(
        db.scalars(
            select(OutboxMessage)
            .where(*_waiting_letters(provider))
            .order_by(OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )


def waiting_letters_summary(db: Session, provider: str) -> tuple[int, datetime | None]:
    """How many letters wait for a print batch, and since when the oldest."""
    count, oldest = db.execute(
        select(func.count(), func.min(OutboxMessage.sending_at)).where(*_waiting_letters(provider))
    ).one()
    return int(count), oldest


def letters_for_update(
    db: Session, message_ids: Sequence[int], provider: str
) -> list[OutboxMessage]:
    """Of ``message_ids``, the letters still waiting for a print batch, locked (a row
    another transaction holds is skipped: that one deals with it)."""
    return list(
        db.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.id.in_(sorted(set(message_ids))), *_waiting_letters(provider))
            .order_by(OutboxMessage.id)
            .with_for_update(skip_locked=True)
        )
    )


PRINTED_KINDS = (DocumentKind.LETTER, DocumentKind.VALIDATION_NOTICE)


def printed_documents(db: Session, message_ids: Sequence[int]) -> dict[int, Document]:
    """Each message's PDF as it is printed (a letter's, or the validation notice made
    when it was queued), the newest when there are several; the content not loaded."""
    if not message_ids:
        return {}
    found: dict[int, Document] = {}
    for document in db.scalars(
        select(Document)
        .options(defer(Document.content))
        .where(Document.message_id.in_(sorted(set(message_ids))), Document.kind.in_(PRINTED_KINDS))
        .order_by(Document.id)
    ):
        assert document.message_id is not None
        found[document.message_id] = document
    return found


def document_content(db: Session, document_id: int) -> bytes:
    """One document's bytes (read one at a time: a print batch merges thousands)."""
    return db.scalars(select(Document.content).where(Document.id == document_id)).one()


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


def batch_document(db: Session, batch_id: int, kind: DocumentKind) -> Document | None:
    return db.scalars(
        select(Document).where(Document.batch_id == batch_id, Document.kind == kind)
    ).first()


def documents_of_case(db: Session, case_id: int) -> dict[int, Document]:
    """The case's messages' printed PDFs, by message (the content not loaded)."""
    ids = select(OutboxMessage.id).where(OutboxMessage.case_id == case_id)
    return printed_documents(db, list(db.scalars(ids)))


@dataclass(frozen=True, slots=True)
class Recipient:
    first_name: str
    last_name: str
    reference: str
    language: str | None


def recipients(db: Session, case_ids: Sequence[int]) -> dict[int, Recipient]:
    """Each case's consumer as its client placed them and the case's reference: whom a
    letter is addressed to (a read-only list query of cases' table, downward in the
    layers)."""
    if not case_ids:
        return {}
    rows = db.execute(
        select(
            Case.id, Case.first_name, Case.last_name, Case.client_reference, Case.language
        ).where(Case.id.in_(sorted(set(case_ids))))
    ).all()
    return {row[0]: Recipient(*row[1:]) for row in rows}


def template_languages(db: Session, version_ids: Sequence[int]) -> dict[int, str]:
    """Each template version's language."""
    if not version_ids:
        return {}
    rows = db.execute(
        select(TemplateVersion.id, MessageTemplate.language)
        .join(MessageTemplate, MessageTemplate.id == TemplateVersion.template_id)
        .where(TemplateVersion.id.in_(sorted(set(version_ids))))
    ).all()
    return dict(rows)


def batches(db: Session, *, limit: int) -> list[LetterBatch]:
    return list(db.scalars(select(LetterBatch).order_by(LetterBatch.id.desc()).limit(limit)))


def batch(db: Session, batch_id: int) -> LetterBatch | None:
    return db.get(LetterBatch, batch_id)


def job_batch_on(db: Session, day: date) -> bool:
    """Whether the daily job made a batch on ``day`` (a batch no one asked for)."""
    return bool(
        db.scalar(select(exists().where(LetterBatch.day == day, LetterBatch.by_user_id.is_(None))))
    )


def messages_per_version(db: Session, version_ids: Sequence[int]) -> dict[int, int]:
    """How many messages each version was sent as (by version id; none: absent)."""
    if not version_ids:
        return {}
    rows = db.execute(
        select(OutboxMessage.template_version_id, func.count())
        .where(OutboxMessage.template_version_id.in_(sorted(set(version_ids))))
        .group_by(OutboxMessage.template_version_id)
    ).all()
    return {version_id: count for version_id, count in rows if version_id is not None}


def version_with_template(
    db: Session, version_id: int
) -> tuple[MessageTemplate, TemplateVersion] | None:
    row = db.execute(
        select(MessageTemplate, TemplateVersion)
        .join(TemplateVersion, TemplateVersion.template_id == MessageTemplate.id)
        .where(TemplateVersion.id == version_id)
    ).first()
    return None if row is None else (row[0], row[1])


def client_senders(db: Session) -> dict[int, ClientSender]:
    """Every client's own sender profile, by client id."""
    return {sender.client_id: sender for sender in db.scalars(select(ClientSender))}
