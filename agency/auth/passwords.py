"""Passwords: a user changes their own; an admin issues a reset link.

A change checks the current password the way a sign-in checks it, throttled by the same
limits on the same failures (agency.auth.throttling): a stolen session cannot be used to
guess the password.  A reset link is a random token whose hash we keep, with its expiry;
it works once, and issuing another for the user ends the ones before it.  Changing or
resetting a password ends the user's other sessions.

The e-mailed, self-service "forgot my password" link waits for outreach (e-mail sending);
until then an admin issues the link and passes it on.

Services flush, never commit (design.md §3 rule 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from agency.auth import repository, service
from agency.auth.models import PasswordReset, User
from agency.kit import clock
from agency.kit.crypto import new_token, token_digest

RESET_LINK_HOURS = 24


class WrongPassword(Exception):
    """The current password typed is not the user's."""


@dataclass(frozen=True, slots=True)
class IssuedReset:
    token: str  # shown once, in the link; only its hash is kept
    expires_at: datetime


def change_password(
    db: Session,
    *,
    user: User,
    current: str,
    new: str,
    client_ip: str,
    keep_session_token: str,
) -> None:
    """Set ``user``'s password to ``new`` once ``current`` is checked, and end every
    other session of theirs (``keep_session_token``: the one asking stays signed in).

    Raises service.LoginThrottled, checking nothing, when the sign-in limits are reached
    for this account or address; WrongPassword, the attempt staying as a failure that
    counts towards them, when ``current`` is wrong.
    """
    account_key = service.begin_password_check(db, email=user.email, client_ip=client_ip)
    if not service.password_matches(user, current):
        raise WrongPassword
    repository.clear_failures(db, account_key=account_key)
    user.password_hash = service.hash_password(new)
    repository.delete_sessions_of(db, user.id, keep_token_hash=token_digest(keep_session_token))
    db.flush()


def issue_reset(db: Session, *, user: User, issued_by: User) -> IssuedReset:
    """A new reset link for ``user``, valid for RESET_LINK_HOURS; the links issued
    before it stop working."""
    now = clock.now()
    token = new_token()
    expires_at = now + timedelta(hours=RESET_LINK_HOURS)
    repository.delete_resets_of(db, user.id)
    db.add(
        PasswordReset(
            token_hash=token_digest(token),
            user_id=user.id,
            issued_by_id=issued_by.id,
            created_at=now,
            expires_at=expires_at,
        )
    )
    db.flush()
    return IssuedReset(token=token, expires_at=expires_at)


def reset_for_token(db: Session, token: str) -> PasswordReset | None:
    """The reset a link names, while it may still be used (unused, unexpired, its user
    active); else None."""
    reset = repository.reset_by_token_hash(db, token_digest(token))
    if reset is None or reset.used_at is not None or clock.now() >= reset.expires_at:
        return None
    return reset if reset.user.is_active else None


def reset_password(db: Session, *, reset: PasswordReset, new: str) -> User:
    """Use the link: set the new password, spend the link, end every session of the
    user (whoever held one is signed out)."""
    user = reset.user
    user.password_hash = service.hash_password(new)
    reset.used_at = clock.now()
    repository.delete_sessions_of(db, user.id)
    db.flush()
    return user
