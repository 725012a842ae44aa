"""Sign-in, sessions, login throttling and user administration.

Services flush, never commit (design.md §3 rule 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pwdlib import PasswordHash
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agency.auth import repository, throttling
from agency.auth.models import Role, User, UserSession
from agency.auth.schemas import MIN_PASSWORD_LENGTH, NewUserForm, UserForm
from agency.config import get_settings
from agency.db import touch_after_commit
from agency.kit import clock
from agency.kit.crypto import keyed_hash, new_token, token_digest
from agency.kit.forms import FormError
from agency.kit.pagination import Page, PageRequest

_hasher = PasswordHash.recommended()
# Verified against when the e-mail is unknown, so both paths cost one argon2 verify.
_DUMMY_HASH = _hasher.hash("agency-dummy-password")


class LoginFailed(Exception):
    """Wrong e-mail or password, or a disabled account (indistinguishable on purpose)."""


class LoginThrottled(Exception):
    """Too many recent failures for this account or address."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


class SessionExpired(Exception):
    """The session cookie named a session that has ended."""


@dataclass(frozen=True, slots=True)
class SignedIn:
    user: User
    token: str
    expires_at: datetime


def agents(db: Session) -> list[User]:
    """Active agents by name: the people cases can be assigned to."""
    return repository.agents(db)


def get_user(db: Session, *, user_id: int) -> User | None:
    """The user with its client loaded (the admin's user form shows both)."""
    return repository.user_by_id(db, user_id)


def user_with_email(db: Session, *, email: str) -> User | None:
    """The user who signs in with ``email`` (any case), or None."""
    return repository.user_by_email(db, email)


def list_users(db: Session, page: PageRequest, *, role: Role | None = None) -> Page[User]:
    """One page of users, for the admin's user list."""
    return repository.list_users(db, page, role=role)


def users_by_ids(db: Session, user_ids: list[int]) -> list[User]:
    return repository.users_by_ids(db, user_ids)


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def _account_key(email: str) -> str:
    """The keyed hash login failures are counted under (no address in the table)."""
    return keyed_hash(email.strip().lower(), purpose="login-account")


def begin_password_check(db: Session, *, email: str, client_ip: str) -> str:
    """Write a password check of this account from this address as a failure, before
    the password is checked, and count it with the failures before it; returns the
    account key (to clear its failures once the password proves right).

    Raises LoginThrottled, keeping no trace of the attempt, when a limit is reached.
    """
    account_key = _account_key(email)
    repository.lock_sign_in(db, account_key=account_key, client_ip=client_ip)
    now = clock.now()
    attempt = repository.record_attempt(db, account_key=account_key, client_ip=client_ip, at=now)
    retry_after = throttling.pause(db, account_key=account_key, client_ip=client_ip, now=now)
    if retry_after is not None:
        repository.forget_attempt(db, attempt)
        raise LoginThrottled(retry_after)
    return account_key


def end_password_check(db: Session, *, account_key: str) -> None:
    """The check ``begin_password_check`` began proved right: its failures go (as a
    successful sign-in clears its account's)."""
    repository.clear_failures(db, account_key=account_key)


def sign_in(db: Session, *, email: str, password: str, client_ip: str) -> SignedIn:
    """Check the credentials and open a session.

    The attempt is written first, as a failure, under a lock per account and per address,
    and counted with the failures before it (agency.auth.throttling): however many
    attempts arrive at once, no more passwords are checked than the limits allow.
    Raises LoginThrottled, checking nothing and keeping no trace of the attempt, when a
    limit is reached (so trying on does not lengthen the pause); LoginFailed, the attempt
    staying as the failure, for a wrong e-mail or password or a disabled account.  A
    success clears the account's failures.
    """
    now = clock.now()
    account_key = begin_password_check(db, email=email, client_ip=client_ip)
    user = repository.user_by_email(db, email)
    valid, rehashed = _hasher.verify_and_update(
        password, user.password_hash if user else _DUMMY_HASH
    )
    if user is None or not valid or not user.is_active:
        raise LoginFailed

    repository.clear_failures(db, account_key=account_key)
    if rehashed is not None:  # the hashing parameters were raised since this hash was made
        user.password_hash = rehashed
    user.last_login_at = now
    return start_session(db, user=user)


def password_matches(user: User, password: str) -> bool:
    """Whether ``password`` is ``user``'s (one argon2 verify, in a hashing slot's route);
    a hash made with parameters since raised is remade."""
    valid, rehashed = _hasher.verify_and_update(password, user.password_hash)
    if valid and rehashed is not None:
        user.password_hash = rehashed
    return bool(valid)


def set_time_zone(db: Session, *, user: User, time_zone: str | None) -> None:
    """The zone ``user``'s screens show times in (checked by TimeZoneForm); None: the
    agency's."""
    user.time_zone = time_zone
    db.flush()


def set_phone(db: Session, *, user: User, phone: str | None) -> None:
    """The phone (E.164, checked by PhoneForm) click-to-call rings for ``user``; None:
    none."""
    user.phone = phone
    db.flush()


def start_session(db: Session, *, user: User) -> SignedIn:
    """Open a session for ``user`` (whose credentials have been checked)."""
    now = clock.now()
    token = new_token()
    expires_at = now + timedelta(hours=get_settings().session_hours)
    db.add(
        UserSession(
            token_hash=token_digest(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=expires_at,
        )
    )
    db.flush()
    return SignedIn(user=user, token=token, expires_at=expires_at)


def user_for_token(db: Session, *, token: str) -> User:
    """The user of a live session; raises SessionExpired for an ended or unknown one.

    Touches ``last_seen_at`` at most once a minute, once the request has ended and
    outside its transaction, so two requests of one user never wait for each other.
    """
    settings = get_settings()
    now = clock.now()
    user_session = repository.session_by_token_hash(db, token_digest(token))
    if user_session is None:
        raise SessionExpired
    idle_limit = user_session.last_seen_at + timedelta(minutes=settings.session_idle_minutes)
    if now >= user_session.expires_at or now >= idle_limit or not user_session.user.is_active:
        raise SessionExpired  # the row goes with the next purge; reading never writes here
    stale_before = now - timedelta(minutes=1)
    if user_session.last_seen_at < stale_before:
        touch_after_commit(db, repository.touch_session(user_session.id, now, stale_before))
    return user_session.user


def sign_out(db: Session, *, token: str) -> None:
    user_session = repository.session_by_token_hash(db, token_digest(token))
    if user_session is not None:
        db.delete(user_session)
        db.flush()


def purge_expired(db: Session) -> int:
    """Delete ended sessions and login failures older than every throttling window."""
    settings = get_settings()
    now = clock.now()
    removed = repository.delete_expired_sessions(
        db, now=now, idle_before=now - timedelta(minutes=settings.session_idle_minutes)
    )
    removed += repository.delete_failures_before(db, now - throttling.longest_window())
    return removed


def create_user(db: Session, *, data: NewUserForm) -> User:
    """Create a user; the password (required by the form) is stored as an argon2 hash.
    The schema pairs role and client; the caller has checked that the client exists
    (``clients.service.check_client_choice``)."""
    if repository.user_by_email(db, data.email) is not None:
        raise FormError({"email": "another user already has this e-mail"})
    user = User(
        email=data.email.lower(),
        full_name=data.full_name,
        role=data.role,
        client_id=data.client_id,
        is_active=data.is_active,
        password_hash=hash_password(data.password),
    )
    try:
        with db.begin_nested():
            db.add(user)
    except IntegrityError as exc:  # a concurrent insert of the same e-mail
        raise FormError({"email": "another user already has this e-mail"}) from exc
    return user


def update_user(db: Session, *, user: User, data: UserForm, acting_user: User) -> User:
    """Edit a user.  Changing the password, role or client, or disabling the account,
    ends the user's open sessions.  Admins cannot demote or disable themselves.  The
    client is checked by the caller, as for ``create_user``."""
    other = repository.user_by_email(db, data.email)
    if other is not None and other.id != user.id:
        raise FormError({"email": "another user already has this e-mail"})
    if user.id == acting_user.id and (data.role is not Role.ADMIN or not data.is_active):
        raise FormError({"role": "you cannot remove your own admin access"})
    ends_sessions = (
        bool(data.password)
        or data.role is not user.role
        or data.client_id != user.client_id
        or (user.is_active and not data.is_active)
    )
    user.email = data.email.lower()
    user.full_name = data.full_name
    user.role = data.role
    user.client_id = data.client_id
    user.is_active = data.is_active
    if data.password:
        user.password_hash = hash_password(data.password)
    if ends_sessions:
        repository.delete_sessions_of(db, user.id)
    db.flush()
    return user
