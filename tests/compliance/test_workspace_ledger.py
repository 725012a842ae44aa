"""The ledger search: every filter returns exactly its entries, keyset paging, bad
values as inline errors, and the CSV export."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from agency.auth.models import Role, User
from agency.compliance import repository, service
from agency.compliance.models import FactKind, Source
from agency.kit import clock
from tests.fixtures.compliance import NIGHT, OFFICE_HOURS, gate_at, make_debtor
from tests.fixtures.factories import ClientFactory, UserFactory, case_for


def entry_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr data-entry="(\d+)">', html)]


class World:
    """Two clients, two debtors, two agents, attempts allowed and blocked, a fact."""

    def __init__(self, db: Session) -> None:
        self.acme = ClientFactory(name="Acme Media")
        self.bolt = ClientFactory(name="Bolt Energy")
        self.ann = make_debtor(client=self.acme, first_name="Ann", reference="ACME-1")
        self.bob = make_debtor(client=self.bolt, first_name="Bob", reference="BOLT-1")
        self.agent = UserFactory(role=Role.AGENT, full_name="Alex Agent")
        self.other_agent = UserFactory(role=Role.SUPERVISOR, full_name="Sam Super")
        # Ann: a call allowed (Alex), a call blocked at night (Alex), an e-mail allowed.
        self.ann_call = gate_at(db, self.ann, OFFICE_HOURS, actor=self.agent).entry
        self.ann_night = gate_at(db, self.ann, NIGHT, actor=self.agent).entry
        self.ann_mail = gate_at(
            db, self.ann, OFFICE_HOURS + timedelta(days=2), channel="email"
        ).entry
        # Bob: a call allowed (Sam), then a cease: the next call is blocked.
        self.bob_call = gate_at(db, self.bob, OFFICE_HOURS, actor=self.other_agent).entry
        with clock.frozen(OFFICE_HOURS + timedelta(hours=1)):
            service.record_fact(
                db,
                consumer_id=self.bob.consumer.id,
                kind=FactKind.CEASE,
                actor_id=None,
                source=Source.OFFICER,
            )
        self.bob_ceased = gate_at(
            db, self.bob, OFFICE_HOURS + timedelta(days=1), actor=self.other_agent
        ).entry
        assert self.ann_call.allowed and self.ann_mail.allowed and self.bob_call.allowed
        assert self.ann_night.blocked_by == ["US-REGF-TIME"]
        assert "US-REGF-CEASE" in self.bob_ceased.blocked_by


@pytest.fixture
def world(db: Session) -> World:
    return World(db)


def search(client: TestClient, query: str) -> list[int]:
    response = client.get(f"/compliance/ledger?{query}")
    assert response.status_code == 200, response.text
    return entry_ids(response.text)


def test_each_filter_returns_exactly_its_entries(
    client: TestClient, db: Session, world: World, workspace_officer: User
) -> None:
    w = world
    ann, bob = w.ann.consumer.id, w.bob.consumer.id
    everything = search(client, "")
    assert everything == sorted(everything, reverse=True)  # newest first

    for consumer_id in (ann, bob):
        found = search(client, f"consumer_id={consumer_id}")
        assert set(found) == {e.id for e in repository.consumer_entries(db, consumer_id)}, (
            "exactly the consumer's entries"
        )
    assert {w.ann_call.id, w.ann_night.id, w.ann_mail.id} <= set(
        search(client, f"consumer_id={ann}")
    )
    assert w.bob_call.id not in search(client, f"consumer_id={ann}")

    assert search(client, f"case={w.ann.case.id}") == search(client, "case=acme-1")
    assert set(search(client, "case=ACME-1")) >= {w.ann_call.id, w.ann_night.id, w.ann_mail.id}
    assert w.bob_call.id not in search(client, "case=ACME-1")

    by_client = search(client, f"client_id={w.bolt.id}")
    assert {w.bob_call.id, w.bob_ceased.id} <= set(by_client)
    assert w.ann_call.id not in by_client

    assert search(client, f"agent_id={w.agent.id}") == [w.ann_night.id, w.ann_call.id]
    assert search(client, f"agent_id={w.other_agent.id}") == [w.bob_ceased.id, w.bob_call.id]

    assert search(client, "channel=email") == [w.ann_mail.id]
    assert search(client, "rule=US-REGF-TIME") == [w.ann_night.id]
    assert search(client, "rule=US-REGF-CEASE") == [w.bob_ceased.id]
    assert search(client, "decision=blocked") == [w.bob_ceased.id, w.ann_night.id]
    assert set(search(client, "decision=allowed")) == {w.ann_call.id, w.ann_mail.id, w.bob_call.id}

    facts = search(client, "kind=fact")
    assert len(facts) == 3  # two validation notices and the cease
    assert not set(facts) & {w.ann_call.id, w.bob_call.id}

    # Dates are UTC days, both ends included: NIGHT is 2025-06-10 03:00 UTC.
    assert search(client, "kind=attempt&since=2025-06-10&until=2025-06-10") == [
        w.bob_ceased.id,
        w.ann_night.id,
    ]
    assert search(client, "kind=attempt&until=2025-06-09") == [w.bob_call.id, w.ann_call.id]
    assert search(client, "since=2025-06-11") == [w.ann_mail.id]

    # Filters combine.
    assert search(client, f"consumer_id={ann}&decision=blocked&channel=call") == [w.ann_night.id]
    assert search(client, f"consumer_id={bob}&rule=US-REGF-TIME") == []


def test_rows_show_masked_contacts_cases_actor_and_rules(
    client: TestClient, world: World, workspace_officer: User
) -> None:
    w = world
    page = client.get("/compliance/ledger?decision=blocked").text
    row = page[page.index(f'<tr data-entry="{w.ann_night.id}">') :]
    row = row[: row.index("</tr>")]
    assert f'href="/compliance/consumers/{w.ann.consumer.id}">Ann ' in row
    assert ">ACME-1</a>" in row
    assert "…" + w.ann.phone.value[-4:] in row
    assert w.ann.phone.value not in page  # never the whole number
    assert "Alex Agent" in row
    assert "blocked" in row
    assert 'title="Convenient hours: Calls, texts, e-mails and letters' in row
    assert "12 CFR 1006.6(b)(1)(i)" in row  # the citation in the detail
    assert "2025-06-10 13:00 UTC" in row  # next allowed: 08:00 in Chicago
    mail = client.get("/compliance/ledger?channel=email").text
    assert "a…@example.org" in mail


def test_keyset_paging_walks_older_pages_without_repeats(
    client: TestClient, db: Session, workspace_officer: User
) -> None:
    debtor = make_debtor()
    for day in range(60):  # 60 blocked night calls, one a day
        gate_at(db, debtor, NIGHT - timedelta(days=day))
    seen: list[int] = []
    url = "/compliance/ledger?decision=blocked"
    pages = 0
    while url:
        page = client.get(url).text
        ids = entry_ids(page)
        assert ids == sorted(ids, reverse=True)
        seen.extend(ids)
        pages += 1
        older = re.search(r'<a rel="next" href="([^"]+)"', page)
        url = "/compliance/ledger" + older.group(1).replace("&amp;", "&") if older else ""
    assert pages == 2
    assert len(seen) == 60 and len(set(seen)) == 60
    assert seen == sorted(seen, reverse=True)
    last = client.get(f"/compliance/ledger?decision=blocked&before={seen[49]}").text
    assert "« Newest</a>" in last
    assert "Older \N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK}</span>" in last  # the end


def test_paging_through_htmx_swaps_only_the_table(
    client: TestClient, db: Session, workspace_officer: User
) -> None:
    debtor = make_debtor()
    gate_at(db, debtor, NIGHT)
    response = client.get(
        "/compliance/ledger?decision=blocked",
        headers={"HX-Request": "true", "HX-Target": "ledger-table"},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div class="table-wrap" id="ledger-table">')
    assert "<form" not in response.text


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("consumer_id=abc", "consumer", "Consumer: there is no consumer with id “abc”"),
        ("since=2025-13-01", "since", "From must be a date (YYYY-MM-DD)."),
        ("since=2025-06-10&until=2025-06-01", "until", "To must not be before the start date."),
        ("decision=maybe", "decision", "Decision must be &#39;allowed&#39; or &#39;blocked&#39;."),
        ("channel=fax", "channel", "Channel "),
        ("kind=rumour", "kind", "Kind "),
        ("rule=NOPE", "rule", "Rule: not a rule id of the catalogue."),
        ("case=NO-SUCH-REF", "case", "there is no case with that id or client reference"),
        ("before=-3", None, "Page must be at least 1."),
    ],
)
def test_bad_filters_are_inline_errors(
    client: TestClient, workspace_officer: User, query: str, field: str | None, message: str
) -> None:
    response = client.get(f"/compliance/ledger?{query}")
    assert response.status_code == 422
    assert message in response.text
    if field is not None:  # a form field: marked, with the sentence under it
        assert f'id="e-{field}"' in response.text
        assert 'aria-invalid="true"' in response.text
    assert client.get(f"/compliance/ledger.csv?{query}").status_code == 422


def test_a_reference_of_two_clients_asks_for_the_client(
    client: TestClient, db: Session, world: World, workspace_officer: User
) -> None:
    case_for(world.bolt, client_reference="ACME-1", consumer=world.bob.consumer)
    response = client.get("/compliance/ledger?case=ACME-1")
    assert response.status_code == 422
    assert "choose the client too" in response.text
    assert search(client, f"case=ACME-1&client_id={world.acme.id}")


def read_csv(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_csv_has_every_field_and_the_same_rows_as_the_search(
    client: TestClient, world: World, workspace_officer: User
) -> None:
    w = world
    response = client.get("/compliance/ledger.csv?decision=blocked")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = read_csv(response.text)
    assert [int(r["id"]) for r in rows] == [w.bob_ceased.id, w.ann_night.id]
    night = rows[1]
    for column in (
        "at", "recorded_at", "kind", "source", "consumer_id", "case_ids", "channel",
        "direction", "contact_point_id", "actor_id", "allowed", "blocked_by",
        "next_allowed_at", "rule_set", "policy_version", "timezones", "automated",
        "template", "attempt_id", "outcome", "fact_id", "detail", "prev_hash", "hash",
    ):  # fmt: skip
        assert column in night
    assert night["at"] == "2025-06-10T03:00:00.000000+00:00"
    assert night["kind"] == "attempt"
    assert night["allowed"] == "false"
    assert night["blocked_by"] == "US-REGF-TIME"
    assert night["consumer_name"].startswith("Ann ")
    assert night["case_references"] == "ACME-1"
    assert night["contact_point"] == "…" + w.ann.phone.value[-4:]
    assert night["actor"] == "Alex Agent"
    assert night["hash"] == w.ann_night.hash
    assert night["timezones"] == "America/Chicago"
    everything = read_csv(client.get("/compliance/ledger.csv").text)
    assert [int(r["id"]) for r in everything] == search(client, "")


def test_csv_pages_through_more_entries_than_one_batch(
    client: TestClient, db: Session, workspace_officer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agency.compliance import ledger_export

    monkeypatch.setattr(ledger_export, "CSV_BATCH", 3)
    debtor = make_debtor()
    made = [gate_at(db, debtor, NIGHT - timedelta(days=d)).entry.id for d in range(8)]
    rows = read_csv(client.get("/compliance/ledger.csv?decision=blocked").text)
    assert [int(r["id"]) for r in rows] == sorted(made, reverse=True)


def test_csv_neutralizes_formulas(client: TestClient, db: Session, workspace_officer: User) -> None:
    debtor = make_debtor(first_name="=HYPERLINK(1)", last_name="+cmd")
    gate_at(db, debtor, NIGHT)
    rows = read_csv(client.get(f"/compliance/ledger.csv?consumer_id={debtor.consumer.id}").text)
    assert rows[0]["consumer_name"] == "'=HYPERLINK(1) +cmd"
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@"))


def test_a_fact_row_has_no_empty_contact_columns(
    client: TestClient, db: Session, workspace_officer: User
) -> None:
    debtor = make_debtor()
    with clock.frozen(OFFICE_HOURS):
        service.record_fact(
            db,
            consumer_id=debtor.consumer.id,
            kind=FactKind.VALIDATION_SENT,
            actor_id=workspace_officer.id,
            source=Source.OFFICER,
            case_id=debtor.case.id,
        )
    page = client.get("/compliance/ledger?kind=fact").text
    start = page.index('<tr data-entry="', page.index("<tbody>"))
    row = page[start : page.index("</tr>", start)]
    assert "fact: validation sent" in row
    assert f"by {workspace_officer.full_name}" in row and 'colspan="6"' in row
    assert not re.search(r"<td[^>]*>\s*</td>", row), row
