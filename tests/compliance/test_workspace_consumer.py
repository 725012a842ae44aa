"""A consumer's compliance timeline, and officers recording facts through its form."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agency.auth.models import Role, User
from agency.compliance import service
from agency.compliance.models import ComplianceFact, FactKind, LedgerEntry, Source
from agency.kit import clock
from tests.fixtures.compliance import (
    NIGHT,
    OFFICE_HOURS,
    Debtor,
    flags,
    gate_at,
    make_debtor,
)
from tests.fixtures.factories import ClientFactory, UserFactory, case_for
from tests.fixtures.web import post_form, sign_in


def timeline_ids(html: str) -> list[int]:
    section = html[html.index('id="timeline"') :]
    return [int(i) for i in re.findall(r'<li class="entry[^"]*" data-entry="(\d+)">', section)]


def test_timeline_shows_the_consumer_points_cases_facts_and_every_entry_newest_first(
    client: TestClient, db: Session, workspace_officer: User
) -> None:
    agent = UserFactory(role=Role.AGENT, full_name="Alex Agent")
    debtor = make_debtor(first_name="Dana", last_name="Lind", reference="ACME-77")
    second = case_for(ClientFactory(name="Bolt Energy"), consumer=debtor.consumer)
    call = gate_at(db, debtor, OFFICE_HOURS, actor=agent).entry
    with clock.frozen(OFFICE_HOURS + timedelta(minutes=5)):
        outcome = service.record_outcome(
            db, attempt_id=call.id, outcome="conversation", actor_id=agent.id, source=Source.AGENT
        )
    blocked = gate_at(db, debtor, NIGHT, actor=agent).entry
    with clock.frozen(NIGHT + timedelta(hours=12)):
        inbound = service.record_inbound(
            db,
            consumer_id=debtor.consumer.id,
            channel="sms",
            contact_point_id=debtor.phone.id,
            case_ids=[debtor.case.id],
            outcome="delivered",
            actor_id=None,
            reply_text="STOP",
        )

    page = client.get(f"/compliance/consumers/{debtor.consumer.id}")
    assert page.status_code == 200
    html = page.text
    assert "Dana Lind" in html
    assert "US · IL · 60601" in html
    assert "America/Chicago" in html
    assert debtor.phone.value in html  # the officer sees the consumer's own points
    assert "opted out" in html  # the STOP reply set the flag
    assert ">ACME-77</a>" in html and "Bolt Energy" in html and second.client_reference in html

    ids = timeline_ids(html)
    entries = db.scalars(
        select(LedgerEntry.id)
        .where(LedgerEntry.consumer_id == debtor.consumer.id)
        .where(LedgerEntry.kind != "outcome")
        .order_by(LedgerEntry.id.desc())
    ).all()
    assert ids == list(entries)  # every entry but outcomes, newest first
    assert ids.index(inbound.id) < ids.index(blocked.id) < ids.index(call.id)

    # The blocked attempt, with its rule in plain words and the next allowed time.
    block = html[html.index(f'data-entry="{blocked.id}"') :]
    block = block[: block.index("</li>\n")]
    assert "blocked" in block and "US-REGF-TIME" in block and "Convenient hours" in block
    assert "Calls, texts, e-mails and letters are only allowed between 08:00 and 21:00" in block
    assert "Next allowed 2025-06-16 13:00 UTC" in block  # the conversation: day 8
    assert "Alex Agent" in block
    # The outcome sits under its attempt.
    attempt = html[html.index(f'data-entry="{call.id}"') :]
    assert f'<li data-entry="{outcome.id}">' in attempt[: attempt.index("</li>\n")]
    assert "conversation" in attempt
    # The STOP reply and the facts it caused.
    assert "reply read as revoke" in html
    assert "consent revoked" in html and "opt out" in html
    evidence = f'href="/compliance/consumers/{debtor.consumer.id}/evidence.pdf"'
    assert evidence in html


def test_unknown_consumer_is_404(client: TestClient, workspace_officer: User) -> None:
    assert client.get("/compliance/consumers/999999").status_code == 404
    assert client.get("/compliance/consumers/999999/evidence.pdf").status_code == 404
    assert (
        post_form(client, "/compliance/consumers/999999/facts", {"kind": "cease"}).status_code
        == 404
    )


def record(client: TestClient, debtor: Debtor, **data: Any) -> Any:
    return post_form(client, f"/compliance/consumers/{debtor.consumer.id}/facts", data)


def newest_fact(db: Session, debtor: Debtor) -> ComplianceFact:
    fact = db.scalar(
        select(ComplianceFact)
        .where(ComplianceFact.consumer_id == debtor.consumer.id)
        .order_by(ComplianceFact.id.desc())
        .limit(1)
    )
    assert fact is not None
    return fact


FACT_FORMS: list[tuple[FactKind, dict[str, Any], dict[str, Any]]] = [
    (FactKind.CALL_CONSENT, {"case_id": "case"}, {}),
    (FactKind.AUTOMATED_CONSENT, {"contact_point_id": "phone"}, {}),
    (FactKind.CONSENT_REVOKED, {"contact_point_id": "phone"}, {}),
    (FactKind.OPT_OUT, {"contact_point_id": "email"}, {}),
    (FactKind.OPT_IN, {"contact_point_id": "email", "note": "said START"}, {"note": "said START"}),
    (FactKind.DO_NOT_CALL, {"contact_point_id": "phone"}, {}),
    (FactKind.DO_NOT_USE, {"contact_point_id": "email"}, {}),
    (FactKind.CEASE, {}, {"written": True}),
    (
        FactKind.ATTORNEY,
        {"case_id": "case", "attorney_name": "Lee Counsel", "attorney_phone": "+13125550199"},
        {"name": "Lee Counsel", "phone": "+13125550199"},
    ),
    (FactKind.DISPUTE, {"case_id": "case", "written": "on"}, {"written": True}),
    (FactKind.DISPUTE, {"case_id": "case"}, {"written": False}),
    (FactKind.VERIFICATION_SENT, {"case_id": "case"}, {}),
    (FactKind.VALIDATION_SENT, {"case_id": "case"}, {}),
    (
        FactKind.INCONVENIENT_TIME,
        {"inconvenient_from": "00:00", "inconvenient_to": "12:00", "inconvenient_days": ["0", "2"]},
        {"from": "00:00", "to": "12:00", "days": [0, 2]},
    ),
    (
        FactKind.INCONVENIENT_TIME,
        {"inconvenient_from": "18:00", "inconvenient_to": "20:30"},
        {"from": "18:00", "to": "20:30", "days": None},
    ),
    (FactKind.WORKPLACE_RESTRICTION, {"contact_point_id": "email"}, {}),
]


@pytest.mark.parametrize(("kind", "form", "detail"), FACT_FORMS)
def test_each_fact_kind_can_be_recorded_through_the_form(
    client: TestClient,
    db: Session,
    workspace_officer: User,
    kind: FactKind,
    form: dict[str, Any],
    detail: dict[str, Any],
) -> None:
    debtor = make_debtor()
    refs = {"case": debtor.case.id, "phone": debtor.phone.id, "email": debtor.email.id}
    data = {k: refs.get(v, v) if isinstance(v, str) else v for k, v in form.items()}
    with clock.frozen(OFFICE_HOURS):
        response = record(client, debtor, kind=kind.value, effective_at="2025-06-08T09:30", **data)
    assert response.status_code == 303, response.text
    fact = newest_fact(db, debtor)
    assert response.headers["location"] == (
        f"/compliance/consumers/{debtor.consumer.id}?recorded={fact.id}#timeline"
    )
    assert fact.kind is kind
    assert fact.source is Source.OFFICER
    assert fact.recorded_by_id == workspace_officer.id
    assert fact.effective_at == OFFICE_HOURS.replace(day=8, hour=9, minute=30)
    for key, value in detail.items():
        assert fact.detail.get(key) == value
    if "case_id" in data:
        assert fact.case_id == debtor.case.id
    if "contact_point_id" in data:
        assert fact.contact_point_id == data["contact_point_id"]
    entry = db.scalar(select(LedgerEntry).where(LedgerEntry.fact_id == fact.id))
    assert entry is not None and entry.actor_id == workspace_officer.id
    page = client.get(response.headers["location"]).text
    assert f'data-entry="{entry.id}"' in page
    assert f"fact {fact.id}: {kind.value}" in page


def test_withdrawing_a_fact_moves_it_to_withdrawn(
    client: TestClient, db: Session, workspace_officer: User
) -> None:
    debtor = make_debtor()
    with clock.frozen(OFFICE_HOURS):
        attorney = service.record_fact(
            db,
            consumer_id=debtor.consumer.id,
            kind=FactKind.ATTORNEY,
            actor_id=None,
            source=Source.AGENT,
            detail={"name": "Lee Counsel", "address": "1 Court St"},
        )
        response = record(client, debtor, kind="withdrawn", withdraw_fact_id=attorney.id)
    assert response.status_code == 303
    withdrawal = newest_fact(db, debtor)
    assert withdrawal.kind is FactKind.WITHDRAWN and withdrawal.detail == {"fact_id": attorney.id}
    page = client.get(f"/compliance/consumers/{debtor.consumer.id}").text
    in_force = page[page.index("Facts in force") : page.index("Withdrawn facts")]
    withdrawn = page[page.index("Withdrawn facts") :]
    assert f'data-fact="{attorney.id}"' not in in_force
    assert f'data-fact="{attorney.id}"' in withdrawn
    assert f"withdrawn by fact {withdrawal.id}" in withdrawn


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "opt_out"}, "contact_point_id", "Contact point: a opt_out fact needs one"),
        ({"kind": "dispute"}, "case_id", "Case: a dispute fact needs one"),
        ({"kind": "attorney", "attorney_phone": "555"}, "attorney_name", "Attorney name: required"),
        ({"kind": "attorney", "attorney_name": "Lee"}, "attorney_name", "give a phone, an e-mail"),
        (
            {"kind": "inconvenient_time", "inconvenient_from": "25:00", "inconvenient_to": "1"},
            "inconvenient_from",
            "from and to are times, HH:MM",
        ),
        ({"kind": "withdrawn"}, "withdraw_fact_id", "name the fact that is withdrawn"),
        ({"kind": "withdrawn", "withdraw_fact_id": "999999"}, "withdraw_fact_id", "no such fact"),
        (
            {"kind": "cease", "effective_at": "2030-01-01T00:00"},
            "effective_at",
            "cannot be in the future",
        ),
        ({"kind": "cease", "effective_at": "yesterday"}, "effective_at", "Effective "),
        ({"kind": "gossip"}, "kind", "Kind must be one of"),
    ],
)
def test_a_bad_fact_is_refused_inline_and_nothing_is_written(
    client: TestClient,
    db: Session,
    workspace_officer: User,
    data: dict[str, Any],
    field: str,
    message: str,
) -> None:
    debtor = make_debtor()
    entries = db.scalar(select(func.count()).select_from(LedgerEntry))
    facts = db.scalar(select(func.count()).select_from(ComplianceFact))
    with clock.frozen(OFFICE_HOURS):
        response = record(client, debtor, note="kept note", **data)
    assert response.status_code == 422
    assert message in response.text
    assert f'id="e-{field}"' in response.text
    assert 'value="kept note"' in response.text  # the values are kept
    assert db.scalar(select(func.count()).select_from(LedgerEntry)) == entries
    assert db.scalar(select(func.count()).select_from(ComplianceFact)) == facts


def test_a_point_of_another_consumer_is_refused(
    client: TestClient, db: Session, workspace_officer: User
) -> None:
    debtor, other = make_debtor(), make_debtor()
    response = record(client, debtor, kind="do_not_call", contact_point_id=other.phone.id)
    assert response.status_code == 422
    assert "not one of this consumer" in response.text
    assert not flags(db, other.phone).do_not_call


def test_admin_reads_the_timeline_without_the_fact_form(client: TestClient, db: Session) -> None:
    debtor = make_debtor()
    sign_in(client, db, UserFactory(role=Role.ADMIN))
    page = client.get(f"/compliance/consumers/{debtor.consumer.id}")
    assert page.status_code == 200
    assert "Record a fact" not in page.text


def test_the_consumer_list_links_officers_to_the_timeline(
    client: TestClient, workspace_officer: User
) -> None:
    debtor = make_debtor(last_name="Zebulon")
    page = client.get("/consumers?q=Zebulon").text
    assert f'href="/compliance/consumers/{debtor.consumer.id}"' in page


def test_the_fact_form_shows_only_the_chosen_kinds_fields(
    client: TestClient, workspace_officer: User
) -> None:
    """Without JavaScript too: the kind is chosen by a GET form, the page comes back with
    that kind's fields only (htmx swaps the same panel in place)."""
    debtor = make_debtor()
    url = f"/compliance/consumers/{debtor.consumer.id}"
    dispute = client.get(url).text
    assert 'name="written"' in dispute
    assert 'name="attorney_name"' not in dispute and 'name="inconvenient_from"' not in dispute
    attorney = client.get(f"{url}?kind=attorney").text
    assert 'name="attorney_name"' in attorney and 'name="written"' not in attorney
    assert '<input type="hidden" name="kind" value="attorney">' in attorney
    assert 'name="until"' not in attorney
    assert 'name="until"' in client.get(f"{url}?kind=call_consent").text
    assert 'name="inconvenient_from"' in client.get(f"{url}?kind=inconvenient_time").text
    assert 'name="withdraw_fact_id"' in client.get(f"{url}?kind=withdrawn").text
    assert client.get(f"{url}?kind=nonsense").status_code == 422


def test_a_fact_naming_another_consumers_point_is_refused_whatever_its_kind(
    client: TestClient, db: Session, workspace_officer: User
) -> None:
    debtor, other = make_debtor(), make_debtor()
    for point_id in (str(other.phone.id), "999999"):
        answer = record(client, debtor, kind="cease", contact_point_id=point_id)
        assert answer.status_code == 422
        assert "not one of this consumer" in answer.text
    assert not db.scalars(
        select(ComplianceFact)
        .where(ComplianceFact.consumer_id == debtor.consumer.id)
        .where(ComplianceFact.kind == FactKind.CEASE)
    ).all()
