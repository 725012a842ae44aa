"""Bookkeeping on rows every request shares (a session's ``last_seen_at``, an API key's
``last_used_at``) is written once a minute at most, after the request has ended, in a
transaction of its own: a request that failed was activity too."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from agency.auth.models import Role, UserSession
from agency.clients import service as clients_service
from agency.clients.models import ApiKey
from agency.kit import clock
from tests.fixtures.factories import ClientFactory, ContractFactory, UserFactory
from tests.fixtures.web import sign_in


def _age_sessions(db: Session, minutes: int) -> None:
    db.execute(update(UserSession).values(last_seen_at=clock.now() - timedelta(minutes=minutes)))


def test_a_session_is_touched_once_a_minute_after_its_request(
    client: TestClient, db: Session
) -> None:
    sign_in(client, db, UserFactory(role=Role.AGENT))
    _age_sessions(db, 2)
    before = db.query(UserSession).one().last_seen_at
    assert client.get("/cases?agent=me").status_code == 200
    db.expire_all()
    touched = db.query(UserSession).one().last_seen_at
    assert touched > before + timedelta(minutes=1)
    assert client.get("/cases?agent=me").status_code == 200
    db.expire_all()
    assert db.query(UserSession).one().last_seen_at == touched  # not again within a minute


def test_a_failed_request_is_activity_too(client: TestClient, db: Session) -> None:
    sign_in(client, db, UserFactory(role=Role.AGENT))
    _age_sessions(db, 2)
    before = db.query(UserSession).one().last_seen_at
    assert client.get("/cases/999999").status_code == 404  # rolled back
    db.expire_all()
    assert db.query(UserSession).one().last_seen_at > before


def test_an_api_key_is_touched_after_its_request(client: TestClient, db: Session) -> None:
    merchant = ClientFactory()
    ContractFactory(client=merchant)
    _, secret = clients_service.create_api_key(
        db, client=merchant, name="erp", created_by_id=UserFactory(role=Role.ADMIN).id
    )
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/placements/1", headers=headers).status_code == 404
    db.expire_all()
    key = db.query(ApiKey).one()
    assert key.last_used_at is not None
