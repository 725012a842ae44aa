"""The consumer picker on the ledger search and "what if": a consumer is found by name,
client reference, phone or e-mail (as the database keeps them), never by a numeric id
typed in, with or without JavaScript; only consumers the role may see."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from agency.auth.models import Role, User
from agency.compliance import repository
from agency.kit import clock
from tests.fixtures.compliance import OFFICE_HOURS, Debtor, gate_at, make_debtor
from tests.fixtures.factories import ClientFactory, UserFactory
from tests.fixtures.web import sign_in

# The ledger's search form as the page renders it: every field, blank ones included.
LEDGER_FORM = {
    "consumer": "",
    "case": "",
    "client_id": "",
    "agent_id": "",
    "channel": "",
    "rule": "",
    "decision": "",
    "kind": "",
    "since": "",
    "until": "",
}


class Two:
    def __init__(self, db: Session) -> None:
        acme = ClientFactory(name="Acme Media")
        self.ann = make_debtor(
            client=acme,
            first_name="Annabel",
            last_name="Quist",
            reference="ACME-77",
            phone="+13125550142",
            email="Annabel.Quist@example.org",  # as intake stores it (normalize_email)
        )
        self.anna = make_debtor(client=acme, first_name="Anna", last_name="Quist")
        self.bob = make_debtor(client=acme, first_name="Bob", last_name="Marr")
        for debtor in (self.ann, self.anna, self.bob):
            gate_at(db, debtor, OFFICE_HOURS)


@pytest.fixture
def two(db: Session) -> Two:
    with clock.frozen(OFFICE_HOURS):
        return Two(db)


def _entries(html: str) -> set[int]:
    return {int(i) for i in re.findall(r'<tr data-entry="(\d+)">', html)}


def _of(db: Session, debtor: Debtor) -> set[int]:
    return {e.id for e in repository.consumer_entries(db, debtor.consumer.id)}


def _ledger(client: TestClient, **fields: str) -> tuple[int, str]:
    response = client.get("/compliance/ledger", params=LEDGER_FORM | fields)
    return response.status_code, response.text


@pytest.mark.parametrize(
    "typed",
    [
        "Annabel Quist",  # the name
        "annabel",  # part of it, any case
        "acme-77",  # a client reference
        "(312) 555-0142",  # a phone as people write it: matched as E.164
        "Annabel.Quist@EXAMPLE.ORG",  # an e-mail, matched as stored (the domain in any case)
    ],
)
def test_a_search_of_one_match_picks_that_consumer(
    client: TestClient, db: Session, two: Two, workspace_officer: User, typed: str
) -> None:
    status, html = _ledger(client, consumer=typed)
    assert status == 200, html
    assert _entries(html) == _of(db, two.ann)
    # The form now holds the pick: the name in the box, the id hidden beside it.
    assert 'name="consumer" type="search" value="Annabel Quist"' in html
    assert f'<input type="hidden" name="consumer_id" value="{two.ann.consumer.id}">' in html


def test_several_matches_are_listed_to_pick_from(
    client: TestClient, db: Session, two: Two, workspace_officer: User
) -> None:
    status, html = _ledger(client, consumer="quist")
    assert status == 422
    assert "Consumer: 2 consumers match “quist”; pick one from the list." in html
    assert 'id="e-consumer"' in html and 'aria-invalid="true"' in html
    picks = re.findall(r'name="pick" value="(\d+)"[^>]*>([^<]+)<', html)
    assert [(int(i), label.split(" · ")[0]) for i, label in picks] == [
        (two.anna.consumer.id, "Anna Quist"),
        (two.ann.consumer.id, "Annabel Quist"),
    ]
    assert "ACME-77" in html  # the references say who is who
    # Pressing one of them submits the form with the text still typed: the pick wins.
    status, html = _ledger(client, consumer="quist", pick=str(two.anna.consumer.id))
    assert status == 200 and _entries(html) == _of(db, two.anna)


def test_the_hidden_pick_holds_until_the_text_is_changed(
    client: TestClient, db: Session, two: Two, workspace_officer: User
) -> None:
    picked = {"consumer": "Annabel Quist", "consumer_id": str(two.ann.consumer.id)}
    status, html = _ledger(client, **picked)
    assert status == 200 and _entries(html) == _of(db, two.ann)
    status, html = _ledger(client, **(picked | {"consumer": "Bob Marr"}))
    assert status == 200 and _entries(html) == _of(db, two.bob)
    # Links from other pages name the consumer by id alone.
    status, html = _ledger(client, consumer_id=str(two.bob.consumer.id))
    assert status == 200 and _entries(html) == _of(db, two.bob)
    assert 'value="Bob Marr"' in html


def test_nothing_matching_is_an_inline_error(
    client: TestClient, two: Two, workspace_officer: User
) -> None:
    status, html = _ledger(client, consumer="Zebedee")
    assert status == 422
    assert "Consumer: no consumer matches “Zebedee” by name, reference, phone or e-mail." in html
    assert _entries(html) == set()
    status, html = _ledger(client, consumer="x" * 101)
    assert status == 422 and "Consumer: at most 100 characters." in html
    # A wildcard typed is a character, not a pattern.
    assert _ledger(client, consumer="%")[0] == 422
    for bad_id in ("²", "-1", "0", "9" * 30, "1e3"):
        status, html = _ledger(client, consumer_id=bad_id)
        assert status == 422 and "Consumer: there is no consumer with id" in html, bad_id
    response = client.get("/compliance/ledger.csv", params=LEDGER_FORM | {"consumer": "quist"})
    assert response.status_code == 422 and "pick one from the list" in response.text


def test_the_csv_follows_the_pick(
    client: TestClient, db: Session, two: Two, workspace_officer: User
) -> None:
    response = client.get("/compliance/ledger.csv", params=LEDGER_FORM | {"consumer": "Bob Marr"})
    assert response.status_code == 200
    ids = {int(line.split(",")[0]) for line in response.text.splitlines()[1:]}
    assert ids == _of(db, two.bob)


def test_suggestions_as_you_type(client: TestClient, two: Two, workspace_officer: User) -> None:
    headers = {"HX-Request": "true", "HX-Target": "consumer-suggestions"}
    listed = client.get("/consumers/suggestions", params={"consumer": "qui"}, headers=headers)
    assert listed.status_code == 200
    assert listed.text.lstrip().startswith('<div id="consumer-suggestions"')
    assert listed.text.count('role="option"') == 2 and "Annabel Quist" in listed.text
    by_phone = client.get("/consumers/suggestions", params={"consumer": "312-555-0142"})
    assert by_phone.text.count('role="option"') == 1 and "Annabel Quist" in by_phone.text
    none = client.get("/consumers/suggestions", params={"consumer": "zzz"})
    assert "No consumer matches “zzz”." in none.text
    assert 'role="option"' not in client.get("/consumers/suggestions").text


@pytest.mark.parametrize("role", [Role.AGENT, Role.MERCHANT])
def test_only_roles_that_list_consumers_get_suggestions(
    client: TestClient, db: Session, two: Two, role: Role
) -> None:
    user: User = UserFactory(role=role, client=ClientFactory() if role is Role.MERCHANT else None)
    sign_in(client, db, user)
    response = client.get("/consumers/suggestions", params={"consumer": "quist"})
    assert response.status_code == 403 and "Quist" not in response.text


def test_what_if_picks_the_consumer_by_name(
    client: TestClient, db: Session, two: Two, workspace_officer: User
) -> None:
    form = {"consumer": "acme-77", "load": "1", "tz": "UTC"}
    response = client.get("/compliance/what-if", params=form)
    assert response.status_code == 200
    assert f'value="{two.ann.phone.id}"' in response.text  # the contact points loaded
    assert f'name="consumer_id" value="{two.ann.consumer.id}"' in response.text
    ask = {
        "consumer": "Annabel Quist",
        "consumer_id": str(two.ann.consumer.id),
        "contact_point_id": str(two.ann.phone.id),
        "case_ids": str(two.ann.case.id),
        "channel": "call",
        "at": "2025-06-09T15:00",
        "tz": "UTC",
        "template": "",
        "ask": "1",
    }
    answered = client.get("/compliance/what-if", params=ask)
    assert answered.status_code == 200 and 'id="what-if-answer"' in answered.text
    missing = client.get("/compliance/what-if", params=ask | {"consumer": "", "consumer_id": ""})
    assert missing.status_code == 422
    assert "Consumer is required: search by name, reference, phone or e-mail." in missing.text


def test_the_consumer_list_searches_phones_and_references(
    client: TestClient, two: Two, workspace_officer: User
) -> None:
    for typed in ("+1 312 555 0142", "ACME-77", "Annabel.Quist@example.org"):
        listing = client.get("/consumers", params={"q": typed}).text
        assert "Quist, Annabel" in listing and "Marr, Bob" not in listing, typed
