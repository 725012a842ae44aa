"""Fixtures for the compliance tests: a signed-in compliance officer
(``workspace_officer``).  The debtor builder and the gate at a frozen time are in
``tests.fixtures.compliance`` (other domains' tests use them too)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from agency.auth.models import Role, User
from tests.fixtures.factories import (
    UserFactory,
)
from tests.fixtures.web import sign_in


@pytest.fixture
def workspace_officer(client: TestClient, db: Session) -> User:
    """A compliance officer, signed in on ``client``."""
    user: User = UserFactory(role=Role.COMPLIANCE, full_name="Casey Officer")
    sign_in(client, db, user)
    return user
