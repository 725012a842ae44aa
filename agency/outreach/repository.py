"""Every query of outreach's tables."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from agency.cases.models import Case
from agency.kit.pagination import Page, PageRequest, paginate
from agency.outreach.models import (
    ClientSender,
    InboundMessage,
    MessageChannel,
    MessageStatus,
    MessageTemplate,
    OutboxEvent,
    OutboxMessage,
    TemplateVersion,
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


def versions_of(db: Session, template_id: int) -> list[TemplateVersion]:
    """A template's versions, newest first."""
    return list(
        db.scalars(
            select(TemplateVersion)
            .where(TemplateVersion.template_id == template_id)
            .order_by(TemplateVersion.version.desc())
        )
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
