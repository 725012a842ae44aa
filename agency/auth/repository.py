"""Every query of the auth domain."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy import Select, bindparam, delete, func, select
from sqlalchemy.orm import Session, joinedload

from agency.auth.models import LoginFailure, Role, User, UserSession
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


def delete_sessions_of(db: Session, user_id: int) -> None:
    db.execute(delete(UserSession).where(UserSession.user_id == user_id))


def delete_expired_sessions(db: Session, *, now: datetime, idle_before: datetime) -> int:
    result = db.execute(
        delete(UserSession).where(
            (UserSession.expires_at <= now) | (UserSession.last_seen_at < idle_before)
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def count_failures(
    db: Session, *, account_key: str, client_ip: str, since: datetime
) -> tuple[int, int]:
    """Recent failures for this account key and from this address."""
    by_account = db.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.account_key == account_key, LoginFailure.at >= since)
    )
    by_ip = db.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.client_ip == client_ip, LoginFailure.at >= since)
    )
    return int(by_account or 0), int(by_ip or 0)


def oldest_failure_since(
    db: Session, *, account_key: str, client_ip: str, since: datetime
) -> datetime | None:
    return db.scalar(
        select(func.min(LoginFailure.at)).where(
            (LoginFailure.account_key == account_key) | (LoginFailure.client_ip == client_ip),
            LoginFailure.at >= since,
        )
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
