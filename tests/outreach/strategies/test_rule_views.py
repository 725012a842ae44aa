"""A contract's strategy rules on screen: added and changed through the form as it is
rendered, listed in the order they are tried, each save in the history in words (who,
when, before → after); a refusal shown at its field with nothing written."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.clients.models import Contract
from agency.outreach.strategies import assignment, versions
from agency.outreach.strategies.models import Strategy
from tests.fixtures.factories import ClientFactory, ContractFactory, UserFactory
from tests.fixtures.forms import form_fields, with_values
from tests.fixtures.web import post_form, sign_in
from tests.outreach.strategies.test_editor_views import as_data


def strategy(db: Session, name: str, **changes: object) -> Strategy:
    values: dict[str, object] = {"country": "US", "currency": "USD", "notice_by_client": False}
    return versions.create(db, name=name, by_user_id=None, **(values | changes))  # type: ignore[arg-type]


@pytest.fixture
def contract(db: Session) -> Contract:
    return ContractFactory(reference="TERMS-1", client=ClientFactory(name="Acme Media"))


def rules_url(contract: Contract) -> str:
    return f"/supervisor/contracts/{contract.id}/strategy-rules"


def form_of(client: TestClient, contract: Contract, rule: int | None = None) -> tuple[str, list]:
    url = rules_url(contract) + "/edit" + (f"?rule={rule}" if rule else "")
    page = client.get(url)
    assert page.status_code == 200
    return url, form_fields(page.text, url)


def test_a_rule_added_and_changed_shows_its_history_in_words(
    client: TestClient, db: Session, contract: Contract
) -> None:
    early, late = strategy(db, "Early"), strategy(db, "Late")
    sign_in(client, db, UserFactory(role=Role.SUPERVISOR, full_name="Sue Supervisor"))
    url, fields = form_of(client, contract)
    assert dict(fields)["is_active"] == "on"  # blank conditions: any case
    fields = with_values(fields, strategy_id=str(early.id), max_balance="100.00")
    added = client.post(url, data=as_data([*fields, ("statuses", "new")]))
    assert added.status_code == 303, added.text[-1500:]
    (rule,) = assignment.rules_of(db, contract.id)
    assert (rule.max_balance_minor, rule.statuses, rule.min_age_days) == (10_000, ["new"], None)
    listed = client.get(rules_url(contract))
    assert "Strategy rule 1 added." in listed.text
    assert "balance 0\u2013$100.00; statuses new" in listed.text

    url, fields = form_of(client, contract, rule.id)
    assert ("statuses", "new") in fields and dict(fields)["max_balance"] == "100.00"
    fields = with_values(fields, strategy_id=str(late.id), min_age_days="30")
    assert client.post(url, data=as_data(fields)).status_code == 303
    history = client.get(url).text.split('id="rule-history"')[1]
    assert history.count("Sue Supervisor") == 2
    changed, added_line = history.split("Changed:")[1].split("Added:")
    assert "Strategy: Early (US, USD) &rarr; Late (US, USD)" in changed
    assert "Placed: any &rarr; 30\u2013any days ago" in changed
    assert "Balance" not in changed  # unchanged: not listed
    assert "Balance: 0\u2013$100.00" in added_line


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"min_balance": "2.505"}, "min_balance", "more than 2 decimal places for USD"),
        ({"min_age_days": "40", "max_age_days": "10"}, "max_age_days", "below the lower end"),
        ({"language": "english"}, "language", "two-letter language code"),
        ({"country": "GB"}, "strategy_id", "is a strategy for US"),
    ],
)
def test_a_refusal_is_shown_at_its_field_and_nothing_is_written(
    client: TestClient, db: Session, contract: Contract, changes: dict[str, str], field: str,
    message: str,
) -> None:  # fmt: skip
    chosen = strategy(db, "Early")
    sign_in(client, db, UserFactory(role=Role.ADMIN))
    url, fields = form_of(client, contract)
    answer = client.post(url, data=as_data(with_values(fields, strategy_id=str(chosen.id),
                                                       **changes)))  # fmt: skip
    assert answer.status_code == 422
    error = answer.text.split(f'id="e-{field}">')[1].split("</span>")[0]
    assert message in error
    assert dict(form_fields(answer.text, url)) | changes == dict(form_fields(answer.text, url))
    assert assignment.rules_of(db, contract.id) == []


def test_a_strategy_in_another_currency_is_refused_by_name(
    client: TestClient, db: Session, contract: Contract
) -> None:
    canadian = strategy(db, "Canada", country="CA", currency="CAD")
    sign_in(client, db, UserFactory(role=Role.SUPERVISOR))
    url, fields = form_of(client, contract)
    answer = client.post(url, data=as_data(with_values(fields, strategy_id=str(canadian.id))))
    assert answer.status_code == 422
    assert "Strategy works in CAD; the contract is in USD." in answer.text


def test_another_contracts_rule_is_not_found_and_roles_are_checked(
    client: TestClient, db: Session, contract: Contract
) -> None:
    other = assignment.save_rule(db, contract=ContractFactory(), by_user_id=None,
                                 strategy_id=strategy(db, "Early").id,
                                 segment=assignment.Segment())  # fmt: skip
    sign_in(client, db, UserFactory(role=Role.SUPERVISOR))
    assert client.get(rules_url(contract) + f"/edit?rule={other.id}").status_code == 404
    assert client.get("/supervisor/contracts/999999/strategy-rules").status_code == 404
    for role in (Role.AGENT, Role.MERCHANT):
        client.cookies.clear()
        merchant_of = contract.client_id if role is Role.MERCHANT else None
        sign_in(client, db, UserFactory(role=role, client_id=merchant_of))
        assert client.get(rules_url(contract)).status_code == 403
        posted = post_form(client, rules_url(contract) + "/edit", {"strategy_id": "1"})
        assert posted.status_code == 403
    assert len(assignment.rules_of(db, other.contract_id)) == 1


def test_rules_move_up_and_down_by_their_buttons_with_history(
    client: TestClient, db: Session, contract: Contract
) -> None:
    names = ["Early", "Late", "Legal"]
    for name in names:
        assignment.save_rule(db, contract=contract, strategy_id=strategy(db, name).id,
                             segment=assignment.Segment(), by_user_id=None)  # fmt: skip
    sign_in(client, db, UserFactory(role=Role.SUPERVISOR, full_name="Sue Supervisor"))
    page = client.get(rules_url(contract)).text
    third = assignment.rules_of(db, contract.id)[2]
    move_url = f"{rules_url(contract)}/{third.id}/move"
    assert 'aria-label="Move rule 1 up"' not in page  # the first cannot go up
    assert 'aria-label="Move rule 3 down"' not in page  # nor the last down
    fields = form_fields(page, move_url)
    moved = client.post(move_url, data=as_data([*fields, ("direction", "up")]))
    assert moved.status_code == 303
    order = [r.strategy_id for r in assignment.rules_of(db, contract.id)]
    strategies = {s.id: s.name for s in db.scalars(select(Strategy))}
    assert [strategies[s] for s in order] == ["Early", "Legal", "Late"]
    assert "Strategy rule moved to 2." in client.get(rules_url(contract)).text
    history = client.get(f"{rules_url(contract)}/edit?rule={third.id}").text
    assert "Order: 3 &rarr; 2" in history.split('id="rule-history"')[1]
    first = assignment.rules_of(db, contract.id)[0]
    refused = client.post(f"{rules_url(contract)}/{first.id}/move",
                          data=as_data([*fields, ("direction", "up")]))  # fmt: skip
    assert refused.status_code == 303
    assert "Not moved: the rule is already the first rule." in client.get(rules_url(contract)).text
    assert [r.strategy_id for r in assignment.rules_of(db, contract.id)] == order
