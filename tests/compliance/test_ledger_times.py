"""The ledger keeps UTC and says so, whatever the officer's own zone; when a blocked
attempt is allowed again is shown in the consumer's time beside it."""

from __future__ import annotations

from html import unescape

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from agency.auth.models import User
from tests.fixtures.compliance import NIGHT, gate_at, make_debtor


def test_the_ledger_stays_utc_with_the_consumers_time_beside_next_allowed(
    client: TestClient, db: Session, workspace_officer: User
) -> None:
    workspace_officer.time_zone = "Asia/Tokyo"
    debtor = make_debtor()
    gate_at(db, debtor, NIGHT)  # 22:00 in Chicago: allowed again at 08:00 there
    db.flush()
    html = " ".join(client.get("/compliance/ledger?decision=blocked").text.split())
    assert "Time (UTC)" in html and "2025-06-10 03:00:00" in html
    assert "2025-06-10 13:00 UTC" in html  # next allowed, in UTC
    assert "consumer's time 08:00 CDT" in html
    assert "JST" not in html


def test_the_consumer_timeline_shows_their_time_beside_next_allowed(
    client: TestClient, db: Session, workspace_officer: User
) -> None:
    debtor = make_debtor()
    gate_at(db, debtor, NIGHT)
    html = client.get(f"/compliance/consumers/{debtor.consumer.id}").text
    text = " ".join(unescape(html).split())
    assert "Next allowed 2025-06-10 13:00 UTC (consumer's time 08:00 CDT)" in text
