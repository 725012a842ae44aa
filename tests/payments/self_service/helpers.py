"""A consumer with a case and their self-service link, and the identity check passed as
a browser passes it: the page's form read and posted with every field it renders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import httpx2 as httpx
from fastapi.testclient import TestClient

from agency.kit import clock
from agency.payments.self_service import links
from tests.fixtures.compliance import Debtor, make_debtor
from tests.fixtures.factories import ConsumerFactory
from tests.fixtures.forms import form_fields, with_values

# Ten days after the debtors' validation notice (1 May 2025): inside the validation
# period, a Tuesday at 10:00 in Chicago.
IN_PERIOD = datetime(2025, 5, 13, 15, 0, tzinfo=UTC)
BORN = date(1980, 4, 23)
LAST_NAME = "Núñez de la Peña"


@dataclass
class Consumer:
    debtor: Debtor
    path: str

    @property
    def case_id(self) -> int:
        return self.debtor.case.id


def make_consumer(**case_values: Any) -> Consumer:
    """A Chicago debtor (consented mobile, e-mail, validation notice sent) whose case's
    contract accepts payments from 10.00, and a link to their page signed now."""
    debtor = make_debtor(last_name=LAST_NAME)
    debtor.consumer.date_of_birth = BORN
    debtor.case.contract.min_payment_minor = 1_000
    for name, value in case_values.items():
        setattr(debtor.case, name, value)
    db = ConsumerFactory._meta.sqlalchemy_session
    db.flush()
    return Consumer(debtor, links.link_for(debtor.case.id, debtor.consumer.id))


def answer(client: TestClient, path: str, **values: str) -> httpx.Response:
    """Answer the identity check on ``path``'s page as a person fills the form."""
    page = client.get(path)
    assert page.status_code == 200, page.text
    fields = form_fields(page.text, f"{path}/identity")
    return client.post(f"{path}/identity", data=dict(with_values(fields, **values)))


def pass_identity(client: TestClient, consumer: Consumer) -> None:
    response = answer(
        client, consumer.path, last_name="nunez DE LA pena", date_of_birth="1980-04-23"
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == consumer.path


def at(moment: datetime) -> Any:
    return clock.frozen(moment)
