"""Contract rates read as written on the clients list and the client page: "30 %", never
"3E+1 %" (a whole rate is stored as 30.000)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from agency.auth.models import Role
from tests.fixtures.factories import ClientFactory, UserFactory
from tests.fixtures.forms import form_fields, with_values
from tests.fixtures.web import post_form, sign_in


def test_whole_rates_are_shown_as_numbers(client: TestClient, db: Session) -> None:
    sign_in(client, db, UserFactory(role=Role.ADMIN))
    acme = ClientFactory(name="Acme Telecom")
    form = client.get(f"/admin/clients/{acme.id}/contracts/new")
    action = f"/admin/clients/{acme.id}/contracts/new"
    fields = with_values(
        [(name, value) for name, value in form_fields(form.text, "") if name != "csrf_token"],
        reference="ACME-30",
        contingency_rate="30",
        settlement_floor="50",
        effective_from="2020-01-01",
    )
    assert post_form(client, action, dict(fields)).status_code == 303
    listing = client.get("/admin/clients")
    assert "ACME-30 · 30 %" in listing.text
    page = client.get(f"/admin/clients/{acme.id}")
    assert '<td class="num">30 %</td>' in page.text
    assert '<td class="num">50 %</td>' in page.text
    for shown in (listing.text, page.text):
        assert "E+" not in shown
