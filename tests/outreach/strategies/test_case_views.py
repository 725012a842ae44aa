"""The case page's strategy panel: loaded by the case page, it shows the strategy, the
current step in words and when it is due, and what the runner did (a deferral with the
rule the gate named); whoever may work the case pauses and resumes it with the form as
rendered (a blank reason refused at the field); merchants never see it."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.kit import clock
from agency.outreach.strategies import runner
from agency.outreach.strategies.models import EnrolmentState
from tests.fixtures.factories import UserFactory
from tests.fixtures.forms import rendered_form
from tests.fixtures.web import sign_in
from tests.outreach.strategies import world as w


def deferred_world(db: Session) -> w.World:
    world = w.build([w.NOTICE, w.step("text", "sms", at="00:00")], db=db)
    with clock.frozen(w.TUESDAY_3):
        while runner.work(db):
            pass
    return world


def test_the_panel_shows_the_step_its_time_and_the_gates_rule(
    client: TestClient, db: Session
) -> None:
    world = deferred_world(db)
    sign_in(client, db, UserFactory(role=Role.SUPERVISOR))
    page = client.get(f"/cases/{world.case_id}").text
    assert f'hx-get="/cases/{world.case_id}/strategy"' in page
    panel = client.get(
        f"/cases/{world.case_id}/strategy",
        headers={"HX-Request": "true", "HX-Target": "case-strategy"},
    )
    assert panel.status_code == 200
    html = panel.text
    assert "<html" not in html  # the block alone, for the swap
    assert "Early, version 1" in html and "running" in html
    assert 'id="strategy-step">text: ' in html
    assert "8:00" in html  # due again when the gate allows: 08:00 in Chicago
    assert "deferred by the gate" in html and "US-" in html
    assert f"/dry-run?case_id={world.case_id}" in html


def test_pause_and_resume_with_the_form_as_rendered(client: TestClient, db: Session) -> None:
    world = deferred_world(db)
    sign_in(client, db, UserFactory(role=Role.SUPERVISOR))
    url = f"/cases/{world.case_id}/strategy"
    action, fields, _ = rendered_form(client.get(url).text, "strategy-pause")
    blank = client.post(action, data=fields)
    assert blank.status_code == 422
    assert 'id="e-strategy-reason">say why' in blank.text
    done = client.post(action, data=fields | {"reason": "consumer in hospital"})
    assert (done.status_code, done.headers["location"]) == (303, url)
    page = client.get(url).text
    assert "paused: consumer in hospital" in page
    assert w.enrolment(db, world).state is EnrolmentState.PAUSED
    action, fields, _ = rendered_form(page, "strategy-resume")
    assert client.post(action, data=fields | {"reason": "home again"}).status_code == 303
    assert w.enrolment(db, world).state is EnrolmentState.ACTIVE
    assert [k for k, _ in w.kinds(db, world)][-2:] == ["paused", "resumed"]


def test_a_compliance_officer_reads_it_but_has_no_form(client: TestClient, db: Session) -> None:
    world = deferred_world(db)
    sign_in(client, db, UserFactory(role=Role.COMPLIANCE))
    page = client.get(f"/cases/{world.case_id}/strategy")
    assert page.status_code == 200 and "strategy-pause" not in page.text
    fields = {"reason": "no"}
    refused = client.post(f"/cases/{world.case_id}/strategy/pause", data=fields)
    assert refused.status_code in (403, 404)
