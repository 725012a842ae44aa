"""The identity check: the last name with the date of birth or the postal code; wrong
answers re-ask (422), five lock the links for an hour, a passed check lasts for that
link only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from agency.kit import clock
from agency.payments.self_service import identity, links, session
from tests.fixtures.factories import UserFactory
from tests.payments.self_service.helpers import IN_PERIOD, answer, make_consumer, pass_identity


def test_the_right_answer_opens_the_account_with_a_scoped_cookie(
    client: TestClient, db: Session
) -> None:
    with clock.frozen(IN_PERIOD):
        consumer = make_consumer()
        response = answer(
            client, consumer.path, last_name="NUNEZ de la pena", date_of_birth="1980-04-23"
        )
        assert response.status_code == 303
        cookie = response.headers["set-cookie"]
        assert cookie.startswith(f"{session.COOKIE}=")
        for part in ("HttpOnly", "Secure", "SameSite=lax", "Path=/pay/"):
            assert part.lower() in cookie.lower()
        page = client.get(consumer.path)
    assert page.status_code == 200
    assert "Your account" in page.text
    assert consumer.debtor.case.client.name in page.text
    assert "This is a communication from a debt collector" in page.text
    assert links.access_of(db, consumer.case_id).last_opened_at is not None


def test_the_postal_code_does_instead_of_the_date_of_birth(client: TestClient, db: Session) -> None:
    with clock.frozen(IN_PERIOD):
        consumer = make_consumer(postal_code="60601-1234")
        assert (
            answer(
                client, consumer.path, last_name="Núñez de la Peña", postal_code=" 60601 "
            ).status_code
            == 303
        )


@pytest.mark.parametrize(
    "values, field",
    [
        ({"last_name": "Smith", "date_of_birth": "1980-04-23"}, None),
        ({"last_name": "Núñez de la Peña", "date_of_birth": "1980-04-24"}, None),
        ({"last_name": "Núñez de la Peña", "postal_code": "60602"}, None),
        ({"last_name": "", "date_of_birth": "1980-04-23"}, "last_name"),
        ({"last_name": "Núñez", "date_of_birth": "23/04/1980"}, "date_of_birth"),
        ({"last_name": "Núñez"}, "date_of_birth"),
    ],
)
def test_wrong_or_missing_answers_re_ask(
    client: TestClient, db: Session, values: dict[str, str], field: str | None
) -> None:
    with clock.frozen(IN_PERIOD):
        consumer = make_consumer()
        response = answer(client, consumer.path, **values)
    assert response.status_code == 422
    assert session.COOKIE not in response.headers.get("set-cookie", "")
    if field is None:
        assert "These details do not match our records" in response.text
        assert links.access_of(db, consumer.case_id).failures == 1
    else:  # a form error: not an answer, so not a failure
        assert f'aria-describedby="e-{field}' in response.text or f'e-{field}"' in response.text
        assert f'id="f-{field}"' in response.text and 'aria-invalid="true"' in response.text
        access = links.access_of(db, consumer.case_id)
        assert access is None or access.failures == 0


def test_five_failures_lock_the_links_for_an_hour(client: TestClient, db: Session) -> None:
    with clock.frozen(IN_PERIOD):
        consumer = make_consumer()
        for _ in range(identity.MAX_FAILURES - 1):
            assert (
                answer(
                    client, consumer.path, last_name="Smith", date_of_birth="1980-04-23"
                ).status_code
                == 422
            )
        fifth = answer(client, consumer.path, last_name="Smith", date_of_birth="1980-04-23")
        assert fifth.status_code == 429 and "Too many tries" in fifth.text
    with clock.frozen(IN_PERIOD + timedelta(minutes=59)):
        locked = client.get(consumer.path)
        assert locked.status_code == 429 and 'name="last_name"' not in locked.text
        # Even the right answer is refused while locked.
        refused = client.post(
            f"{consumer.path}/identity",
            data={
                "last_name": "Núñez de la Peña",
                "date_of_birth": "1980-04-23",
                "csrf_token": _token(client),
            },
        )
        assert refused.status_code == 429
    with clock.frozen(IN_PERIOD + timedelta(hours=1, seconds=1)):
        assert (
            answer(
                client, consumer.path, last_name="Núñez de la Peña", date_of_birth="1980-04-23"
            ).status_code
            == 303
        )


def test_throttled_by_address_like_the_sign_in(client: TestClient, db: Session) -> None:
    """One address trying many links is paused by the sign-in's per-address cap."""
    from agency.config import get_settings

    cap = get_settings().login_max_failures_per_ip
    with clock.frozen(IN_PERIOD):
        consumers = [make_consumer() for _ in range(cap // 4 + 1)]
        statuses = []
        for consumer in consumers:
            for _ in range(4):
                statuses.append(
                    answer(
                        client, consumer.path, last_name="Smith", postal_code="99999"
                    ).status_code
                )
    assert statuses[:cap] == [422] * cap
    assert 429 in statuses[cap:]


def test_revoking_ends_a_passed_check(client: TestClient, db: Session) -> None:
    with clock.frozen(IN_PERIOD):
        consumer = make_consumer()
        pass_identity(client, consumer)
        assert client.get(consumer.path).status_code == 200
    with clock.frozen(IN_PERIOD + timedelta(minutes=1)):
        links.revoke(db, case_id=consumer.case_id, by_user_id=UserFactory().id)
        assert client.get(consumer.path).status_code == 404
        fresh = links.link_for(consumer.case_id, consumer.debtor.consumer.id)
        again = client.get(fresh)
        assert again.status_code == 200 and 'name="last_name"' in again.text  # asked again


def test_the_check_lasts_its_minutes(client: TestClient, db: Session) -> None:
    from agency.config import get_settings

    with clock.frozen(IN_PERIOD):
        consumer = make_consumer()
        pass_identity(client, consumer)
    minutes = get_settings().self_service_session_minutes
    with clock.frozen(IN_PERIOD + timedelta(minutes=minutes, seconds=1)):
        assert 'name="last_name"' in client.get(consumer.path).text


def _token(client: TestClient) -> str:
    from tests.fixtures.web import csrf_token

    return csrf_token(client)
