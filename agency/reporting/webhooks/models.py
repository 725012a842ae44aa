"""Webhook endpoints and their deliveries (the outbox).

An endpoint's signing secret is never stored: it is derived from a random nonce and the
server's key (``signing.secret_of``), so a copy of the database alone signs nothing.
Rotating keeps the previous nonce valid until ``previous_until`` (both signatures are
sent meanwhile)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from agency.db import Base, BigIntKey, IdMixin, Json
from agency.kit import clock
from agency.kit.enums import db_enum


class WebhookEndpoint(IdMixin, Base):
    __tablename__ = "webhook_endpoints"

    client_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(String(120), default="")
    events: Mapped[list[str]] = mapped_column(Json, default=list)
    secret_nonce: Mapped[str] = mapped_column(String(64))
    secret_created_at: Mapped[datetime] = mapped_column(default=clock.now)
    previous_nonce: Mapped[str | None] = mapped_column(String(64))
    previous_until: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    disabled_at: Mapped[datetime | None]


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its next attempt
    DELIVERED = "delivered"  # the endpoint answered 2xx
    FAILED = "failed"  # 24 hours of attempts without a 2xx


class WebhookDelivery(IdMixin, Base):
    """One event on its way to one endpoint: its idempotency id (the same on every
    attempt and resend), the body as sent, and how the attempts went."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_endpoint_id_id", "endpoint_id", "id"),
    )

    endpoint_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )
    client_id: Mapped[int] = mapped_column(BigIntKey, ForeignKey("clients.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(40))
    event_type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(Json)
    status: Mapped[DeliveryStatus] = mapped_column(
        db_enum(DeliveryStatus, "webhook_delivery_status"), default=DeliveryStatus.PENDING
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    # Attempts end 24 hours after this (a resend starts it again).
    retry_from: Mapped[datetime] = mapped_column(default=clock.now)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]
    last_status: Mapped[int | None]
    last_ms: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(String(300))
    delivered_at: Mapped[datetime | None]
