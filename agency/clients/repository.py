"""Every query of the clients domain."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, contains_eager, selectinload

from agency.clients.models import ApiKey, Client, Contract
from agency.db import Touch, timestamp_touch
from agency.kit.pagination import Page, PageRequest, paginate

CLIENT_SORTS = {
    "code": Client.code,
    "name": Client.name,
    "industry": Client.industry,
    "country": Client.country,
}


def client_by_id(db: Session, client_id: int) -> Client | None:
    return db.scalar(
        select(Client).options(selectinload(Client.contracts)).where(Client.id == client_id)
    )


def client_by_code(db: Session, code: str) -> Client | None:
    return db.scalar(select(Client).where(func.upper(Client.code) == code.strip().upper()))


def list_clients(db: Session, request: PageRequest) -> Page[Client]:
    query = select(Client).options(selectinload(Client.contracts))
    return paginate(db, query, request, CLIENT_SORTS, tiebreak=Client.id, default_sort="code")


def all_clients(db: Session) -> list[Client]:
    return list(db.scalars(select(Client).order_by(Client.name)))


def client_ids_in_industry(db: Session, industry: str) -> list[int]:
    return list(
        db.scalars(select(Client.id).where(Client.industry == industry).order_by(Client.id))
    )


def all_contracts(db: Session) -> list[Contract]:
    query = (
        select(Contract)
        .join(Contract.client)
        .options(contains_eager(Contract.client))
        .order_by(Client.name, Contract.effective_from.desc(), Contract.id)
    )
    return list(db.scalars(query))


def contract_by_id(db: Session, contract_id: int) -> Contract | None:
    return db.scalar(select(Contract).where(Contract.id == contract_id))


def overlapping_contract(
    db: Session, *, client_id: int, start: date, end: date | None, exclude_id: int | None
) -> Contract | None:
    """A contract of the client, other than ``exclude_id``, in force on any day of
    ``start``..``end`` (``end`` None = open-ended)."""
    query = select(Contract).where(
        Contract.client_id == client_id,
        (Contract.effective_to.is_(None)) | (Contract.effective_to >= start),
    )
    if exclude_id is not None:
        query = query.where(Contract.id != exclude_id)
    if end is not None:
        query = query.where(Contract.effective_from <= end)
    return db.scalar(query.order_by(Contract.effective_from).limit(1))


def contract_on(db: Session, client_id: int, day: date) -> Contract | None:
    return db.scalar(
        select(Contract).where(
            Contract.client_id == client_id,
            Contract.effective_from <= day,
            (Contract.effective_to.is_(None)) | (Contract.effective_to >= day),
        )
    )


def api_keys_of(db: Session, client_id: int) -> list[ApiKey]:
    return list(
        db.scalars(
            select(ApiKey).where(ApiKey.client_id == client_id).order_by(ApiKey.created_at.desc())
        )
    )


def api_key(db: Session, client_id: int, key_id: int) -> ApiKey | None:
    return db.scalar(select(ApiKey).where(ApiKey.client_id == client_id, ApiKey.id == key_id))


def api_key_by_hash(db: Session, key_hash: str) -> ApiKey | None:
    return db.scalar(select(ApiKey).where(ApiKey.key_hash == key_hash))


def touch_api_key(key_id: int, now: datetime, stale_before: datetime) -> Touch:
    return timestamp_touch(ApiKey.last_used_at, key_id, now=now, stale_before=stale_before)


def api_keys_by_ids(db: Session, key_ids: list[int]) -> list[ApiKey]:
    if not key_ids:
        return []
    return list(db.scalars(select(ApiKey).where(ApiKey.id.in_(key_ids))))
