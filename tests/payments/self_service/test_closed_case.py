"""A closed case: the account page says so politely with our contact details, and the
pages that would change it answer the closed page, writing nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agency.cases.models import CaseStatus
from agency.compliance.models import ComplianceFact
from agency.kit import clock
from tests.fixtures.forms import form_fields
from tests.payments.self_service.helpers import IN_PERIOD, make_consumer, pass_identity


def test_a_paid_case_is_closed_politely(client: TestClient, db: Session) -> None:
    with clock.frozen(IN_PERIOD):
        consumer = make_consumer()
        pass_identity(client, consumer)
        stop_page = client.get(f"{consumer.path}/stop")
        fields = dict(form_fields(stop_page.text, f"{consumer.path}/stop"))
        consumer.debtor.case.status = CaseStatus.PAID
        db.flush()
        facts_before = db.scalar(select(func.count()).select_from(ComplianceFact))
        page = client.get(consumer.path)
        assert page.status_code == 200
        assert "This account is closed" in page.text and 'id="go-pay"' not in page.text
        assert "help@agency.example" in page.text
        for path in ("/pay", "/plan", "/dispute", "/stop"):
            closed = client.get(consumer.path + path)
            assert closed.status_code == 409 and "This account is closed" in closed.text
        refused = client.post(f"{consumer.path}/stop", data={**fields, "channel": "sms"})
        assert refused.status_code == 409
    assert db.scalar(select(func.count()).select_from(ComplianceFact)) == facts_before
