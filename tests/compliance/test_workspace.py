"""The compliance workspace: who may open it, the home page, and "Verify now"."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agency.auth.models import Role, User
from agency.compliance import integrity
from agency.compliance.models import LedgerAlarmAck, LedgerVerification
from agency.kit import clock
from tests.compliance.tamper import remove
from tests.fixtures.compliance import NIGHT, OFFICE_HOURS, gate_at, make_debtor
from tests.fixtures.factories import ClientFactory, UserFactory
from tests.fixtures.web import csrf_token, post_form, sign_in

READ_PAGES = [
    "/compliance",
    "/compliance/ledger",
    "/compliance/ledger.csv",
    "/compliance/blocked",
    "/compliance/what-if",
    "/compliance/policies",
]


@pytest.mark.parametrize("role", list(Role))
def test_pages_admit_compliance_officers_and_admins_only(
    client: TestClient, db: Session, role: Role
) -> None:
    debtor = make_debtor()
    user = UserFactory(role=role, client=ClientFactory() if role is Role.MERCHANT else None)
    sign_in(client, db, user)
    pages = [
        *READ_PAGES,
        f"/compliance/consumers/{debtor.consumer.id}",
        f"/compliance/consumers/{debtor.consumer.id}/evidence.pdf",
        f"/compliance/policies/{debtor.client.id}",
    ]
    expected = 200 if role in (Role.COMPLIANCE, Role.ADMIN) else 403
    for path in pages:
        assert client.get(path).status_code == expected, f"{role.value} on {path}"


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SUPERVISOR, Role.AGENT])
def test_only_officers_change_anything(client: TestClient, db: Session, role: Role) -> None:
    debtor = make_debtor()
    sign_in(client, db, UserFactory(role=role))
    for path, data in [
        ("/compliance/verify", {}),
        ("/compliance/alarms/1/acknowledge", {"reason": "nothing"}),
        (f"/compliance/consumers/{debtor.consumer.id}/facts", {"kind": "cease"}),
        (f"/compliance/policies/{debtor.client.id}", {"reason": "x", "sms_per_7_days": "1"}),
    ]:
        assert post_form(client, path, data).status_code == 403, f"{role.value} on {path}"
    assert db.scalar(select(func.count()).select_from(LedgerVerification)) == 0


def test_anonymous_users_are_asked_to_sign_in(client: TestClient, db: Session) -> None:
    for path in READ_PAGES:
        assert client.get(path).status_code == 401
    token = csrf_token(client)
    assert client.post("/compliance/verify", data={"csrf_token": token}).status_code == 401


def test_officer_nav_shows_the_workspace_tools(client: TestClient, workspace_officer: User) -> None:
    page = client.get("/compliance")
    nav = page.text[page.text.index('<nav aria-label="Main">') : page.text.index("</nav>")]
    for href, label in [
        ("/compliance", "Workspace"),
        ("/compliance/ledger", "Ledger"),
        ("/compliance/blocked", "Blocked"),
        ("/compliance/what-if", "What if"),
        ("/compliance/policies", "Policies"),
        ("/consumers", "Consumers"),
        ("/cases", "Cases"),
    ]:
        assert f'href="{href}"' in nav and label in nav
    assert 'href="/compliance" aria-current="page"' in nav


def test_home_says_never_verified_then_verify_now_records_a_run(
    client: TestClient, db: Session, workspace_officer: User
) -> None:
    debtor = make_debtor()
    gate_at(db, debtor, OFFICE_HOURS)
    page = client.get("/compliance")
    assert "never been verified" in page.text
    assert "Verify now" in page.text

    with clock.frozen(OFFICE_HOURS):
        response = post_form(client, "/compliance/verify", {})
    assert response.status_code == 303
    assert response.headers["location"] == "/compliance"
    run = db.scalar(select(LedgerVerification))
    assert run is not None and run.ok and run.run_by_id == workspace_officer.id
    page = client.get("/compliance").text
    assert "never been verified" not in page
    assert "Intact" in page
    assert "2025-06-09 15:00:00 UTC" in page
    assert "Casey Officer" in page
    assert f"<dd>{run.entries_checked}</dd>" in page and run.entries_checked >= 2


def test_verify_now_through_htmx_swaps_the_integrity_panel(
    client: TestClient, workspace_officer: User
) -> None:
    response = client.post(
        "/compliance/verify",
        data={"csrf_token": csrf_token(client)},
        headers={"HX-Request": "true", "HX-Target": "integrity"},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section class="panel" id="integrity"')
    assert "<html" not in response.text


def test_admin_reads_the_home_page_without_the_verify_button(
    client: TestClient, db: Session
) -> None:
    sign_in(client, db, UserFactory(role=Role.ADMIN))
    page = client.get("/compliance")
    assert page.status_code == 200
    assert "Verify now" not in page.text


def test_home_counts_blocked_attempts_today_and_this_week(
    client: TestClient, db: Session, workspace_officer: User
) -> None:
    debtor = make_debtor()
    assert not gate_at(db, debtor, NIGHT).allowed  # Tuesday 03:00 UTC
    assert not gate_at(db, debtor, NIGHT.replace(day=5)).allowed  # 5 days earlier
    assert not gate_at(db, debtor, NIGHT.replace(month=5, day=20)).allowed  # weeks earlier
    assert gate_at(db, debtor, OFFICE_HOURS).allowed
    with clock.frozen(NIGHT.replace(hour=12)):
        page = client.get("/compliance").text
    today = "/compliance/ledger?decision=blocked&amp;since=2025-06-10&amp;until=2025-06-10"
    assert f'<a id="blocked-today" href="{today}">1</a>' in page
    assert ">2</a>" in page[page.index('id="blocked-week"') :][:200]


def raise_an_alarm(db: Session) -> int:
    """A consumer's newest entry deleted after a verification: the next one raises an
    alarm; returns its id."""
    debtor = make_debtor()
    gate_at(db, debtor, OFFICE_HOURS)
    newest = gate_at(db, debtor, OFFICE_HOURS.replace(hour=16)).entry
    assert integrity.verify_ledger(db).ok
    remove(db, newest.id)
    run = integrity.verify_ledger(db)
    assert not run.ok and run.alarm_id is not None
    return run.alarm_id


def test_an_officer_acknowledges_an_alarm_with_a_reason(
    client: TestClient, db: Session, workspace_officer: User
) -> None:
    alarm_id = raise_an_alarm(db)
    page = client.get("/compliance").text
    assert f'id="alarm-{alarm_id}"' in page and "not acknowledged" in page
    assert f'action="/compliance/alarms/{alarm_id}/acknowledge"' in page
    assert 'id="newest-checkpoint"' in page and "Signed with key</dt><dd>test1" in page

    blank = post_form(client, f"/compliance/alarms/{alarm_id}/acknowledge", {"reason": "  "})
    assert blank.status_code == 422
    assert f'<span class="error" id="e-reason-{alarm_id}">Say why the alarm can be set aside.' in (
        blank.text
    )
    assert db.scalar(select(func.count()).select_from(LedgerAlarmAck)) == 0

    done = post_form(
        client,
        f"/compliance/alarms/{alarm_id}/acknowledge",
        {"reason": "The call was entered twice; the duplicate was removed."},
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/compliance#integrity"
    page = client.get("/compliance").text
    assert f'id="alarm-{alarm_id}"' not in page
    assert (
        f"Alarm {alarm_id}" in page
        and "acknowledged by Casey Officer" in page
        and "The call was entered twice; the duplicate was removed." in page
    )
    assert integrity.verify_ledger(db).ok
    again = post_form(client, f"/compliance/alarms/{alarm_id}/acknowledge", {"reason": "again"})
    assert again.status_code == 422 and "already acknowledged" in again.text


def test_admins_see_alarms_without_the_acknowledgment_form(client: TestClient, db: Session) -> None:
    alarm_id = raise_an_alarm(db)
    sign_in(client, db, UserFactory(role=Role.ADMIN))
    page = client.get("/compliance").text
    assert f'id="alarm-{alarm_id}"' in page
    assert "Acknowledge alarm" not in page and 'name="reason"' not in page
