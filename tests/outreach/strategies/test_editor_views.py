"""The strategy editor, submitted as the page renders it (every control, blank ones
included): steps added, removed and moved without a script and everything typed kept;
a refused publish names each control and writes nothing; a good one is the next
version, shown in words.  Supervisors and admins only."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.outreach.models import MessageChannel, MessageTemplate
from agency.outreach.strategies import assignment, versions
from agency.outreach.strategies.assignment import Segment
from agency.outreach.strategies.models import Strategy
from tests.fixtures.factories import ClientFactory, ContractFactory, UserFactory
from tests.fixtures.forms import form_fields, with_values
from tests.fixtures.web import post_form, sign_in
from tests.outreach.strategies.test_steps import CALL, NOTICE, TEXT

Fields = list[tuple[str, str]]


def active_template(db: Session, key: str, channel: MessageChannel) -> None:
    db.add(MessageTemplate(key=key, channel=channel, language="en", title=key, version=1))
    db.flush()


@pytest.fixture
def strategy(db: Session) -> Strategy:
    """A US strategy at version 1: the validation notice, then a text (falling back to
    an e-mail)."""
    active_template(db, "payment-reminder", MessageChannel.SMS)
    active_template(db, "payment-reminder", MessageChannel.EMAIL)
    made = versions.create(db, name="Telecom early", country="US", currency="USD",
                           notice_by_client=False, by_user_id=None)  # fmt: skip
    versions.publish(db, strategy=made, steps=[NOTICE, TEXT], reason="launch", by_user_id=None)
    return made


@pytest.fixture
def supervisor(client: TestClient, db: Session) -> None:
    sign_in(client, db, UserFactory(role=Role.SUPERVISOR, full_name="Sue Supervisor"))


def edit_url(strategy: Strategy) -> str:
    return f"/supervisor/strategies/{strategy.id}/edit"


def rendered(client: TestClient, strategy: Strategy) -> Fields:
    page = client.get(edit_url(strategy))
    assert page.status_code == 200
    return form_fields(page.text, edit_url(strategy))


def as_data(fields: Fields) -> dict[str, list[str]]:
    """The pairs as a browser sends them (a name ticked twice sent twice)."""
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return data


def post(client: TestClient, url: str, fields: Fields, do: str | None = None) -> Any:
    """Submit ``fields`` by the button ``do`` (None: by Enter, no button)."""
    return client.post(url, data=as_data([*fields, *([("do", do)] if do else [])]))


def newest_steps(db: Session, strategy: Strategy) -> tuple[int, list[dict[str, Any]]]:
    newest = versions.versions_of(db, strategy.id)[0]
    return newest.version, newest.steps


@pytest.mark.usefixtures("supervisor")
def test_the_form_as_rendered_publishes_the_same_steps_as_version_2(
    client: TestClient, db: Session, strategy: Strategy
) -> None:
    fields = rendered(client, strategy)
    named = dict(fields)
    assert (named["steps-1-days"], named["steps-1-below"]) == ("5", "25.00")
    assert ("steps-1-skip", "on_arrangement") in fields
    assert named["steps-0-template"] == named["steps-0-fallback"] == ""  # blank, and fine
    answer = post(client, edit_url(strategy), with_values(fields, reason="same again"))
    assert answer.status_code == 303, answer.text[-800:]
    assert answer.headers["location"] == f"/supervisor/strategies/{strategy.id}"
    assert newest_steps(db, strategy) == (2, [NOTICE, TEXT])
    page = client.get(answer.headers["location"])
    assert "Version 2 published: same again" in page.text
    assert ("Day 5 after the validation notice, 10:30 the consumer&#39;s time: text "
            "&#39;payment-reminder&#39;; skipped when on a plan or promise or the balance is "
            "below $25.00; falls back to e-mail; then the next step") in page.text  # fmt: skip
    assert "Sue Supervisor" in page.text
    older = client.get(f"/supervisor/strategies/{strategy.id}?version=1")
    assert 'data-version="1"' in older.text and "an older version" in older.text
    assert client.get(f"/supervisor/strategies/{strategy.id}?version=9").status_code == 404


@pytest.mark.usefixtures("supervisor")
def test_add_move_and_remove_keep_what_was_typed_and_write_nothing(
    client: TestClient, db: Session, strategy: Strategy
) -> None:
    url = edit_url(strategy)
    typed = with_values(rendered(client, strategy), **{"steps-1-days": "7"}, reason="draft")
    added = post(client, url, typed, "add")
    assert added.status_code == 200
    fields = form_fields(added.text, url)
    named = dict(fields)
    assert (named["steps-2-key"], named["steps-1-days"], named["reason"]) == (
        "step-3",
        "7",
        "draft",
    )
    assert 'id="step-3"' in added.text
    fields = with_values(fields, **{"steps-2-key": "call", "steps-2-channel": "call_task"})
    moved = form_fields(post(client, url, fields, "up-2").text, url)
    assert [v for k, v in moved if k.endswith("-key")] == ["notice", "call", "text-day-5"]
    assert ("steps-2-skip", "on_arrangement") in moved  # the ticked box moved with its step
    removed = form_fields(post(client, url, moved, "remove-1").text, url)
    assert [v for k, v in removed if k.endswith("-key")] == ["notice", "text-day-5"]
    assert dict(removed)["steps-1-days"] == "7"
    assert newest_steps(db, strategy)[0] == 1


def test_the_first_steps_button_cannot_move_it_up_and_enter_publishes(
    client: TestClient, db: Session, strategy: Strategy
) -> None:
    sign_in(client, db, UserFactory(role=Role.ADMIN))
    page = client.get(edit_url(strategy)).text
    up = page.split('value="up-0"')[1].split(">")[0]
    assert "disabled" in up
    assert "disabled" not in page.split('value="up-1"')[1].split(">")[0]
    first_button = page.index('name="do"')
    assert page[first_button:].startswith('name="do" value="publish"')
    fields = with_values(form_fields(page, edit_url(strategy)), reason="by Enter")
    assert post(client, edit_url(strategy), fields).status_code == 303
    assert newest_steps(db, strategy)[0] == 2


@pytest.mark.usefixtures("supervisor")
def test_a_refused_publish_names_every_control_keeps_the_values_and_writes_nothing(
    client: TestClient, db: Session, strategy: Strategy
) -> None:
    url = edit_url(strategy)
    bad = with_values(rendered(client, strategy), **{"steps-0-key": "", "steps-1-days": "400",
                                                     "steps-1-below": "2.505"})  # fmt: skip
    answer = post(client, url, bad, "publish")
    assert answer.status_code == 422
    page = answer.text
    assert 'id="e-steps-0-key">Key: is required' in page
    assert 'id="e-steps-1-days">Days after: must be a whole number from 0 to 365' in page
    assert 'id="e-reason">Why it changes: say why the strategy changes' in page
    assert '<a href="#f-steps-1-days">Step 2, days after: must be a whole number' in page
    assert 'aria-invalid="true" autofocus' in page.split('id="f-steps-0-key"')[1][:300]
    kept = dict(form_fields(page, url))
    assert (kept["steps-1-days"], kept["steps-1-below"]) == ("400", "2.505")
    assert newest_steps(db, strategy)[0] == 1


@pytest.mark.usefixtures("supervisor")
@pytest.mark.parametrize(
    ("changes", "do", "control", "message"),
    [
        ({"steps-1-template": "no-such"}, "publish", "steps-1-template",
         "there is no active sms template &#39;no-such&#39;"),
        ({"steps-1-below": "2.505"}, "publish", "steps-1-below", "USD amounts have 2 decimal"),
        ({"steps-1-key": "notice"}, "publish", "steps-1-key", "the key of an earlier step"),
        ({"steps-1-fallback": "letter", "steps-1-channel": "email"}, "publish", None, None),
    ],
)  # fmt: skip
def test_each_refusal_is_shown_at_its_control(
    client: TestClient,
    db: Session,
    strategy: Strategy,
    changes: dict[str, str],
    do: str,
    control: str | None,
    message: str | None,
) -> None:
    if control is None:  # an e-mail falling back to a letter, once both templates exist
        active_template(db, "payment-reminder", MessageChannel.LETTER)
    fields = with_values(rendered(client, strategy), **changes, reason="try")
    answer = post(client, edit_url(strategy), fields, do)
    if control is None:
        assert answer.status_code == 303
        assert newest_steps(db, strategy)[1][1]["channel"] == "email"
        return
    assert answer.status_code == 422
    assert f'id="e-{control}"' in answer.text and message in answer.text
    assert newest_steps(db, strategy)[0] == 1


@pytest.mark.usefixtures("supervisor")
def test_a_us_strategy_must_start_with_the_notice_and_a_stale_page_is_refused(
    client: TestClient, db: Session, strategy: Strategy
) -> None:
    url = edit_url(strategy)
    fields = with_values(rendered(client, strategy), reason="text first")
    swapped = form_fields(post(client, url, fields, "up-1").text, url)
    answer = post(client, url, swapped, "publish")
    assert answer.status_code == 422
    assert 'id="e-steps-0-channel">Channel: the first step of a US strategy is the validation' in (
        answer.text
    )
    versions.publish(db, strategy=strategy, steps=[NOTICE], reason="meanwhile", by_user_id=None)
    stale = post(client, url, fields, "publish")
    assert stale.status_code == 422
    assert "Version: version 2 was published since this page was opened" in stale.text
    assert newest_steps(db, strategy)[0] == 2


@pytest.mark.usefixtures("supervisor")
def test_a_new_us_strategy_starts_with_the_notice_and_builds_three_steps(
    client: TestClient, db: Session
) -> None:
    active_template(db, "payment-reminder", MessageChannel.SMS)
    active_template(db, "payment-reminder", MessageChannel.EMAIL)
    new_form = client.get("/supervisor/strategies/new")
    fields = with_values(form_fields(new_form.text, "/supervisor/strategies/new"), name="Early")
    made = client.post("/supervisor/strategies/new", data=as_data(fields))
    assert made.status_code == 303
    url = made.headers["location"]
    page = client.get(url)
    assert "Strategy Early created" in page.text
    fields = form_fields(page.text, url)
    assert dict(fields)["steps-0-channel"] == "validation_notice"
    for _ in range(2):
        fields = form_fields(post(client, url, fields, "add").text, url)
    fields = with_values(
        fields,
        **{"steps-1-key": "text-day-5", "steps-1-anchor": "validation_sent", "steps-1-days": "5",
           "steps-1-at": "10:30", "steps-1-template": "payment-reminder",
           "steps-1-fallback": "email", "steps-1-below": "25.00",
           "steps-2-key": "call-day-10", "steps-2-days": "5", "steps-2-at": "14:00",
           "steps-2-channel": "call_task", "steps-2-reason": CALL["reason"],
           "steps-2-then": "agent", "steps-2-then_reason": "needs a call"},
        reason="launch",
    )  # fmt: skip
    fields.append(("steps-1-skip", "on_arrangement"))
    assert post(client, url, fields, "publish").status_code == 303
    strategy = db.get(Strategy, int(url.split("/")[3]))
    assert strategy is not None
    notice = {"key": "validation-notice", "trigger": {"anchor": "placement", "days": 0,
              "at": "09:00"}, "channel": "validation_notice", "then": {"kind": "next"}}  # fmt: skip
    assert newest_steps(db, strategy) == (1, [notice, TEXT, CALL])


@pytest.mark.usefixtures("supervisor")
def test_the_new_strategy_form_refuses_in_words(client: TestClient, db: Session) -> None:
    versions.create(db, name="Taken", country="US", currency="USD", notice_by_client=False,
                    by_user_id=None)  # fmt: skip
    fields = form_fields(
        client.get("/supervisor/strategies/new").text, "/supervisor/strategies/new"
    )
    blank = client.post(
        "/supervisor/strategies/new", data=as_data(with_values(fields, currency=""))
    )
    assert blank.status_code == 422
    assert "Name is required." in blank.text and "Currency must be a currency code" in blank.text
    taken = client.post(
        "/supervisor/strategies/new", data=as_data(with_values(fields, name="Taken"))
    )
    assert taken.status_code == 422 and "is the name of another strategy" in taken.text


def test_the_list_shows_each_strategy_with_its_newest_version(
    client: TestClient, db: Session, strategy: Strategy
) -> None:
    sign_in(client, db, UserFactory(role=Role.ADMIN))
    versions.create(db, name="Unwritten", country="GB", currency="GBP", notice_by_client=False,
                    by_user_id=None)  # fmt: skip
    contract = ContractFactory(reference="TERMS-7", client=ClientFactory(name="Acme Media"))
    assignment.save_rule(db, contract=contract, strategy_id=strategy.id, segment=Segment(),
                         by_user_id=None)  # fmt: skip
    page = client.get("/supervisor/strategies")
    assert page.status_code == 200
    table = page.text.split('id="strategies"')[1].split("</table>")[0]
    assert "Telecom early" in table and "v1" in table and "Acme Media · TERMS-7" in table
    assert "Unwritten" in table and "none yet" in table
    rules_link = f'href="/supervisor/contracts/{contract.id}/strategy-rules"'
    assert rules_link in page.text.split('id="strategy-contracts"')[1]
    assert '<a href="/supervisor/strategies">Strategies</a>' in client.get("/supervisor/rules").text


@pytest.mark.parametrize("role", [Role.AGENT, Role.MERCHANT, Role.COMPLIANCE])
def test_only_supervisors_and_admins_may_open_or_post(
    client: TestClient, db: Session, strategy: Strategy, role: Role
) -> None:
    client_of = ClientFactory() if role is Role.MERCHANT else None
    sign_in(client, db, UserFactory(role=role, client=client_of))
    for url in ("/supervisor/strategies", "/supervisor/strategies/new",
                f"/supervisor/strategies/{strategy.id}", edit_url(strategy)):  # fmt: skip
        assert client.get(url).status_code == 403, url
    sent = post_form(client, edit_url(strategy), {"reason": "x", "steps-0-key": "a"})
    assert sent.status_code == 403
    assert post_form(client, "/supervisor/strategies/new", {"name": "x"}).status_code == 403
    assert newest_steps(db, strategy)[0] == 1
