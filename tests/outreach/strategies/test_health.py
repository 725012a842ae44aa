"""The runner's health page: due now, what the runner did in the last hour and day with
the rules that deferred steps, and links to the cases; supervisors and admins only."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.kit import clock
from agency.outreach.strategies import runner
from tests.fixtures.factories import UserFactory
from tests.fixtures.web import sign_in
from tests.outreach.strategies import world as w


def test_the_supervisor_sees_deferrals_by_rule_with_the_case(
    client: TestClient, db: Session
) -> None:
    world = w.build([w.NOTICE, w.step("text", "sms", at="00:00")], db=db)
    with clock.frozen(w.TUESDAY_3):
        while runner.work(db):
            pass
        sign_in(client, db, UserFactory(role=Role.SUPERVISOR))
        page = client.get("/supervisor/strategies/health")
    assert page.status_code == 200
    html = page.text
    assert 'id="health-due">0' in html
    assert '<th scope="row">Deferred by the gate</th><td class="num">1</td>' in html
    assert f'href="/cases/{world.case_id}#case-strategy"' in html
    assert "deferred by the gate" in html
    with clock.frozen(w.TUESDAY_10):  # the deferral's time come: due, not yet run
        sign_in(client, db, UserFactory(role=Role.SUPERVISOR))
        assert 'id="health-due">1' in client.get("/supervisor/strategies/health").text


def test_agents_may_not_see_it(client: TestClient, db: Session) -> None:
    sign_in(client, db, UserFactory(role=Role.AGENT))
    assert client.get("/supervisor/strategies/health").status_code == 403


def test_the_rules_are_counted_over_every_deferral_and_skip_most_first(
    client: TestClient, db: Session
) -> None:
    from datetime import timedelta

    from agency.outreach.strategies import events, records

    world = w.build([w.NOTICE], db=db)
    now = w.TUESDAY_10
    made = [("deferred", ["US-MA-CALLS", "US-REGF-TIME"], now - timedelta(minutes=5)),
            ("skipped", ["US-MA-CALLS"], now - timedelta(minutes=20)),
            ("deferred", ["US-REGF-7IN7"], now - timedelta(hours=5)),  # the day, not the hour
            ("queued", ["US-IGNORED"], now - timedelta(minutes=1)),  # not a refusal
            ("deferred", ["US-OLD"], now - timedelta(days=2))]  # fmt: skip
    records.write(db, [events.event(world.case_id, kind, "w", rule_ids=ids, at=at)
                       for kind, ids, at in made])  # fmt: skip
    with clock.frozen(now):
        sign_in(client, db, UserFactory(role=Role.SUPERVISOR))
        html = client.get("/supervisor/strategies/health").text
    hour = html.split('id="health-rules-hour">')[1].split("</ul>")[0]
    day = html.split('id="health-rules-day">')[1].split("</ul>")[0]
    assert hour == ("<li><strong>US-MA-CALLS</strong>: 2</li>"
                    "<li><strong>US-REGF-TIME</strong>: 1</li>")  # fmt: skip
    assert day.count("<li>") == 3 and day.endswith("<li><strong>US-REGF-TIME</strong>: 1</li>")
    assert "US-IGNORED" not in html and "US-OLD" not in html
