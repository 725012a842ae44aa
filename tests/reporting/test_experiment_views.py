"""Champion / challenger on screen, the way a supervisor goes: from a contract's
strategy rules to "Try a challenger", the form submitted as rendered, the experiment's
page with its results, and the end form's two buttons; refusals at their field, a second
click on "End" refused in words, and nobody else let in."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.clients.models import Contract
from agency.outreach import demo_templates
from agency.outreach.strategies import assignment, experiments, versions
from agency.outreach.strategies.models import Strategy, StrategyRule
from tests.fixtures.factories import ClientFactory, ContractFactory, UserFactory
from tests.fixtures.forms import form_fields, with_values
from tests.fixtures.web import sign_in
from tests.outreach.strategies.test_editor_views import as_data
from tests.outreach.strategies.world import NOTICE


def published(db: Session, name: str) -> Strategy:
    s = versions.create(db, name=name, country="US", currency="USD", notice_by_client=False,
                        by_user_id=None)  # fmt: skip
    versions.publish(db, strategy=s, steps=[NOTICE], reason="launch", by_user_id=None)
    return s


@pytest.fixture
def contract(db: Session) -> Contract:
    demo_templates.save_all(db)
    return ContractFactory(reference="TERMS-9", client=ClientFactory(name="Acme Media"))


@pytest.fixture
def rule(db: Session, contract: Contract) -> StrategyRule:
    return assignment.save_rule(db, contract=contract, strategy_id=published(db, "Letters").id,
                                segment=assignment.Segment(), by_user_id=None)  # fmt: skip


def link(html: str, words: str) -> str:
    """The href of the link whose text is ``words``."""
    return html.split(f'">{words}</a>')[0].rsplit('href="', 1)[1]


def test_a_supervisor_starts_an_experiment_reads_it_and_promotes_the_challenger(
    client: TestClient, db: Session, contract: Contract, rule: StrategyRule
) -> None:
    texts = published(db, "Texts")
    sign_in(client, db, UserFactory(role=Role.SUPERVISOR, full_name="Sue Supervisor"))
    rules = client.get(f"/supervisor/contracts/{contract.id}/strategy-rules")
    url = link(rules.text, "Try a challenger")
    page = client.get(url)
    assert page.status_code == 200
    fields = form_fields(page.text, url)
    assert dict(fields)["percent"] == "20"
    assert dict(fields)["challenger_id"] == str(texts.id)  # the one other strategy
    started = client.post(url, data=as_data(with_values(fields, reason="texts on day 1")))
    assert started.status_code == 303, started.text[-800:]
    experiment = experiments.open_of(db, rule.id)
    assert experiment is not None and experiment.challenger_percent == 20
    assert started.headers["location"] == f"/supervisor/experiments/{experiment.id}"

    shown = client.get(started.headers["location"])
    assert "Experiment started: 20 % of the rule" in shown.text
    table = shown.text.split('id="experiment-results"')[1].split("</table>")[0]
    assert "Champion (0 cases)" in table and "Right-party contact rate" in table
    assert "no cases" in table
    assert "by Sue Supervisor" in shown.text
    listed = client.get("/supervisor/experiments").text
    assert "texts on day 1" in listed and "80/20" in listed and "Acme Media · TERMS-9" in listed
    assert (
        "80/20 against Texts (US, USD)"
        in client.get(f"/supervisor/contracts/{contract.id}/strategy-rules").text
    )

    end_url = f"/supervisor/experiments/{experiment.id}/end"
    fields = form_fields(shown.text, end_url)
    blank = client.post(end_url, data=as_data([*fields, ("promote", "yes")]))
    assert blank.status_code == 422
    assert 'id="e-end_reason"' in blank.text
    assert experiment.ended_at is None
    fields = with_values(fields, end_reason="more collected per case")
    ended = client.post(end_url, data=as_data([*fields, ("promote", "yes")]))
    assert ended.status_code == 303
    page = client.get(ended.headers["location"]).text
    assert "Experiment ended, the challenger promoted" in page
    assert "The challenger was promoted" in page and end_url not in page
    db.refresh(rule)
    assert rule.strategy_id == texts.id
    again = client.post(end_url, data=as_data([*fields, ("promote", "no")]))
    assert again.status_code == 422 and "has already ended" in again.text


def test_a_refused_start_is_shown_at_its_field_and_writes_nothing(
    client: TestClient, db: Session, contract: Contract, rule: StrategyRule
) -> None:
    published(db, "Texts")
    sign_in(client, db, UserFactory(role=Role.ADMIN))
    url = f"/supervisor/contracts/{contract.id}/strategy-rules/{rule.id}/experiment"
    fields = form_fields(client.get(url).text, url)
    answer = client.post(url, data=as_data(with_values(fields, percent="80", reason="more")))
    assert answer.status_code == 422
    assert "must be at most 50" in answer.text.split('id="e-percent">')[1].split("</span>")[0]
    assert dict(form_fields(answer.text, url))["percent"] == "80"
    assert experiments.open_of(db, rule.id) is None


def test_other_contracts_rules_and_other_roles_are_kept_out(
    client: TestClient, db: Session, contract: Contract, rule: StrategyRule
) -> None:
    sign_in(client, db, UserFactory(role=Role.SUPERVISOR))
    other = ContractFactory()
    assert client.get(f"/supervisor/contracts/{other.id}/strategy-rules/{rule.id}/experiment"
                      ).status_code == 404  # fmt: skip
    assert client.get("/supervisor/experiments/999999").status_code == 404
    experiment = experiments.start(db, contract=contract, rule=rule,
                                   challenger_id=published(db, "Texts").id, percent=10,
                                   reason="texts", by_user_id=None)  # fmt: skip
    for role in (Role.AGENT, Role.MERCHANT, Role.COMPLIANCE):
        client.cookies.clear()
        sign_in(client, db, UserFactory(role=role, client_id=contract.client_id
                                        if role is Role.MERCHANT else None))  # fmt: skip
        assert client.get(f"/supervisor/experiments/{experiment.id}").status_code == 403
        assert client.get("/supervisor/experiments").status_code == 403
