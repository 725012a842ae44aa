"""The case page masks every number and e-mail address one could dial or write to, for
every reader, until the gate allows that call for that user: then, and only in the call
panel, the number shows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from agency.auth.models import Role, User
from agency.cases.models import Case, Channel
from agency.compliance import service as compliance
from agency.compliance.models import FactKind, Source
from agency.kit import clock
from tests.fixtures.factories import (
    ClientFactory,
    ConsumerFactory,
    ContactPointFactory,
    UserFactory,
    case_for,
)
from tests.fixtures.forms import rendered_form
from tests.fixtures.web import post_form, sign_in

NUMBER = "+61412344821"
EMAIL = "kim.nguyen@example.au"
ADDRESS = "1 George St, Sydney NSW 2000"
SYDNEY_NIGHT = datetime(2025, 6, 9, 13, 30, tzinfo=UTC)  # 23:30 in Sydney
SYDNEY_MORNING = datetime(2025, 6, 10, 0, 0, tzinfo=UTC)  # 10:00 in Sydney
HTMX = {"HX-Request": "true", "HX-Target": "workspace"}


@pytest.fixture
def owner(db: Session) -> User:
    user: User = UserFactory(role=Role.AGENT, full_name="Owner Agent")
    return user


@pytest.fixture
def case(db: Session, owner: User) -> Case:
    """An Australian consumer's case in ``owner``'s book, its validation notice sent."""
    consumer = ConsumerFactory(
        first_name="Kim",
        last_name="Nguyen",
        country="AU",
        region="NSW",
        postal_code="2000",
        timezones=["Australia/Sydney"],
    )
    ContactPointFactory(consumer=consumer, value=NUMBER, consent=True)
    ContactPointFactory(consumer=consumer, channel=Channel.EMAIL, kind="personal", value=EMAIL)
    ContactPointFactory(consumer=consumer, channel=Channel.ADDRESS, kind="home", value=ADDRESS)
    made: Case = case_for(ClientFactory(), consumer=consumer, country="AU", region="NSW")
    made.assigned_agent_id = owner.id
    compliance.record_fact(
        db,
        consumer_id=consumer.id,
        kind=FactKind.VALIDATION_SENT,
        actor_id=None,
        source=Source.SYSTEM,
        case_id=made.id,
        effective_at=datetime(2025, 5, 1, tzinfo=UTC),
    )
    db.flush()
    return made


def assert_masked(html: str) -> None:
    assert NUMBER not in html and "412344821" not in html
    assert EMAIL not in html
    assert "…4821" in html and "k…@example.au" in html


@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.COMPLIANCE])
def test_no_reader_of_the_case_page_sees_a_number_or_an_e_mail_address(
    client: TestClient, db: Session, case: Case, role: Role
) -> None:
    with clock.frozen(SYDNEY_NIGHT):
        sign_in(client, db, UserFactory(role=role))  # an agent outside the book, or staff
        page = client.get(f"/cases/{case.id}")
        fragment = client.get(
            f"/cases/{case.id}", headers={"HX-Request": "true", "HX-Target": "panel-consumer"}
        )
    assert page.status_code == 200 and fragment.status_code == 200
    assert_masked(page.text)
    assert_masked(fragment.text)
    assert ADDRESS in page.text  # a letter goes through the gate too, but none is sent here


def test_the_merchant_sees_its_own_points_masked_too(
    client: TestClient, db: Session, case: Case
) -> None:
    sign_in(client, db, UserFactory(role=Role.MERCHANT, client_id=case.client_id))
    assert_masked(client.get(f"/cases/{case.id}").text)


def test_the_number_shows_only_when_the_gate_allows_the_owners_call(
    client: TestClient, db: Session, case: Case, owner: User
) -> None:
    sign_in(client, db, owner)
    with clock.frozen(SYDNEY_NIGHT):
        page = client.get(f"/cases/{case.id}").text
        assert_masked(page)
        action, fields, _ = rendered_form(page, "call-form")
        blocked = post_form(client, action, fields, headers=HTMX)
    assert 'id="call-blocked"' in blocked.text and "AU-ACCC-HOURS" in blocked.text
    assert_masked(blocked.text)
    with clock.frozen(SYDNEY_MORNING):
        page = client.get(f"/cases/{case.id}").text
        action, fields, _ = rendered_form(page, "call-form")
        allowed = post_form(client, action, fields, headers=HTMX)
        assert 'id="call-allowed"' in allowed.text
        assert f'<strong class="dial">{NUMBER}</strong>' in allowed.text
        assert allowed.text.count(NUMBER) == 1  # the contact points table stays masked
        # Coming back to the page: the call still wants its outcome, the number is gone.
        again = client.get(f"/cases/{case.id}").text
    assert 'id="call-pending"' in again and 'name="attempt_id"' in again
    assert_masked(again)


def test_the_compliance_record_shows_officers_the_full_value(
    client: TestClient, db: Session, case: Case
) -> None:
    """Deliberate: officers record facts about one exact number or address (an opt-out,
    a consent) and match complaints to it; they place no calls."""
    sign_in(client, db, UserFactory(role=Role.COMPLIANCE))
    html = client.get(f"/compliance/consumers/{case.consumer_id}").text
    assert NUMBER in html and EMAIL in html
