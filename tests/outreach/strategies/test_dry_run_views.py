"""The dry-run page, its form used as rendered: blank fields are "not asked", a case's
next 30 days with the rule that would defer a step, the segment's sums, a bad case
number said at the field."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.cases.models import Consumer
from agency.kit import clock
from tests.fixtures.factories import UserFactory
from tests.fixtures.forms import form_fields, rendered_form, with_values
from tests.fixtures.web import sign_in
from tests.outreach.strategies import world as w
from tests.outreach.strategies.test_editor_views import as_data

TEXTS = [w.NOTICE] + [w.step(f"text-{n}", "sms", days=1 if n else 0, at="10:00") for n in range(3)]


def test_a_massachusetts_case_and_its_segment_dry_run(client: TestClient, db: Session) -> None:
    world = w.build(TEXTS, db=db)
    db.execute(update(Consumer).values(region="MA", timezones=["America/New_York"]))
    with clock.frozen(w.TUESDAY_10):
        sign_in(client, db, UserFactory(role=Role.SUPERVISOR))
        url = f"/supervisor/strategies/{world.strategy_id}/dry-run"
        action, fields, _ = rendered_form(client.get(url).text, "dry-run-form")
        blank = client.get(action, params=fields)
        assert blank.status_code == 200 and "dry-run-lines" not in blank.text
        asked = client.get(
            action, params=fields | {"case_id": str(world.case_id), "segment": "yes"}
        )
    html = asked.text
    assert asked.status_code == 200
    assert "text-2</strong> · deferred" in html
    assert "Massachusetts call limit" in html and "940 CMR 7.04(1)(f)" in html
    assert (
        'id="segment-rules"><li><strong>Massachusetts call limit</strong> (US-MA-CALLS): 1' in html
    )


def test_a_bad_case_number_is_said_not_answered_422(client: TestClient, db: Session) -> None:
    world = w.build(TEXTS, db=db)
    sign_in(client, db, UserFactory(role=Role.SUPERVISOR))
    url = f"/supervisor/strategies/{world.strategy_id}/dry-run"
    for typed, said in (("12x", "must be a case number"), ("999999", "there is no case 999999")):
        page = client.get(url, params={"case_id": typed, "segment": ""})
        assert page.status_code == 200 and said in page.text


def test_the_editor_dry_runs_the_steps_it_holds_before_publishing(
    client: TestClient, db: Session
) -> None:
    world = w.build(TEXTS, db=db)
    db.execute(update(Consumer).values(region="MA", timezones=["America/New_York"]))
    with clock.frozen(w.TUESDAY_10):
        sign_in(client, db, UserFactory(role=Role.SUPERVISOR))
        url = f"/supervisor/strategies/{world.strategy_id}/edit"
        fields = form_fields(client.get(url).text, url)
        pressed = [*fields, ("do", "dry-run")]  # the button, as a browser sends it
        asked = client.post(url, data=as_data(with_values(pressed, dry_case=str(world.case_id))))
        assert asked.status_code == 200, asked.text[-800:]
        assert "text-2</strong> · deferred" in asked.text and "US-MA-CALLS" in asked.text
        broken = client.post(url, data=as_data(with_values(pressed, **{"steps-1-days": "x"})))
    assert broken.status_code == 422 and 'id="dry-run-lines"' not in broken.text
    assert w.versions_of(db, world) == 1  # nothing published
