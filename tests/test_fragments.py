"""Every htmx-swappable table renders alone from its page's own template (house rule 7)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from agency.auth.models import Role
from tests.fixtures.factories import ClientFactory, UserFactory, case_for
from tests.fixtures.web import sign_in


def squeeze(html: str) -> str:
    return " ".join(html.split())


@pytest.mark.parametrize(
    ("role", "path", "target"),
    [
        (Role.ADMIN, "/admin/users", "user-table"),
        (Role.ADMIN, "/admin/clients", "client-table"),
        (Role.COMPLIANCE, "/consumers", "consumer-table"),
        (Role.AGENT, "/cases", "case-table"),
        (Role.MERCHANT, "/portal/accounts", "portal-cases"),
    ],
)
def test_table_fragment_matches_the_page(
    client: TestClient, db: Session, role: Role, path: str, target: str
) -> None:
    acme = ClientFactory()
    case_for(acme)
    sign_in(client, db, UserFactory(role=role, client=acme if role is Role.MERCHANT else None))
    page = client.get(path)
    fragment = client.get(path, headers={"HX-Request": "true", "HX-Target": target})
    assert page.status_code == fragment.status_code == 200
    assert "<html" not in fragment.text
    start = f'<div class="table-wrap" id="{target}">'
    assert fragment.text.strip().startswith(start)
    assert squeeze(fragment.text) in squeeze(page.text)  # the very same markup as the page's
    # The sort links in the fragment point back at the same target.
    assert f'hx-target="#{target}"' in fragment.text
