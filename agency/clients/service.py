"""Clients and contracts: creation, edits, and the rules that keep them consistent."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agency.clients import repository
from agency.clients.models import ApiKey, Client, Contract
from agency.clients.schemas import ClientForm, ContractForm
from agency.db import touch_after_commit
from agency.kit import clock
from agency.kit.crypto import new_token, token_digest
from agency.kit.forms import FormError


def get_client(db: Session, *, client_id: int) -> Client | None:
    return repository.client_by_id(db, client_id)


def check_client_choice(db: Session, *, client_id: int | None) -> None:
    """The client chosen for a user on the admin's user form must exist."""
    if client_id is not None and get_client(db, client_id=client_id) is None:
        raise FormError({"client_id": "must be an existing client"})


def get_contract(db: Session, *, contract_id: int) -> Contract | None:
    return repository.contract_by_id(db, contract_id)


def all_contracts(db: Session) -> list[Contract]:
    """Every contract with its client, by client name, the newest first (for the screens
    that pick a contract, such as the strategy rules')."""
    return repository.all_contracts(db)


def contract_in_force(db: Session, *, client: Client, day: date) -> Contract | None:
    """The contract whose terms apply to accounts placed on ``day``."""
    return repository.contract_on(db, client.id, day)


def all_clients(db: Session) -> list[Client]:
    """Every client, by name (for pickers and per-client columns)."""
    return repository.all_clients(db)


def client_ids_in_industry(db: Session, *, industry: str) -> list[int]:
    """The clients in ``industry`` (the partner reports' industry averages)."""
    return repository.client_ids_in_industry(db, industry)


def get_client_by_code(db: Session, *, code: str) -> Client | None:
    return repository.client_by_code(db, code)


def save_client(db: Session, *, data: ClientForm, client: Client | None = None) -> Client:
    """Create a client, or update ``client``; client codes are unique (case-insensitive)."""
    existing = repository.client_by_code(db, data.code)
    if existing is not None and (client is None or existing.id != client.id):
        raise FormError({"code": f"client code {data.code} is already taken"})
    try:
        with db.begin_nested():
            if client is None:
                client = Client()
                db.add(client)
            for field, value in data.model_dump().items():
                setattr(client, field, value)
    except IntegrityError as exc:
        raise FormError({"code": f"client code {data.code} is already taken"}) from exc
    return client


def save_contract(
    db: Session, *, client: Client, data: ContractForm, contract: Contract | None = None
) -> Contract:
    """Create or update a contract of ``client``.

    A client's contracts may not overlap in time: on any date exactly one set of terms
    (rate, settlement floor) applies to new placements.
    """
    if contract is not None and contract.client_id != client.id:
        raise FormError({"__all__": "this contract belongs to another client"})
    clash = repository.overlapping_contract(
        db,
        client_id=client.id,
        start=data.effective_from,
        end=data.effective_to,
        exclude_id=contract.id if contract else None,
    )
    if clash is not None:
        raise FormError(
            {"effective_from": f"overlaps contract {clash.reference} (from {clash.effective_from})"}
        )
    if contract is None:
        contract = Contract(client_id=client.id)
        db.add(contract)
    for field, value in data.columns().items():
        setattr(contract, field, value)
    db.flush()
    return contract


# ---- API keys ------------------------------------------------------------------------

API_KEY_PREFIX = "agk_"


def create_api_key(
    db: Session, *, client: Client, name: str, created_by_id: int
) -> tuple[ApiKey, str]:
    """A new key for ``client``; returns it with the key itself, which is shown once and
    never stored (only its SHA-256)."""
    name = name.strip()
    if not name or len(name) > 80:
        raise FormError({"name": "is required (at most 80 characters)"})
    secret = API_KEY_PREFIX + new_token()
    key = ApiKey(
        client_id=client.id,
        name=name,
        prefix=secret[:12],
        key_hash=token_digest(secret),
        created_by_id=created_by_id,
    )
    db.add(key)
    db.flush()
    return key, secret


def revoke_api_key(db: Session, *, client: Client, key_id: int) -> ApiKey | None:
    key = repository.api_key(db, client.id, key_id)
    if key is not None and key.revoked_at is None:
        key.revoked_at = clock.now()
        db.flush()
    return key


def api_keys_of(db: Session, *, client: Client) -> list[ApiKey]:
    return repository.api_keys_of(db, client.id)


def api_keys_by_ids(db: Session, key_ids: list[int]) -> list[ApiKey]:
    return repository.api_keys_by_ids(db, key_ids)


def authenticate_api_key(db: Session, *, secret: str) -> ApiKey | None:
    """The live key (with its client) for ``secret``; None if unknown or revoked.

    ``last_used_at`` is touched at most once a minute, once the request has ended and
    outside its transaction: concurrent requests with one key never wait for each other.
    """
    if not secret.startswith(API_KEY_PREFIX):
        return None
    key = repository.api_key_by_hash(db, token_digest(secret))
    if key is None or key.revoked_at is not None:
        return None
    now = clock.now()
    stale_before = now - timedelta(minutes=1)
    if key.last_used_at is None or key.last_used_at < stale_before:
        touch_after_commit(db, repository.touch_api_key(key.id, now, stale_before))
    return key
