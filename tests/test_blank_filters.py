"""Every GET filter form in the app, submitted as rendered (each control, those left
blank or at "Any" too), lists everything; a blank value means no filter anywhere."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.kit.params import without_blanks
from tests.fixtures.factories import ClientFactory, UserFactory
from tests.fixtures.forms import form_fields
from tests.fixtures.web import sign_in

FORMS = [
    (Role.AGENT, "/cases?agent=me", "/cases"),
    (Role.SUPERVISOR, "/cases", "/cases"),
    (Role.SUPERVISOR, "/consumers", "/consumers"),
    (Role.ADMIN, "/admin/users", "/admin/users"),
    (Role.COMPLIANCE, "/compliance/ledger", "/compliance/ledger"),
    (Role.COMPLIANCE, "/compliance/blocked", "/compliance/blocked"),
    (Role.MERCHANT, "/portal/accounts", "/portal/accounts"),
    (Role.MERCHANT, "/portal/recoveries", "/portal/recoveries"),
    (Role.ADMIN, "/outreach/templates", "/outreach/templates"),
    (Role.COMPLIANCE, "/outreach/templates", "/outreach/templates"),
]


@pytest.mark.parametrize(("role", "page", "action"), FORMS)
def test_a_filter_form_as_rendered_is_accepted(
    client: TestClient, db: Session, role: Role, page: str, action: str
) -> None:
    merchant_of = ClientFactory().id if role is Role.MERCHANT else None
    sign_in(client, db, UserFactory(role=role, client_id=merchant_of))
    fields = form_fields(client.get(page).text, action)
    blank = [(name, "") for name, _value in fields]
    for sent in (fields, blank, [*blank, ("page", ""), ("size", ""), ("sort", "")]):
        answer = client.get(action, params=sent)
        assert answer.status_code == 200, (sent, answer.text[-600:])


def test_blank_pairs_are_dropped_and_the_rest_kept_as_sent() -> None:
    assert without_blanks(b"status=&client_id=7&agent=&q=+&x=%20&flag") == b"client_id=7"
    assert without_blanks(b"q=De%2001&q=&sort=name") == b"q=De%2001&sort=name"
    assert without_blanks(b"") == b""
