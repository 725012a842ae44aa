"""Every query of outreach's tables."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from agency.outreach.models import (
    InboundMessage,
    MessageChannel,
    MessageStatus,
    OutboxEvent,
    OutboxMessage,
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
