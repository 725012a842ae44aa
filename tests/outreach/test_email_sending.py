"""E-mail through a real SMTP server on loopback: the message parsed back (headers, both
parts, Message-ID), its one-click unsubscribe link followed, refusals and a resend."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from agency.compliance.models import Source
from agency.compliance.templates import get as builtin_template
from agency.config import get_settings
from agency.db import session_scope
from agency.kit import clock
from agency.outreach import outbox, providers, sending
from agency.outreach.models import ClientSender, MessageChannel, MessageStatus, OutboxMessage
from agency.outreach.opt_out import opt_out_url, point_of
from agency.worker import drain
from tests.fixtures.compliance import OFFICE_HOURS, flags, make_debtor
from tests.fixtures.smtp import Inbox, smtp_server
from tests.outreach.conftest import PUBLIC_URL, Committed

TEXT = "This is a communication from a debt collector. To stop e-mails: {link}"
HTML = "<p>This is a communication from a debt collector.</p><p><a href='{link}'>Stop</a></p>"


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    with smtp_server() as (inbox, port):
        monkeypatch.setattr(get_settings(), "smtp_url", f"smtp://127.0.0.1:{port}")
        monkeypatch.setattr(get_settings(), "public_url", PUBLIC_URL)
        providers.forget()
        yield inbox
        providers.forget()


def queue_email(debtor: Committed) -> int:
    template = builtin_template("payment-reminder-email")
    assert template is not None
    link = opt_out_url(consumer_id=debtor.consumer_id, contact_point_id=debtor.email_id)
    with session_scope() as db:
        message = outbox.queue(
            db,
            case_id=debtor.case_id,
            consumer_id=debtor.consumer_id,
            client_id=debtor.client_id,
            contact_point_id=debtor.email_id,
            to_address=debtor.email,
            draft=outbox.Draft(
                channel=MessageChannel.EMAIL,
                subject="Your account with Northwind",
                body=TEXT.format(link=link),
                html=HTML.format(link=link),
                gate_template=template,
            ),
            provider=providers.name_for(MessageChannel.EMAIL),
            by_user_id=None,
            source=Source.AGENT,
        )
        return message.id


def stored(message_id: int) -> OutboxMessage:
    with session_scope() as db:
        found = db.get(OutboxMessage, message_id)
        assert found is not None
        db.expunge(found)
        return found


def test_an_e_mail_arrives_with_both_parts_our_message_id_and_one_click_unsubscribe(
    committed_debtor: Committed, smtp: Inbox
) -> None:
    with session_scope() as db:
        db.add(
            ClientSender(
                client_id=committed_debtor.client_id,
                email_from_name="Northwind Recovery",
                email_from_address="accounts@northwind.example",
                reply_to="replies@northwind.example",
                sms_numbers=[],
            )
        )
    with clock.frozen(OFFICE_HOURS):
        message_id = queue_email(committed_debtor)
        drain()
    sent = stored(message_id)
    assert sent.status is MessageStatus.SENT
    [mail] = smtp.received
    assert mail["Message-ID"] == f"<{sent.message_key}>"
    assert mail["From"] == "Northwind Recovery <accounts@northwind.example>"
    assert mail["Reply-To"] == "replies@northwind.example"
    assert mail["To"] == committed_debtor.email
    assert mail["Subject"] == "Your account with Northwind"
    # The header's link (signed when the mail is sent) and the body's (signed when it was
    # written) may differ by their time stamps; both name this consumer's address.
    header = str(mail["List-Unsubscribe"])
    assert header.startswith(f"<{PUBLIC_URL}/opt-out/") and header.endswith(">")
    address = (committed_debtor.consumer_id, committed_debtor.email_id)
    assert point_of(header[1:-1].rsplit("/", 1)[1]) == address
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = mail.get_body(preferencelist=("plain",))
    html = mail.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    [in_text] = re.findall(rf"{PUBLIC_URL}/opt-out/(\S+)", text.get_content())
    [in_html] = re.findall(rf"href='{PUBLIC_URL}/opt-out/([^']+)'", html.get_content())
    assert point_of(in_text) == point_of(in_html) == address
    assert smtp.envelopes == [(smtp.envelopes[0][0], [committed_debtor.email])]


def test_without_a_client_sender_the_e_mail_comes_from_the_agency(
    committed_debtor: Committed, smtp: Inbox
) -> None:
    with clock.frozen(OFFICE_HOURS):
        queue_email(committed_debtor)
        drain()
    settings = get_settings()
    assert smtp.received[0]["From"] == f"{settings.agency_name} <{settings.agency_email}>"


def test_the_one_click_post_from_a_mail_program_opts_the_address_out(
    client: TestClient, db: Session
) -> None:
    debtor = make_debtor()
    link = opt_out_url(consumer_id=debtor.consumer.id, contact_point_id=debtor.email.id)
    path = link.removeprefix(get_settings().public_url.rstrip("/"))
    # A mail program: no cookie, no CSRF token, just RFC 8058's body.
    answer = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    assert "we will not e-mail this address again" in answer.text
    db.expire_all()
    assert flags(db, debtor.email).opted_out


def test_following_the_link_asks_first_and_the_button_opts_out(
    client: TestClient, db: Session
) -> None:
    debtor = make_debtor()
    link = opt_out_url(consumer_id=debtor.consumer.id, contact_point_id=debtor.email.id)
    path = link.removeprefix(get_settings().public_url.rstrip("/"))
    page = client.get(path)
    assert page.status_code == 200
    assert "Stop e-mails" in page.text
    db.expire_all()
    assert not flags(db, debtor.email).opted_out  # a link scanner changes nothing
    assert client.post(path, data={}).status_code == 200
    db.expire_all()
    assert flags(db, debtor.email).opted_out


@pytest.mark.parametrize("token", ["garbage", "eyJjIjoxLCJwIjoyfQ.forged.sig"])
def test_a_forged_opt_out_link_is_refused_and_records_nothing(
    client: TestClient, token: str
) -> None:
    assert client.get(f"/opt-out/{token}").status_code == 404
    assert client.post(f"/opt-out/{token}").status_code == 404


def test_a_temporary_refusal_is_tried_again_under_the_same_message_id(
    committed_debtor: Committed, smtp: Inbox
) -> None:
    smtp.refuse_next.append(451)
    with clock.frozen(OFFICE_HOURS):
        message_id = queue_email(committed_debtor)
        drain()
        assert stored(message_id).status is MessageStatus.PENDING
        assert stored(message_id).error == "the mail server answered 451"
    with clock.frozen(OFFICE_HOURS + timedelta(minutes=1)):
        sending.send_due()
        drain()
    assert stored(message_id).status is MessageStatus.SENT
    assert [m["Message-ID"] for m in smtp.received] == [f"<{stored(message_id).message_key}>"]


def test_a_permanent_refusal_fails_the_e_mail(committed_debtor: Committed, smtp: Inbox) -> None:
    smtp.refuse_next.append(550)
    with clock.frozen(OFFICE_HOURS):
        message_id = queue_email(committed_debtor)
        drain()
    failed = stored(message_id)
    assert (failed.status, failed.error) == (MessageStatus.FAILED, "the mail server answered 550")


def test_a_bounce_recorded_from_the_command_line_marks_the_address_do_not_use(
    committed_debtor: Committed, smtp: Inbox
) -> None:
    from typer.testing import CliRunner

    from agency.cli import app

    with clock.frozen(OFFICE_HOURS):
        message_id = queue_email(committed_debtor)
        drain()
    key = stored(message_id).message_key
    result = CliRunner().invoke(
        app, ["outreach", "bounce", f"<{key}>", "--reason", "550 5.1.1 mailbox unavailable"]
    )
    assert result.exit_code == 0, result.output
    bounced = stored(message_id)
    assert bounced.status is MessageStatus.UNDELIVERED
    assert bounced.error == "bounced: 550 5.1.1 mailbox unavailable"
    with session_scope() as db:
        from agency.cases.models import ContactPoint

        point = db.get(ContactPoint, committed_debtor.email_id)
        assert point is not None
        assert flags(db, point).do_not_use
    unknown = CliRunner().invoke(app, ["outreach", "bounce", "nobody@example", "--reason", "x"])
    assert unknown.exit_code == 2
    assert "no e-mail has the Message-ID <nobody@example>" in unknown.output
