"""Scheduled report e-mails, chosen with the overview's form as rendered, sent through
the e-mail provider to a real SMTP server on loopback once per period, with the chosen
files attached and read back."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.config import get_settings
from agency.kit import clock
from agency.outreach import providers
from agency.reporting import refresh, scheduled
from tests.fixtures.factories import UserFactory
from tests.fixtures.forms import form_fields, with_values
from tests.fixtures.smtp import Inbox, smtp_server
from tests.fixtures.web import sign_in
from tests.outreach.strategies.test_editor_views import as_data
from tests.reporting import world

MONDAY = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # the week of the 16th … 22nd before


@pytest.fixture
def inbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    monkeypatch.setattr(get_settings(), "time_zone", "America/New_York")
    with smtp_server() as (received, port):
        monkeypatch.setattr(get_settings(), "smtp_url", f"smtp://127.0.0.1:{port}")
        providers.forget()
        yield received
    providers.forget()


def test_a_weekly_email_with_its_files_once_a_week(
    client: TestClient, db: Session, inbox: Inbox
) -> None:
    book = world.make_book(db)
    merchant = UserFactory(role=Role.MERCHANT, client=book.client, email="mo@example.com")
    sign_in(client, db, merchant)
    with clock.frozen(MONDAY - timedelta(days=3)):
        refresh.refresh(db)
        page = client.get("/portal")
        fields = [(n, v) for n, v in form_fields(page.text, "/portal/subscription")
                  if n != "frequency"]  # fmt: skip
        chosen = [*with_values(fields), ("frequency", "weekly"), ("attachments", "csv"),
                  ("attachments", "pdf")]  # fmt: skip
        saved = client.post("/portal/subscription", data=as_data(chosen))
    assert saved.status_code == 303
    with clock.frozen(MONDAY - timedelta(days=2)):
        assert scheduled.send_due(db) == []  # the week it was set up in is not over
    with clock.frozen(MONDAY):
        (sent,) = scheduled.send_due(db)
        assert scheduled.send_due(db) == []  # once
    assert sent.period == (datetime(2026, 11, 16).date(), datetime(2026, 11, 22).date())
    (mail,) = inbox.received
    assert mail["To"] == "mo@example.com" and "weekly report" in mail["Subject"]
    text = mail.get_body(("plain",)).get_content()
    assert "Collected in the period: $120.00" in text  # the 18th: 160 paid, 40 reversed
    files = {part.get_filename(): part.get_content() for part in mail.iter_attachments()}
    recoveries = next(v for k, v in files.items() if k.endswith("-recoveries.csv"))
    rows = list(
        csv.reader(io.StringIO(recoveries if isinstance(recoveries, str) else recoveries.decode()))
    )
    assert rows[1][:3] == ["2026-11-18", "3", "160.00"]
    pdf = next(v for k, v in files.items() if k.endswith(".pdf"))
    assert (
        "report for 2026-11-16 to 2026-11-22" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    )
    with clock.frozen(MONDAY + timedelta(days=7)):
        assert len(scheduled.send_due(db)) == 1
    never = [*with_values(fields), ("frequency", "never")]
    assert client.post("/portal/subscription", data=as_data(never)).status_code == 303
    assert scheduled.of_user(db, user_id=merchant.id) is None
