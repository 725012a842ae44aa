"""The case page's status menu offers only what a person decides (close for a reason that
is a judgement; resume a disputed or held case once nothing in force stops it); the
statuses that stand for facts come from recording the fact, and a hand-made post of one
is refused with a sentence saying where it comes from."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agency.auth.models import Role, User
from agency.cases.models import Case, CaseStatus, StatusChange
from agency.compliance import service as compliance
from agency.compliance.models import FactKind, Source
from agency.kit import clock
from tests.fixtures.compliance import OFFICE_HOURS, Debtor, make_debtor
from tests.fixtures.factories import UserFactory
from tests.fixtures.forms import rendered_form
from tests.fixtures.web import post_form, sign_in

HTMX = {"HX-Request": "true", "HX-Target": "workspace"}


@pytest.fixture
def agent(client: TestClient, db: Session) -> User:
    user: User = UserFactory(role=Role.AGENT)
    sign_in(client, db, user)
    return user


@pytest.fixture
def debtor(db: Session, agent: User) -> Debtor:
    made = make_debtor(phone="+13125550142")
    made.case.principal_minor, made.case.interest_minor, made.case.fees_minor = 259_814, 0, 0
    made.case.assigned_agent_id = agent.id
    db.flush()
    return made


def page(client: TestClient, case: Case) -> str:
    with clock.frozen(OFFICE_HOURS):
        response = client.get(f"/cases/{case.id}")
    assert response.status_code == 200
    return response.text


def submit(
    client: TestClient, html: str, form_id: str, headers: dict[str, str] | None = None, **typed: str
) -> str:
    """Post ``form_id`` as rendered, with what the person typed or chose."""
    action, fields, _ = rendered_form(html, form_id)
    with clock.frozen(OFFICE_HOURS):
        response = post_form(
            client, action, {**fields, **typed}, headers=HTMX if headers is None else headers
        )
    assert response.status_code == (200 if headers is None else 422)
    return response.text


def status_of(db: Session, case: Case) -> CaseStatus:
    db.expire_all()
    found = db.get(Case, case.id)
    assert found is not None
    return found.status


def test_the_menu_offers_only_closing_for_a_judgement(
    client: TestClient, db: Session, debtor: Debtor
) -> None:
    html = page(client, debtor.case)
    assert 'id="resume-form"' not in html  # nothing to resume on a new case
    _, fields, options = rendered_form(html, "close-form")
    assert fields["to"] == "closed"
    assert options["close_reason"] == ["", "uncollectible", "fraud", "client_request"]
    # Submitted as rendered with nothing chosen: the reason is asked for, nothing changes.
    blank = submit(client, html, "close-form")
    assert "Close reason: say why the case is closed" in blank
    closed = submit(client, html, "close-form", close_reason="uncollectible", reason="no assets")
    assert "The case is now closed." in closed
    # Closed: no Call button, nothing more to record, and no menu.
    assert 'id="call-button"' not in closed and 'id="record-callback"' not in closed
    assert 'id="case-closed"' in closed and "(uncollectible)" in closed
    assert 'id="close-form"' not in closed
    assert status_of(db, debtor.case) is CaseStatus.CLOSED


@pytest.mark.parametrize(
    ("typed", "sentence"),
    [
        (
            {"to": "paid"},
            "Status: a case is paid when posted payments clear its balance "
            "($2,598.14 is still owed)",
        ),
        ({"to": "disputed"}, "Status: a case becomes disputed when the consumer&#39;s dispute is"),
        ({"to": "hold"}, "Status: a case goes on hold when a written dispute, a cease request"),
        ({"to": "settled"}, "Status: a case is settled when the payments of an approved"),
        ({"to": "recalled"}, "Status: a case is recalled when its client recalls it"),
        ({"to": "contacted"}, "Status: a case becomes contacted when a call&#39;s outcome"),
        ({"to": "active"}, "Status: collection is resumed by hand only on a disputed or held"),
        (
            {"to": "closed", "close_reason": "paid_in_full"},
            "Close reason: a case is closed as paid in full when payments clear its balance",
        ),
        (
            {"to": "closed", "close_reason": "deceased"},
            "Close reason: record the death under Record, Deceased",
        ),
    ],
)
def test_a_hand_made_post_of_a_fact_status_is_refused_with_a_sentence(
    client: TestClient, db: Session, debtor: Debtor, typed: dict[str, str], sentence: str
) -> None:
    html = page(client, debtor.case)
    refused = submit(client, html, "close-form", headers={}, reason="by hand", **typed)
    assert sentence in refused
    assert 'id="call-button"' in refused  # the case is still worked
    assert status_of(db, debtor.case) is CaseStatus.NEW
    assert db.scalar(select(func.count()).select_from(StatusChange)) == 0


def test_a_disputed_case_resumes_only_once_its_dispute_is_verified(
    client: TestClient, db: Session, agent: User, debtor: Debtor
) -> None:
    html = page(client, debtor.case)
    # Oral, after the validation period: the debt is disputed, collection goes on.
    disputed = submit(client, html, "record-dispute-form", received="2025-06-09")
    assert status_of(db, debtor.case) is CaseStatus.DISPUTED
    assert 'id="resume-form"' in disputed
    refused = submit(client, disputed, "resume-form", headers={}, reason="sorted out")
    assert (
        "Status: collection cannot resume while the dispute received 2025-06-09 has had no "
        "verification sent"
    ) in refused
    assert status_of(db, debtor.case) is CaseStatus.DISPUTED
    with clock.frozen(OFFICE_HOURS):
        compliance.record_fact(
            db,
            consumer_id=debtor.consumer.id,
            kind=FactKind.VERIFICATION_SENT,
            actor_id=None,
            source=Source.SYSTEM,
            case_id=debtor.case.id,
        )
    resumed = submit(client, page(client, debtor.case), "resume-form", reason="verified")
    assert "The case is now active." in resumed
    assert status_of(db, debtor.case) is CaseStatus.ACTIVE
