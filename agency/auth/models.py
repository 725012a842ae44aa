from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agency.db import Base, BigIntKey, IdMixin
from agency.kit import clock
from agency.kit.enums import db_enum

if TYPE_CHECKING:
    from agency.clients.models import Client


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    AGENT = "agent"
    COMPLIANCE = "compliance"
    MERCHANT = "merchant"

    @property
    def label(self) -> str:
        return {"compliance": "Compliance officer", "merchant": "Merchant user"}.get(
            self.value, self.value.capitalize()
        )


class User(IdMixin, Base):
    """A person who signs in: agency staff, or a merchant user bound to one client."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "(role = 'merchant') = (client_id IS NOT NULL)", name="merchant_has_client"
        ),
    )

    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(db_enum(Role, "role"))
    client_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("clients.id", ondelete="RESTRICT"), index=True
    )
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    last_login_at: Mapped[datetime | None]
    # The IANA zone the user's screens show times in; None: the agency's (AGENCY_TIME_ZONE).
    time_zone: Mapped[str | None] = mapped_column(String(64))
    # The phone click-to-call rings first (E.164), before bridging to the consumer.
    phone: Mapped[str | None] = mapped_column(String(32))

    client: Mapped[Client | None] = relationship(lazy="raise")


class UserSession(IdMixin, Base):
    """A server-side login session.  The cookie holds a random token; we keep its hash."""

    __tablename__ = "user_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    last_seen_at: Mapped[datetime] = mapped_column(default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(index=True)

    user: Mapped[User] = relationship(lazy="raise")


class PasswordReset(IdMixin, Base):
    """A password reset link an admin issued: the link holds a random token, we keep its
    hash.  Single use (``used_at``), expiring, and issuing a new one for the user
    deletes the ones before it."""

    __tablename__ = "password_resets"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    issued_by_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="raise")


class LoginFailure(IdMixin, Base):
    """A failed sign-in, kept briefly for rate limiting.

    Written when the attempt begins, before its password is checked, and deleted in the
    same transaction if the attempt succeeds or is refused by throttling: a row that is
    committed is a failure (agency.auth.throttling).

    ``account_key`` is a keyed hash of the e-mail typed, so the table holds no address,
    and ``client_ip`` is the source address (needed to slow down password spraying).
    """

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_account_key_at", "account_key", "at"),
        Index("ix_login_failures_client_ip_at", "client_ip", "at"),
    )

    account_key: Mapped[str] = mapped_column(String(64))
    client_ip: Mapped[str] = mapped_column(String(45))
    at: Mapped[datetime] = mapped_column(default=clock.now)
