"""A link opens the consumer's page only while its signature, age, case, consumer and
revocation all hold; every refused link gets the same page, whatever was wrong."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.config import get_settings
from agency.kit import clock, signed
from agency.outreach.composing import self_service_link
from agency.payments.self_service import links
from tests.fixtures.factories import UserFactory
from tests.fixtures.forms import form_posting_to
from tests.fixtures.web import csrf_token, sign_in
from tests.payments.self_service.helpers import IN_PERIOD, make_consumer


def _refused_page(client: TestClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 404
    assert "This link does not work" in response.text
    assert "last_name" not in response.text  # no identity form: nothing to try
    return response.text


def test_outreach_links_open_the_identity_check(client: TestClient, db: Session) -> None:
    with clock.frozen(IN_PERIOD):
        consumer = make_consumer()
        url = self_service_link(consumer.debtor.case)
        path = url.removeprefix(get_settings().public_url.rstrip("/"))
        page = client.get(path)
    assert page.status_code == 200
    assert 'action="' + path + '/identity"' in page.text
    assert '<html lang="en">' in page.text


def test_tampered_expired_revoked_unknown_and_foreign_links_get_one_page(
    client: TestClient, db: Session
) -> None:
    with clock.frozen(IN_PERIOD):
        consumer = make_consumer()
        other = make_consumer()
        token = consumer.path.rsplit("/", 1)[1]
        tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
        wrong_consumer = signed.sign(
            "self-service", {"case": consumer.case_id, "consumer": other.debtor.consumer.id}
        )
        unknown_case = signed.sign(
            "self-service", {"case": 10**9, "consumer": consumer.debtor.consumer.id}
        )
        other_purpose = signed.sign(
            "email-opt-out", {"case": consumer.case_id, "consumer": consumer.debtor.consumer.id}
        )
        not_ids = signed.sign(
            "self-service", {"case": str(consumer.case_id), "consumer": consumer.debtor.consumer.id}
        )
        pages = {
            "tampered": _refused_page(client, f"/pay/{tampered}"),
            "garbage": _refused_page(client, "/pay/not-a-token"),
            "too long": _refused_page(client, "/pay/" + "x" * 600),
            "wrong consumer": _refused_page(client, f"/pay/{wrong_consumer}"),
            "unknown case": _refused_page(client, f"/pay/{unknown_case}"),
            "other purpose": _refused_page(client, f"/pay/{other_purpose}"),
            "not ids": _refused_page(client, f"/pay/{not_ids}"),
        }
    days = get_settings().self_service_link_days
    with clock.frozen(IN_PERIOD + timedelta(days=days, seconds=1)):
        pages["expired"] = _refused_page(client, consumer.path)
    with clock.frozen(IN_PERIOD + timedelta(days=days - 1)):
        assert client.get(consumer.path).status_code == 200  # still young enough
        links.revoke(db, case_id=consumer.case_id, by_user_id=UserFactory().id)
        pages["revoked"] = _refused_page(client, consumer.path)
    assert len(set(pages.values())) == 1, "a refused link's page must not say why"
    # The posts behind a refused link answer the same.
    assert client.post(f"/pay/{tampered}/identity", data={}).status_code in (403, 404)


def test_a_link_signed_after_the_revocation_works(client: TestClient, db: Session) -> None:
    with clock.frozen(IN_PERIOD):
        consumer = make_consumer()
    with clock.frozen(IN_PERIOD + timedelta(seconds=1, microseconds=500)):
        links.revoke(db, case_id=consumer.case_id, by_user_id=UserFactory().id)
        fresh = links.link_for(consumer.case_id, consumer.debtor.consumer.id)
        assert client.get(fresh).status_code == 200  # made after it, in the same second
        assert client.get(consumer.path).status_code == 404
    with clock.frozen(IN_PERIOD + timedelta(days=1)):
        assert client.get(fresh).status_code == 200
        assert client.get(consumer.path).status_code == 404


def test_every_route_of_the_page_answers_a_forged_link_alike(app: Any, client: TestClient) -> None:
    forged = signed.sign("another-purpose", {"case": 1, "consumer": 1})
    token = csrf_token(client)
    checked = 0
    for route in iter_route_contexts(app.routes):
        path = route.path or ""
        if not path.startswith("/pay/"):
            continue
        url = path.replace("{token}", forged).replace("{document_id}", "1")
        url = url.replace("{payment_id}", "1").replace("{attempt_id}", "1")
        for method in sorted((route.methods or set()) - {"HEAD"}):
            sent = {"csrf_token": token} if method == "POST" else None
            response = client.request(method, url, data=sent)
            assert response.status_code == 404, f"{method} {path}: {response.status_code}"
            assert "This link does not work" in response.text
            checked += 1
    assert checked >= 6


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.ADMIN, Role.AGENT])
def test_staff_who_work_the_case_copy_and_revoke_its_links(
    client: TestClient, db: Session, role: Role
) -> None:
    with clock.frozen(IN_PERIOD):
        consumer = make_consumer()
        user = UserFactory(role=role)
        if role is Role.AGENT:
            consumer.debtor.case.assigned_agent_id = user.id
        db.flush()
        sign_in(client, db, user)
        section = client.get(
            f"/cases/{consumer.case_id}/self-service",
            headers={"HX-Request": "true", "HX-Target": "case-self-service"},
        )
        assert section.status_code == 200
        assert 'id="self-service-link"' in section.text
        assert "<html" not in section.text  # the fragment only
        action = f"/cases/{consumer.case_id}/self-service/revoke"
        fields = form_posting_to(section.text, action)
    with clock.frozen(IN_PERIOD + timedelta(seconds=2)):
        revoked = client.post(
            action, data=fields, headers={"HX-Request": "true", "HX-Target": "case-self-service"}
        )
        assert revoked.status_code == 200
        assert "Every link sent so far is revoked" in revoked.text
        new_url = revoked.text.split('id="self-service-link" type="text" readonly value="', 1)[
            1
        ].split('"', 1)[0]
    with clock.frozen(IN_PERIOD + timedelta(seconds=3)):
        client.cookies.clear()
        assert client.get(consumer.path).status_code == 404
        assert (
            client.get(new_url.removeprefix(get_settings().public_url.rstrip("/"))).status_code
            == 200
        )


def test_an_agent_not_on_the_case_sees_no_link_and_cannot_revoke(
    client: TestClient, db: Session
) -> None:
    with clock.frozen(IN_PERIOD):
        consumer = make_consumer()
        other_agent = UserFactory(role=Role.AGENT)
        consumer.debtor.case.assigned_agent_id = UserFactory(role=Role.AGENT).id
        db.flush()
        sign_in(client, db, other_agent)
        section = client.get(f"/cases/{consumer.case_id}/self-service")
        assert section.status_code == 200 and 'id="self-service-link"' not in section.text
        from tests.fixtures.web import post_form

        refused = post_form(client, f"/cases/{consumer.case_id}/self-service/revoke", {})
        assert refused.status_code == 403
        assert links.access_of(db, consumer.case_id) is None
