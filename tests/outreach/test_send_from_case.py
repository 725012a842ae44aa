"""Sending from the case page through the real app, posting what the rendered form posts
(every control, blank ones too): an allowed text queued once (outbox row and ledger
attempt), a blocked one kept ``blocked`` with the rule in words, the preview's decision
written nowhere, a double post queuing one message, a letter queued to the postal
address, the refusals beside their controls, and who may send."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agency.auth.models import Role, User
from agency.cases.models import CaseStatus, Channel
from agency.compliance.models import LedgerEntry
from agency.kit import clock
from agency.outreach.models import MessageChannel, MessageStatus, MessageTemplate, OutboxMessage
from agency.outreach.versions import TemplateDraft, save_version
from tests.fixtures.compliance import NIGHT, OFFICE_HOURS, Debtor, make_debtor
from tests.fixtures.factories import ClientFactory, ContactPointFactory, UserFactory
from tests.fixtures.web import csrf_token, sign_in

MM = "{{ disclosure.mini_miranda }}"
TEXT = (
    "Hi {{ consumer.first_name }}, your balance is {{ case.balance }}. " + MM + " {{ opt_out.sms }}"
)
LETTER = (
    "Dear {{ consumer.first_name }} {{ consumer.last_name }},\nThe balance of "
    "{{ case.reference }} is {{ case.balance }}.\n" + MM + "\n{{ agency.name }}"
)
HTMX = {"HX-Request": "true"}


def save_templates(db: Session) -> dict[str, MessageTemplate]:
    """A text, an e-mail and a letter template, each in English, saved as an admin would."""
    drafts = {
        "sms": TemplateDraft(
            key="payment-reminder",
            channel=MessageChannel.SMS,
            language="en",
            title="Payment reminder",
            body=TEXT,
        ),
        "email": TemplateDraft(
            key="balance-email",
            channel=MessageChannel.EMAIL,
            language="en",
            title="Your balance",
            subject="Your account {{ case.reference }}",
            body="Dear {{ consumer.first_name }},\n" + MM + "\nStop: {{ opt_out.email_link }}",
        ),
        "letter": TemplateDraft(
            key="balance-letter",
            channel=MessageChannel.LETTER,
            language="en",
            title="Balance letter",
            body=LETTER,
        ),
    }
    made = {}
    for name, draft in drafts.items():
        version = save_version(db, draft=draft, why="first words", by_user_id=None)
        template = db.get(MessageTemplate, version.template_id)
        assert template is not None
        made[name] = template
    return made


class SendForm(HTMLParser):
    """The send form as the page renders it: each control's name and the value a browser
    would post (a select's selected option, else its first)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.inside = False
        self.select: str | None = None
        self.values: dict[str, str] = {}
        self.options: dict[str, list[tuple[str, str]]] = {}
        self._option: tuple[str, bool] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "form" and found.get("id") == "send-form":
            self.inside = True
        if not self.inside:
            return
        if tag == "input":
            self.values[found["name"]] = found.get("value", "")
        elif tag == "select":
            self.select = found["name"]
            self.options[self.select] = []
        elif tag == "option" and self.select:
            self._option = (found.get("value", ""), "selected" in found)

    def handle_data(self, data: str) -> None:
        if self._option and self.select:
            value, selected = self._option
            self.options[self.select].append((value, data.strip()))
            if selected or self.select not in self.values:
                self.values[self.select] = value
            self._option = None

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self.select = None
        elif tag == "form":
            self.inside = False


def form_for(client: TestClient, case_id: int, channel: str = "sms") -> SendForm:
    page = client.get(f"/cases/{case_id}/messages/compose?channel={channel}")
    assert page.status_code == 200, page.text
    form = SendForm(page.text)
    assert set(form.values) == {"csrf_token", "token", "channel", "template_id", "contact_point_id"}
    return form


def chosen(form: SendForm, **choices: str) -> dict[str, str]:
    """The form's values with options chosen by their label's start."""
    values = dict(form.values)
    for name, label in choices.items():
        values[name] = next(v for v, text in form.options[name] if text.startswith(label))
    return values


@pytest.fixture
def agent(db: Session) -> User:
    user: User = UserFactory(role=Role.AGENT)
    return user


@pytest.fixture
def debtor(db: Session, agent: User) -> Debtor:
    debtor = make_debtor(first_name="Rosa", reference="AC-7", phone="+13125550142")
    debtor.case.assigned_agent_id = agent.id
    db.flush()
    return debtor


@pytest.fixture
def templates(db: Session) -> dict[str, MessageTemplate]:
    return save_templates(db)


def messages(db: Session, debtor: Debtor) -> list[OutboxMessage]:
    return list(
        db.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.case_id == debtor.case.id)
            .order_by(OutboxMessage.id)
        )
    )


def attempts(db: Session, debtor: Debtor) -> int:
    return (
        db.scalar(
            select(func.count())
            .select_from(LedgerEntry)
            .where(LedgerEntry.consumer_id == debtor.consumer.id, LedgerEntry.kind == "attempt")
        )
        or 0
    )


def test_the_agent_previews_then_sends_a_text_queued_once_with_its_attempt(
    client: TestClient, db: Session, agent: User, debtor: Debtor, templates: dict[str, object]
) -> None:
    sign_in(client, db, agent)
    panel = client.get(f"/cases/{debtor.case.id}/messages")
    assert 'id="send-form"' in panel.text
    form = form_for(client, debtor.case.id)
    assert [text for _, text in form.options["contact_point_id"]] == ["Choose…", "mobile …0142"]
    assert "+13125550142" not in panel.text  # the number is masked
    values = chosen(form, template_id="Payment reminder", contact_point_id="mobile")
    with clock.frozen(OFFICE_HOURS):
        before = attempts(db, debtor)
        preview = client.post(
            f"/cases/{debtor.case.id}/messages/preview", data=values, headers=HTMX
        )
        assert preview.status_code == 200
        assert "Hi Rosa, your balance is" in preview.text
        assert "attempt to collect a debt" in preview.text
        assert 'id="preview-segments"' in preview.text and "GSM-7" in preview.text
        assert "The gate allows sending this now." in preview.text
        assert attempts(db, debtor) == before  # the preview writes nothing
        assert messages(db, debtor) == []

        sent = client.post(f"/cases/{debtor.case.id}/messages/send", data=values, headers=HTMX)
    assert sent.status_code == 200
    assert "Queued:" in sent.text and "…0142" in sent.text
    [message] = messages(db, debtor)
    assert message.status is MessageStatus.PENDING
    assert (message.to_address, message.by_user_id) == ("+13125550142", agent.id)
    assert message.channel is MessageChannel.SMS and "Hi Rosa" in message.body
    assert message.message_key.startswith(values["token"] + "@")
    attempt = db.get(LedgerEntry, message.attempt_entry_id)
    assert attempt is not None and attempt.allowed and attempt.source.value == "agent"
    assert attempts(db, debtor) == before + 1
    # The list follows the message on its way, and a fresh form (a new token) is shown.
    assert 'hx-trigger="every 3s"' in sent.text
    assert SendForm(sent.text).values["token"] != values["token"]


def test_the_same_form_posted_twice_queues_one_message(
    client: TestClient, db: Session, agent: User, debtor: Debtor, templates: dict[str, object]
) -> None:
    sign_in(client, db, agent)
    values = chosen(form_for(client, debtor.case.id), template_id="Payment", contact_point_id="m")
    with clock.frozen(OFFICE_HOURS):
        first = client.post(f"/cases/{debtor.case.id}/messages/send", data=values, headers=HTMX)
        second = client.post(f"/cases/{debtor.case.id}/messages/send", data=values, headers=HTMX)
    assert "Queued:" in first.text and "Queued:" in second.text
    assert len(messages(db, debtor)) == 1
    assert attempts(db, debtor) == 1


def test_a_text_to_an_opted_out_number_is_blocked_with_the_rule_in_words(
    client: TestClient, db: Session, agent: User, debtor: Debtor, templates: dict[str, object]
) -> None:
    ContactPointFactory(consumer=debtor.consumer, kind="home", value="+13125550177", opted_out=True)
    sign_in(client, db, agent)
    values = chosen(
        form_for(client, debtor.case.id), template_id="Payment", contact_point_id="home"
    )
    with clock.frozen(OFFICE_HOURS):
        preview = client.post(
            f"/cases/{debtor.case.id}/messages/preview", data=values, headers=HTMX
        )
        assert "The gate would block this now." in preview.text
        sent = client.post(f"/cases/{debtor.case.id}/messages/send", data=values, headers=HTMX)
    assert "Not sent: the gate blocked this text" in sent.text
    [message] = messages(db, debtor)
    assert message.status is MessageStatus.BLOCKED and message.blocked_by
    assert message.to_address == "+13125550177"
    result = sent.text.split('id="send-result"')[1].split("</div>")[0]
    assert message.blocked_by[0] in result  # the rule's id, with its title and words
    assert "<strong>" in result and "<br>" in result


def test_a_text_at_night_says_when_it_is_allowed_again(
    client: TestClient, db: Session, agent: User, debtor: Debtor, templates: dict[str, object]
) -> None:
    sign_in(client, db, agent)
    values = chosen(form_for(client, debtor.case.id), template_id="Payment", contact_point_id="m")
    with clock.frozen(NIGHT):
        sent = client.post(f"/cases/{debtor.case.id}/messages/send", data=values, headers=HTMX)
    assert "Convenient hours" in sent.text and "US-REGF-TIME" in sent.text
    assert "Allowed again from" in sent.text and "consumer's time 08:00 CDT" in sent.text
    assert messages(db, debtor)[0].status is MessageStatus.BLOCKED


def test_a_letter_is_queued_to_the_postal_address(
    client: TestClient, db: Session, agent: User, debtor: Debtor, templates: dict[str, object]
) -> None:
    ContactPointFactory(
        consumer=debtor.consumer,
        channel=Channel.ADDRESS,
        kind="home",
        value="1 Main St, Chicago, IL 60601, US",
    )
    sign_in(client, db, agent)
    form = form_for(client, debtor.case.id, "letter")
    assert [text for _, text in form.options["template_id"]][1:] == ["Balance letter (en, v1)"]
    values = chosen(form, template_id="Balance", contact_point_id="home")
    with clock.frozen(OFFICE_HOURS):
        sent = client.post(f"/cases/{debtor.case.id}/messages/send", data=values, headers=HTMX)
    assert "Queued:" in sent.text
    [letter] = messages(db, debtor)
    assert letter.channel is MessageChannel.LETTER
    assert letter.to_address == "1 Main St, Chicago, IL 60601, US"
    assert "The balance of AC-7 is" in letter.body


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"template_id": ""}, "template_id", "is required"),
        ({"contact_point_id": ""}, "contact_point_id", "is required"),
        ({"template": "email"}, "template_id", "is a template for email, not for a text"),
        ({"point": "email"}, "contact_point_id", "must be a phone number for a text"),
        ({"template_id": "9223372036854775807"}, "template_id", "is not an active template"),
        ({"template_id": "99999999999999999999"}, "template_id", "must be at most"),
        ({"channel": "fax"}, "channel", "must be"),
        ({"token": "x" * 500}, "token", "reload the page"),
    ],
)
def test_a_bad_choice_is_refused_beside_its_control_and_nothing_is_queued(
    client: TestClient,
    db: Session,
    agent: User,
    debtor: Debtor,
    templates: dict[str, MessageTemplate],
    change: dict[str, str],
    field: str,
    words: str,
) -> None:
    change = dict(change)  # the parameter is shared by the SQLite and PostgreSQL runs
    sign_in(client, db, agent)
    values = chosen(form_for(client, debtor.case.id), template_id="Payment", contact_point_id="m")
    if "template" in change:
        values["template_id"] = str(templates[change.pop("template")].id)
    if "point" in change:
        change.pop("point")
        values["contact_point_id"] = str(debtor.email.id)
    values.update(change)
    with clock.frozen(OFFICE_HOURS):
        for url in ("preview", "send"):
            answer = client.post(f"/cases/{debtor.case.id}/messages/{url}", data=values)
            assert answer.status_code == 422, answer.text
            assert f'id="e-send-{field}"' in answer.text
            assert words in answer.text.split(f'id="e-send-{field}">')[1].split("<")[0]
            inline = client.post(
                f"/cases/{debtor.case.id}/messages/{url}", data=values, headers=HTMX
            )
            assert inline.status_code == 200 and f'id="e-send-{field}"' in inline.text
    assert messages(db, debtor) == []
    assert attempts(db, debtor) == 0


def test_another_consumers_contact_point_is_refused(
    client: TestClient, db: Session, agent: User, debtor: Debtor, templates: dict[str, object]
) -> None:
    """A debt sent to the wrong person: the id of someone else's phone never gets a text."""
    stranger = make_debtor(phone="+13125550999")
    sign_in(client, db, agent)
    values = chosen(form_for(client, debtor.case.id), template_id="Payment", contact_point_id="m")
    values["contact_point_id"] = str(stranger.phone.id)
    with clock.frozen(OFFICE_HOURS):
        answer = client.post(f"/cases/{debtor.case.id}/messages/send", data=values, headers=HTMX)
    assert "is not one of this consumer&#39;s" in answer.text
    assert "0999" not in answer.text
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_a_closed_case_sends_nothing(
    client: TestClient, db: Session, agent: User, debtor: Debtor, templates: dict[str, object]
) -> None:
    sign_in(client, db, agent)
    values = chosen(form_for(client, debtor.case.id), template_id="Payment", contact_point_id="m")
    debtor.case.status = CaseStatus.CLOSED
    db.flush()
    panel = client.get(f"/cases/{debtor.case.id}/messages")
    assert 'id="send-form"' not in panel.text and "nothing more can be sent" in panel.text
    with clock.frozen(OFFICE_HOURS):
        answer = client.post(f"/cases/{debtor.case.id}/messages/send", data=values)
    assert answer.status_code == 422
    assert "The case is closed: nothing more can be sent." in answer.text
    assert messages(db, debtor) == []


@pytest.mark.parametrize(
    ("role", "assigned", "expected"),
    [
        (Role.AGENT, True, 200),
        (Role.AGENT, False, 403),
        (Role.SUPERVISOR, False, 200),
        (Role.ADMIN, False, 200),
        (Role.COMPLIANCE, False, 403),
        (Role.MERCHANT, False, 403),
    ],
)
def test_who_may_send(
    client: TestClient,
    db: Session,
    debtor: Debtor,
    templates: dict[str, object],
    role: Role,
    assigned: bool,
    expected: int,
) -> None:
    user = UserFactory(role=role, client=debtor.client if role is Role.MERCHANT else None)
    if assigned:
        debtor.case.assigned_agent_id = user.id
        db.flush()
    sign_in(client, db, user)
    panel = client.get(f"/cases/{debtor.case.id}/messages")
    assert panel.status_code == 200
    assert ('id="send-form"' in panel.text) == (expected == 200)
    compose = client.get(f"/cases/{debtor.case.id}/messages/compose?channel=sms")
    assert compose.status_code == expected
    values = {
        "token": "a" * 32,
        "channel": "sms",
        "template_id": str(next(iter(templates.values())).id),  # type: ignore[attr-defined]
        "contact_point_id": str(debtor.phone.id),
    }
    with clock.frozen(OFFICE_HOURS):
        for url in ("preview", "send"):
            answer = client.post(
                f"/cases/{debtor.case.id}/messages/{url}",
                data={**values, "csrf_token": csrf_token(client)},
            )
            assert answer.status_code == expected, (url, answer.text[:300])
    assert len(messages(db, debtor)) == (1 if expected == 200 else 0)


def test_a_merchant_of_another_client_is_refused(
    client: TestClient, db: Session, debtor: Debtor, templates: dict[str, object]
) -> None:
    sign_in(client, db, UserFactory(role=Role.MERCHANT, client=ClientFactory()))
    assert client.get(f"/cases/{debtor.case.id}/messages/compose").status_code == 403


def test_a_form_token_already_used_on_another_case_is_refused(
    client: TestClient, db: Session, agent: User, debtor: Debtor, templates: dict[str, object]
) -> None:
    other = make_debtor(phone="+13125550188")
    other.case.assigned_agent_id = agent.id
    db.flush()
    sign_in(client, db, agent)
    values = chosen(form_for(client, debtor.case.id), template_id="Payment", contact_point_id="m")
    again = chosen(form_for(client, other.case.id), template_id="Payment", contact_point_id="m")
    again["token"] = values["token"]
    with clock.frozen(OFFICE_HOURS):
        client.post(f"/cases/{debtor.case.id}/messages/send", data=values, headers=HTMX)
        refused = client.post(f"/cases/{other.case.id}/messages/send", data=again, headers=HTMX)
    assert "Form: was sent already, from another case: reload the page" in refused.text
    assert len(messages(db, debtor)) == 1
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_the_consumers_language_comes_first(
    client: TestClient, db: Session, agent: User, debtor: Debtor, templates: dict[str, object]
) -> None:
    spanish = "Hola {{ consumer.first_name }}. " + MM + " Responda STOP para no recibir más."
    save_version(
        db,
        draft=TemplateDraft(
            key="payment-reminder",
            channel=MessageChannel.SMS,
            language="es",
            title="Recordatorio",
            body=spanish,
        ),
        why="en español",
        by_user_id=None,
    )
    sign_in(client, db, agent)
    offered = [text for _, text in form_for(client, debtor.case.id).options["template_id"]]
    assert offered == ["Choose…", "Payment reminder (en, v1)", "Recordatorio (es, v1)"]
    debtor.case.language = "es"
    db.flush()
    offered = [text for _, text in form_for(client, debtor.case.id).options["template_id"]]
    assert offered == ["Choose…", "Recordatorio (es, v1)", "Payment reminder (en, v1)"]
