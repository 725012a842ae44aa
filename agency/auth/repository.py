"""Every query of the auth domain."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy import ColumnElement, Select, bindparam, delete, func, select, text
from sqlalchemy.orm import Session, joinedload

from agency.auth.models import LoginFailure, PasswordReset, Role, User, UserSession
from agency.db import Touch, timestamp_touch
from agency.kit.pagination import Page, PageRequest, paginate


def user_by_email(db: Session, email: str) -> User | None:
    return db.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def user_by_id(db: Session, user_id: int) -> User | None:
    return db.scalar(select(User).options(joinedload(User.client)).where(User.id == user_id))


def session_by_token_hash(db: Session, token_hash: str) -> UserSession | None:
    return db.scalar(_session_statement(), {"token_hash": token_hash})


@cache
def _session_statement() -> Select[UserSession]:
    """Every signed-in request runs it: built once, with a bind parameter."""
    return (
        select(UserSession)
        .options(joinedload(UserSession.user))
        .where(UserSession.token_hash == bindparam("token_hash"))
    )


def touch_session(session_id: int, now: datetime, stale_before: datetime) -> Touch:
    return timestamp_touch(UserSession.last_seen_at, session_id, now=now, stale_before=stale_before)


def delete_sessions_of(db: Session, user_id: int, *, keep_token_hash: str | None = None) -> None:
    """End the user's sessions (but the one of ``keep_token_hash``)."""
    query = delete(UserSession).where(UserSession.user_id == user_id)
    if keep_token_hash is not None:
        query = query.where(UserSession.token_hash != keep_token_hash)
    db.execute(query)


def reset_by_token_hash(db: Session, token_hash: str) -> PasswordReset | None:
    return db.scalar(
        select(PasswordReset)
        .options(joinedload(PasswordReset.user))
        .where(PasswordReset.token_hash == token_hash)
    )


def delete_resets_of(db: Session, user_id: int) -> None:
    db.execute(delete(PasswordReset).where(PasswordReset.user_id == user_id))


def delete_expired_sessions(db: Session, *, now: datetime, idle_before: datetime) -> int:
    result = db.execute(
        delete(UserSession).where(
            (UserSession.expires_at <= now) | (UserSession.last_seen_at < idle_before)
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


# pg_advisory_xact_lock(classid, objid): the classes that say "sign-ins of an account"
# and "sign-ins from an address".
_ACCOUNT_LOCK_CLASS = 0x5161
_ADDRESS_LOCK_CLASS = 0x5162


def lock_sign_in(db: Session, *, account_key: str, client_ip: str) -> None:
    """Serialize sign-in attempts for one account, then for one address, until the
    transaction ends (PostgreSQL): each attempt counts the failures of those before it.

    Always the account first, so two attempts never each hold what the other waits for.
    SQLite has one writer at a time: there ``record_attempt``, the first statement of a
    sign-in, takes the database's write lock, which serializes the same way.
    """
    if db.get_bind().dialect.name == "postgresql":
        lock = text("SELECT pg_advisory_xact_lock(:cls, hashtext(:key))")
        db.execute(lock, {"cls": _ACCOUNT_LOCK_CLASS, "key": account_key})
        db.execute(lock, {"cls": _ADDRESS_LOCK_CLASS, "key": client_ip})


def record_attempt(db: Session, *, account_key: str, client_ip: str, at: datetime) -> LoginFailure:
    """Write a sign-in attempt as a failure before its password is checked."""
    attempt = LoginFailure(account_key=account_key, client_ip=client_ip, at=at)
    db.add(attempt)
    db.flush()
    return attempt


def forget_attempt(db: Session, attempt: LoginFailure) -> None:
    db.delete(attempt)
    db.flush()


def _recent(
    since: datetime, account_key: str | None, client_ip: str | None
) -> list[ColumnElement[bool]]:
    """Failures since ``since``, of one account and/or from one address."""
    conditions = [LoginFailure.at >= since]
    if account_key is not None:
        conditions.append(LoginFailure.account_key == account_key)
    if client_ip is not None:
        conditions.append(LoginFailure.client_ip == client_ip)
    return conditions


def count_failures(
    db: Session, since: datetime, *, account_key: str | None, client_ip: str | None
) -> int:
    counted = db.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(*_recent(since, account_key, client_ip))
    )
    return int(counted or 0)


def nth_oldest_failure(
    db: Session, since: datetime, position: int, *, account_key: str | None, client_ip: str | None
) -> datetime | None:
    """The time of the ``position``-th oldest failure (1 for the oldest) since ``since``."""
    return db.scalar(
        select(LoginFailure.at)
        .where(*_recent(since, account_key, client_ip))
        .order_by(LoginFailure.at, LoginFailure.id)
        .offset(position - 1)
        .limit(1)
    )


def clear_failures(db: Session, *, account_key: str) -> None:
    db.execute(delete(LoginFailure).where(LoginFailure.account_key == account_key))


def delete_failures_before(db: Session, before: datetime) -> int:
    result = db.execute(delete(LoginFailure).where(LoginFailure.at < before))
    return int(getattr(result, "rowcount", 0) or 0)


USER_SORTS = {
    "name": User.full_name,
    "email": User.email,
    "role": User.role,
    "last_login": User.last_login_at,
}


def users_query(*, role: Role | None = None) -> Select[User]:
    query = select(User).options(joinedload(User.client))
    if role is not None:
        query = query.where(User.role == role)
    return query


def list_users(db: Session, request: PageRequest, *, role: Role | None = None) -> Page[User]:
    return paginate(db, users_query(role=role), request, USER_SORTS, tiebreak=User.id)


def agents(db: Session) -> list[User]:
    """Active agents, by name: the people cases can be assigned to."""
    return list(
        db.scalars(
            select(User)
            .where(User.role == Role.AGENT, User.is_active.is_(True))
            .order_by(User.full_name)
        )
    )


def users_by_ids(db: Session, user_ids: list[int]) -> list[User]:
    if not user_ids:
        return []
    return list(db.scalars(select(User).where(User.id.in_(user_ids))))
