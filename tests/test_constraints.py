"""The database refuses what the services already refuse: the last line of defence,
checked on every backend."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.cases.models import CaseStatus
from tests.fixtures.factories import ClientFactory, ContractFactory, UserFactory, case_for


@contextmanager
def refused(db: Session) -> Iterator[None]:
    """The block's writes must be refused by the database (and are then undone)."""
    savepoint = db.begin_nested()
    with pytest.raises(IntegrityError):
        yield
        db.flush()
    savepoint.rollback()


def test_merchant_users_need_a_client_and_staff_have_none(db: Session) -> None:
    with refused(db):
        UserFactory(role=Role.MERCHANT, client=None)
    with refused(db):
        UserFactory(role=Role.AGENT, client=ClientFactory())


def test_balance_buckets_are_never_negative(db: Session) -> None:
    with refused(db):
        case_for(ClientFactory(), fees_minor=-1)


@pytest.mark.parametrize("rate", [Decimal("100.001"), Decimal("-0.5")])
def test_contract_rates_are_percentages(db: Session, rate: Decimal) -> None:
    with refused(db):
        ContractFactory(contingency_rate=rate)
    ContractFactory(contingency_rate=Decimal("100"))  # the edge is allowed


def test_a_reference_is_unique_among_a_clients_open_cases_only(db: Session) -> None:
    acme = ClientFactory()
    first = case_for(acme, client_reference="DUP-1")
    with refused(db):
        case_for(acme, client_reference="DUP-1")
    case_for(ClientFactory(), client_reference="DUP-1")  # another client may use it
    first.status = CaseStatus.RECALLED
    db.flush()
    case_for(acme, client_reference="DUP-1")  # a re-placement after the first closed
