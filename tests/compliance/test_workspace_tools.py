"""Blocked attempts over time, "what if", and client policies."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agency.auth.models import Role, User
from agency.compliance import engine, service
from agency.compliance.models import ClientPolicy, EntryKind, FactKind, LedgerEntry, Source
from agency.config import ROOT
from agency.kit import clock
from tests.fixtures.compliance import NIGHT, OFFICE_HOURS, gate_at, make_debtor
from tests.fixtures.factories import ClientFactory, UserFactory
from tests.fixtures.web import post_form, sign_in

# ---- blocked over time -------------------------------------------------------------------


def bars(html: str) -> dict[str, int]:
    return {
        day: int(total)
        for day, total in re.findall(
            r'<g class="bar" data-day="([\d-]+)" data-total="(\d+)">', html
        )
    }


def test_chart_has_one_bar_group_per_day_with_the_right_counts(
    client: TestClient, db: Session, workspace_officer: User
) -> None:
    acme, bolt = ClientFactory(name="Acme Media"), ClientFactory(name="Bolt Energy")
    ann, bob = make_debtor(client=acme), make_debtor(client=bolt)
    agent = UserFactory(role=Role.AGENT, full_name="Alex Agent")
    gate_at(db, ann, NIGHT, actor=agent)  # 06-10, time
    gate_at(db, ann, NIGHT + timedelta(minutes=5), actor=agent)  # 06-10, time
    gate_at(db, bob, NIGHT)  # 06-10, time, no agent
    gate_at(db, bob, NIGHT - timedelta(days=2))  # 06-08, time
    with clock.frozen(OFFICE_HOURS + timedelta(days=1)):
        service.record_fact(
            db,
            consumer_id=bob.consumer.id,
            kind=FactKind.CEASE,
            actor_id=None,
            source=Source.OFFICER,
        )
    gate_at(db, bob, OFFICE_HOURS + timedelta(days=2), actor=agent)  # 06-11, cease
    gate_at(db, ann, OFFICE_HOURS)  # allowed: not counted

    page = client.get("/compliance/blocked?by=rule&since=2025-06-07&until=2025-06-12")
    assert page.status_code == 200
    html = page.text
    assert bars(html) == {
        "2025-06-07": 0,
        "2025-06-08": 1,
        "2025-06-09": 0,
        "2025-06-10": 3,
        "2025-06-11": 1,
        "2025-06-12": 0,
    }
    june10 = html[html.index('data-day="2025-06-10"') :]
    june10 = june10[: june10.index("</g>")]
    assert re.findall(r'data-series="([^"]+)" data-count="(\d+)"', june10) == [
        ("US-REGF-TIME", "3")
    ]
    assert '<svg class="chart"' in html and 'role="img"' in html
    assert '<title id="chart-title">' in html and '<desc id="chart-desc">' in html
    assert 'class="series-0"' in html and 'class="series-1"' in html  # colours from CSS
    assert "style=" not in html[html.index("<svg") : html.index("</svg>")]
    # The series link to the ledger filtered to them; the table has the same numbers.
    assert (
        'href="/compliance/ledger?decision=blocked&amp;rule=US-REGF-TIME&amp;since=2025-06-07'
        '&amp;until=2025-06-12"' in html
    )
    row = html[html.index('<tr data-series="US-REGF-TIME">') :]
    row = row[: row.index("</tr>")]
    assert re.findall(r'<td class="num">(\d*)</td>', row) == ["4", "", "1", "", "3", "", ""]
    assert "US-REGF-CEASE" in html
    # The legend names each rule by its title, with its id.
    legend = html[
        html.index('<ul class="legend"') : html.index("</ul>", html.index('<ul class="legend"'))
    ]
    assert "Convenient hours (US-REGF-TIME)</a>" in legend

    by_client = client.get("/compliance/blocked?by=client&since=2025-06-07&until=2025-06-12").text
    assert bars(by_client)["2025-06-10"] == 3
    assert f"client_id={acme.id}" in by_client and "Acme Media" in by_client
    acme_row = by_client[by_client.index(f'<tr data-series="{acme.id}">') :]
    assert re.findall(r'<td class="num">(\d*)</td>', acme_row[: acme_row.index("</tr>")])[0] == "2"

    by_agent = client.get("/compliance/blocked?by=agent&since=2025-06-07&until=2025-06-12").text
    assert "Alex Agent" in by_agent and f"agent_id={agent.id}" in by_agent
    assert "No agent (automatic)" in by_agent
    agent_row = by_agent[by_agent.index(f'<tr data-series="{agent.id}">') :]
    assert (
        re.findall(r'<td class="num">(\d*)</td>', agent_row[: agent_row.index("</tr>")])[0] == "3"
    )


def test_chart_defaults_to_the_last_30_days(
    client: TestClient, db: Session, workspace_officer: User
) -> None:
    with clock.frozen(NIGHT):
        page = client.get("/compliance/blocked").text
    days = list(bars(page))
    assert len(days) == 30 and days[0] == "2025-05-12" and days[-1] == "2025-06-10"


def test_chart_switch_through_htmx_swaps_the_report_only(
    client: TestClient, workspace_officer: User
) -> None:
    response = client.get(
        "/compliance/blocked?by=client",
        headers={"HX-Request": "true", "HX-Target": "blocked-report"},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="blocked-report">')


def test_chart_bad_dates_are_inline_errors(client: TestClient, workspace_officer: User) -> None:
    response = client.get("/compliance/blocked?since=2025-06-10&until=2025-06-01")
    assert response.status_code == 422
    assert "To must not be before the start date." in response.text
    response = client.get("/compliance/blocked?by=planet")
    assert response.status_code == 422
    assert 'id="e-by"' in response.text


# ---- what if -----------------------------------------------------------------------------


def ledger_count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(LedgerEntry)) or 0


def test_what_if_loads_the_consumer_then_shows_the_decision_and_writes_nothing(
    client: TestClient, db: Session, workspace_officer: User
) -> None:
    debtor = make_debtor()
    before = ledger_count(db)
    form = client.get(f"/compliance/what-if?consumer_id={debtor.consumer.id}")
    assert form.status_code == 200
    assert f'<option value="{debtor.phone.id}"' in form.text
    assert f'name="case_ids" value="{debtor.case.id}" checked' in form.text

    query = (
        f"consumer_id={debtor.consumer.id}&contact_point_id={debtor.phone.id}"
        f"&case_ids={debtor.case.id}&channel=call&at=2025-06-09T22:30&tz=America/Chicago&ask=1"
    )
    with clock.frozen(OFFICE_HOURS):
        answer = client.get(f"/compliance/what-if?{query}")
    assert answer.status_code == 200
    html = answer.text
    assert "The gate would block this contact" in html
    assert "US-REGF-TIME" in html and "Convenient hours" in html
    assert "12 CFR 1006.6(b)(1)(i), (b)(4)" in html
    assert "Calls, texts, e-mails and letters are only allowed between 08:00" in html
    assert "At 2025-06-10 03:30 UTC (asked in America/Chicago)" in html
    assert '2025-06-10 13:00 Tue <span class="muted">UTC</span>' in html
    assert '2025-06-10 08:00 Tue <span class="muted">America/Chicago</span>' in html
    assert "America/Chicago" in html[html.index("Candidate time zones") :]
    assert f"rule set {engine.RULE_SET}" in html
    assert ledger_count(db) == before

    allowed = client.get(f"/compliance/what-if?{query.replace('T22:30', 'T10:00')}").text
    assert "The gate would allow this contact" in allowed
    assert ledger_count(db) == before


def test_what_if_through_htmx_swaps_the_form_block(
    client: TestClient, db: Session, workspace_officer: User
) -> None:
    debtor = make_debtor()
    response = client.get(
        f"/compliance/what-if?consumer_id={debtor.consumer.id}",
        headers={"HX-Request": "true", "HX-Target": "what-if"},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="what-if">')
    assert f'value="{debtor.phone.id}"' in response.text


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"consumer_id": "999999"}, "consumer", "there is no consumer with id “999999”"),
        ({"tz": "Mars/Olympus"}, "tz", "not a time zone name"),
        ({"at": "soon"}, "at", "Date and time "),
        ({"case_ids": ""}, "case_ids", "choose at least one case"),
        ({"channel": "pigeon"}, "channel", "Channel must be"),
        ({"template": "nope"}, "template", "not one of the known templates"),
    ],
)
def test_what_if_bad_input_is_an_inline_error(
    client: TestClient,
    db: Session,
    workspace_officer: User,
    change: dict[str, str],
    field: str,
    message: str,
) -> None:
    debtor = make_debtor()
    params = {
        "consumer_id": str(debtor.consumer.id),
        "contact_point_id": str(debtor.phone.id),
        "case_ids": str(debtor.case.id),
        "channel": "call",
        "at": "2025-06-09T10:00",
        "tz": "UTC",
        "ask": "1",
    } | change
    response = client.get("/compliance/what-if", params=params)
    assert response.status_code == 422
    assert message in response.text
    assert f'id="e-{field}"' in response.text


def test_what_if_a_point_of_the_wrong_channel_is_explained(
    client: TestClient, db: Session, workspace_officer: User
) -> None:
    debtor = make_debtor()
    response = client.get(
        "/compliance/what-if",
        params={
            "consumer_id": debtor.consumer.id,
            "contact_point_id": debtor.email.id,
            "case_ids": debtor.case.id,
            "channel": "call",
            "at": "2025-06-09T10:00",
            "ask": "1",
        },
    )
    assert response.status_code == 422
    assert 'id="e-contact_point_id"' in response.text
    assert "Contact point: " in response.text


# ---- client policies ---------------------------------------------------------------------


def test_policy_list_shows_each_client_and_its_version(
    client: TestClient, db: Session, workspace_officer: User
) -> None:
    acme, bolt = ClientFactory(name="Acme Media"), ClientFactory(name="Bolt Energy")
    service.set_policy(
        db, client_id=acme.id, values={"sms_per_7_days": 2}, reason="fewer texts", actor_id=None
    )
    page = client.get("/compliance/policies").text
    acme_row = page[page.index(f'href="/compliance/policies/{acme.id}"') :]
    assert '<td class="num">1</td>' in acme_row[: acme_row.index("</tr>")]
    bolt_row = page[page.index(f'href="/compliance/policies/{bolt.id}"') :]
    assert "defaults" in bolt_row[: bolt_row.index("</tr>")]


def test_policy_edit_creates_version_2_with_reason_and_a_ledger_entry(
    client: TestClient, db: Session, workspace_officer: User
) -> None:
    acme = ClientFactory(name="Acme Media")
    service.set_policy(
        db, client_id=acme.id, values={"sms_per_7_days": 2}, reason="start", actor_id=None
    )
    page = client.get(f"/compliance/policies/{acme.id}").text
    assert "version 1" in page
    assert 'name="sms_per_7_days" value="2"' in page
    assert 'name="all_candidate_zones" id="f-all_candidate_zones" checked' in page
    row = page[page.index('<tr data-field="emails_per_7_days">') :]
    assert '<span class="badge">default</span>' in row[: row.index("</tr>")]

    form = {
        "all_candidate_zones": "on",
        "block_work_email": "",  # unchecked boxes are not sent
        "nyc_communications_per_7_days": "2",
        "sms_per_7_days": "1",
        "emails_per_7_days": "3",
        "uk_hours_start": "09:00",
        "uk_hours_end": "20:00",
        "uk_contacts_per_7_days": "3",
        "reason": "Client asked for quieter UK hours",
    }
    del form["block_work_email"]
    with clock.frozen(OFFICE_HOURS):
        response = post_form(client, f"/compliance/policies/{acme.id}", form)
    assert response.status_code == 303
    versions = db.scalars(
        select(ClientPolicy).where(ClientPolicy.client_id == acme.id).order_by(ClientPolicy.version)
    ).all()
    assert [v.version for v in versions] == [1, 2]
    latest = versions[-1]
    assert latest.reason == "Client asked for quieter UK hours"
    assert latest.changed_by_id == workspace_officer.id
    assert latest.values == {
        "block_work_email": False,
        "sms_per_7_days": 1,
        "uk_hours_start": "09:00",
        "uk_hours_end": "20:00",
    }
    entry = db.scalar(
        select(LedgerEntry)
        .where(LedgerEntry.kind == EntryKind.POLICY, LedgerEntry.policy_version == 2)
        .order_by(LedgerEntry.id.desc())
    )
    assert entry is not None and entry.detail["client_id"] == acme.id
    assert entry.actor_id == workspace_officer.id

    page = client.get(f"/compliance/policies/{acme.id}").text
    assert "version 2" in page
    history = page[page.index('id="policy-history"') :]
    v2 = history[history.index('<tr data-version="2">') :]
    v2 = v2[: v2.index("</tr>")]
    assert "Casey Officer" in v2 and "quieter UK hours" in v2
    assert "Texts per person per debt in 7 days: 2 → 1" in v2
    assert "UK: contact allowed from: 08:00 → 09:00" in v2
    assert "No e-mail to a work address the consumer has not used with us: yes → no" in v2
    v1 = history[history.index('<tr data-version="1">') :]
    assert "Texts per person per debt in 7 days: 3 → 2" in v1[: v1.index("</tr>")]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"sms_per_7_days": "lots"}, "sms_per_7_days", "a whole number from 0 to 100"),
        ({"emails_per_7_days": "101"}, "emails_per_7_days", "a whole number from 0 to 100"),
        ({"uk_hours_start": "9am"}, "uk_hours_start", "a time, HH:MM"),
        ({"uk_hours_start": "22:00"}, "uk_hours_end", "must be after uk_hours_start"),
        ({"reason": "  "}, "reason", "say why the policy changes"),
    ],
)
def test_bad_policy_values_are_refused_inline(
    client: TestClient,
    db: Session,
    workspace_officer: User,
    change: dict[str, str],
    field: str,
    message: str,
) -> None:
    acme = ClientFactory()
    form = {"sms_per_7_days": "2", "reason": "tighter"} | change
    entries = ledger_count(db)
    response = post_form(client, f"/compliance/policies/{acme.id}", form)
    assert response.status_code == 422
    assert message in response.text
    assert f'id="e-{field}"' in response.text
    assert db.scalar(select(func.count()).select_from(ClientPolicy)) == 0
    assert ledger_count(db) == entries


def test_admins_read_policies_but_cannot_change_them(client: TestClient, db: Session) -> None:
    acme = ClientFactory()
    sign_in(client, db, UserFactory(role=Role.ADMIN))
    page = client.get(f"/compliance/policies/{acme.id}")
    assert page.status_code == 200
    assert "Only compliance officers change policies." in page.text
    assert "Save as a new version" not in page.text
    response = post_form(client, f"/compliance/policies/{acme.id}", {"reason": "x"})
    assert response.status_code == 403
    assert client.get("/compliance/policies/999999").status_code == 404


def test_sixteen_series_each_look_different(client: TestClient) -> None:
    """Eight colours, then the same eight hatched: no two of 16 rules share a look."""
    css = client.get("/static/agency.css").text
    fills = dict(re.findall(r"\.series-(\d+) \{ fill: ([^;]+);", css))
    assert sorted(int(n) for n in fills) == list(range(16))
    assert len(set(fills.values())) == 16
    template = (ROOT / "templates" / "compliance" / "blocked.html").read_text()
    assert template.count("<pattern ") == 1 and 'id="hatch-{{ loop.index0 + 8 }}"' in template
