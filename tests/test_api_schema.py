"""The JSON API answers as its OpenAPI document says, whatever it is sent.

Schemathesis generates requests for every operation of ``/api/openapi.json`` (valid
ones and, by mutation, invalid ones), sends them with a client's API key, and checks
each answer: never a 5xx, a status the operation documents, the documented content
type, headers and body schema.  Bounded: a few dozen examples per operation.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.clients import service as clients_service
from agency.main import create_app
from tests.fixtures.factories import ClientFactory, ContractFactory, UserFactory

CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


# Loaded once, at collection; each test points it at its own database (``served``).
APP = create_app()
schema = schemathesis.openapi.from_asgi("/api/openapi.json", APP)


@pytest.fixture
def served(app: Any) -> Iterator[None]:
    """The schema's app uses this test's database session, as the ``app`` fixture does."""
    APP.dependency_overrides.update(app.dependency_overrides)
    try:
        yield
    finally:
        APP.dependency_overrides.clear()


@pytest.fixture
def api_key(db: Session) -> dict[str, str]:
    client = ClientFactory(code="SCHEMA")
    ContractFactory(client=client)
    _, secret = clients_service.create_api_key(
        db, client=client, name="schemathesis", created_by_id=UserFactory(role=Role.ADMIN).id
    )
    return {"Authorization": f"Bearer {secret}"}


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,  # the same examples on every run: a failure can be reproduced
    suppress_health_check=list(HealthCheck),
)
def test_the_json_api_answers_as_documented(
    case: Any, served: None, api_key: dict[str, str]
) -> None:
    case.call_and_validate(headers=api_key, checks=CHECKS)
