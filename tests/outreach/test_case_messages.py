"""A case's messages through the real app: both directions merged newest first, what staff
read (the words, the blocking rule, what a consumer's text meant) and what a merchant
may not, the case page's scoping, and the case page loading the list by htmx."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.kit import clock
from agency.outreach import case_views, inbound
from agency.outreach.models import MessageChannel, MessageStatus
from tests.fixtures.compliance import NIGHT, OFFICE_HOURS, Debtor, make_debtor
from tests.fixtures.factories import ClientFactory, UserFactory
from tests.fixtures.web import sign_in
from tests.outreach.test_outbox_views import queued

BODY = "Hi Dana, a reminder about AC-1.\nReply STOP to opt out"


def directions(html: str) -> list[str]:
    return re.findall(r'data-direction="(\w+)"', html)


@pytest.fixture
def history(db: Session) -> dict[str, object]:
    """A text sent (delivered), the consumer's STOP an hour later, and an e-mail that the
    gate blocked at night after that."""
    acme = ClientFactory(name="Acme Media")
    debtor: Debtor = make_debtor(client=acme, reference="AC-1", phone="+13125550142")
    text = queued(db, debtor, body=BODY, status=MessageStatus.DELIVERED)
    with clock.frozen(OFFICE_HOURS + timedelta(hours=1)):
        stop = inbound.receive_text(
            db,
            provider="twilio",
            provider_id="SM" + "b" * 32,
            from_=debtor.phone.value,
            to=None,
            body="Stop all texts please",
        ).message
    mail = queued(
        db,
        debtor,
        at=NIGHT,
        channel=MessageChannel.EMAIL,
        subject="Your AC-1 balance",
        body="Dear Dana",
        html="<p>Dear Dana</p>",
    )
    assert stop.case_id == debtor.case.id and stop.meaning == "stop"
    assert mail.status is MessageStatus.BLOCKED
    return {"debtor": debtor, "client": acme, "text": text, "mail": mail}


def test_staff_read_every_message_newest_first_with_its_words(
    client: TestClient, db: Session, history: dict[str, object]
) -> None:
    debtor = history["debtor"]
    assert isinstance(debtor, Debtor)
    sign_in(client, db, UserFactory(role=Role.AGENT))
    page = client.get(f"/cases/{debtor.case.id}/messages")
    assert page.status_code == 200
    assert directions(page.text) == ["out", "in", "out"]
    items = page.text.split("<li class=")[1:]
    blocked, stop, text = items
    assert "email to the consumer" in blocked and ">blocked<" in blocked
    assert "Subject: Your AC-1 balance" in blocked and "Dear Dana" in blocked
    assert "<p>Dear Dana</p>" not in page.text  # the HTML part is no business of this list
    assert "Convenient hours" in blocked and "between 08:00 and 21:00" in blocked
    assert "sms from the consumer" in stop and "Stop all texts please" in stop
    assert "STOP: no more texts to this number" in stop and "…0142" in stop
    assert "Hi Dana, a reminder about AC-1.<br>Reply STOP to opt out" in text
    assert ">delivered<" in text
    assert "+13125550142" not in page.text
    assert "/outbox/" not in page.text  # an agent may not open the Outbox


def test_admins_and_officers_get_a_link_to_each_message(
    client: TestClient, db: Session, history: dict[str, object]
) -> None:
    debtor, mail = history["debtor"], history["mail"]
    assert isinstance(debtor, Debtor)
    sign_in(client, db, UserFactory(role=Role.COMPLIANCE))
    page = client.get(f"/cases/{debtor.case.id}/messages")
    assert f'<a href="/outbox/{mail.id}">details</a>' in page.text  # type: ignore[attr-defined]


def test_a_merchant_sees_what_happened_but_not_what_was_said(
    client: TestClient, db: Session, history: dict[str, object]
) -> None:
    debtor, acme = history["debtor"], history["client"]
    assert isinstance(debtor, Debtor)
    sign_in(client, db, UserFactory(role=Role.MERCHANT, client=acme))
    page = client.get(f"/cases/{debtor.case.id}/messages")
    assert page.status_code == 200
    assert directions(page.text) == ["out", "in", "out"]
    assert ">blocked<" in page.text and ">delivered<" in page.text and ">received<" in page.text
    assert "email to the consumer" in page.text and "sms from the consumer" in page.text
    for secret in (
        "Hi Dana",
        "Dear Dana",
        "Your AC-1 balance",
        "Stop all texts",
        "STOP:",
        "Convenient hours",
        "US-REGF-TIME",
        "…0142",
        "/outbox/",
    ):
        assert secret not in page.text, secret


def test_a_merchant_of_another_client_gets_404(
    client: TestClient, db: Session, history: dict[str, object]
) -> None:
    debtor = history["debtor"]
    assert isinstance(debtor, Debtor)
    sign_in(client, db, UserFactory(role=Role.MERCHANT, client=ClientFactory()))
    answer = client.get(f"/cases/{debtor.case.id}/messages")
    assert answer.status_code == 404
    assert "There is no such case" in answer.text
    assert "Hi Dana" not in answer.text and "AC-1" not in answer.text


def test_anonymous_users_and_unknown_cases_are_refused(
    client: TestClient, db: Session, history: dict[str, object]
) -> None:
    debtor = history["debtor"]
    assert isinstance(debtor, Debtor)
    assert client.get(f"/cases/{debtor.case.id}/messages").status_code == 401
    sign_in(client, db, UserFactory(role=Role.ADMIN))
    assert client.get("/cases/987654321/messages").status_code == 404


def test_a_long_history_shows_the_newest_of_both_directions_together(
    client: TestClient,
    db: Session,
    history: dict[str, object],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Three messages, room for two: the blocked e-mail and the STOP, not the oldest text."""
    debtor = history["debtor"]
    assert isinstance(debtor, Debtor)
    monkeypatch.setattr(case_views, "LIMIT", 2)
    sign_in(client, db, UserFactory(role=Role.COMPLIANCE))
    page = client.get(f"/cases/{debtor.case.id}/messages").text
    assert directions(page) == ["out", "in"]
    assert "Hi Dana" not in page
    assert "Older messages are not shown here; the" in page
    assert '<a href="/outbox?reference=AC-1">Outbox</a>' in page


def test_a_case_without_messages_says_so(client: TestClient, db: Session) -> None:
    debtor = make_debtor()
    sign_in(client, db, UserFactory(role=Role.SUPERVISOR))
    page = client.get(f"/cases/{debtor.case.id}/messages")
    assert "No texts, e-mails or letters on this case yet." in page.text


def test_the_case_page_loads_its_messages_by_htmx_with_a_link_without_it(
    client: TestClient, db: Session, history: dict[str, object]
) -> None:
    debtor = history["debtor"]
    assert isinstance(debtor, Debtor)
    sign_in(client, db, UserFactory(role=Role.AGENT))
    case_page = client.get(f"/cases/{debtor.case.id}").text
    url = f"/cases/{debtor.case.id}/messages"
    section = case_page.split('<section class="panel" id="case-messages"')[1].split("</section>")[0]
    assert f'hx-get="{url}"' in section and 'hx-trigger="load"' in section
    assert 'hx-swap="outerHTML"' in section and f'<a href="{url}">' in section
    assert "Hi Dana" not in case_page  # the words come with the swap

    swap = client.get(url, headers={"HX-Request": "true", "HX-Target": "case-messages"})
    assert swap.status_code == 200
    assert "<html" not in swap.text
    assert swap.text.strip().startswith('<section class="panel" id="case-messages"')
    assert "Hi Dana" in swap.text
    alone = client.get(url).text  # without JavaScript: a page of its own
    assert "<html" in alone and " ".join(swap.text.split()) in " ".join(alone.split())
