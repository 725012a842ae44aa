"""The Outbox through the real app: who may open it, what a row shows (masked, with the
rules that blocked it), the filter bar submitted as rendered, bad values answered
inline, the htmx swap of the results alone, paging, and one message with its history."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.compliance.models import Source
from agency.compliance.templates import get as builtin_template
from agency.kit import clock
from agency.outreach import outbox, outbox_views
from agency.outreach.channels.base import Sent
from agency.outreach.models import MessageChannel, MessageStatus, OutboxMessage
from tests.fixtures.compliance import NIGHT, OFFICE_HOURS, Debtor, make_debtor
from tests.fixtures.factories import ClientFactory, UserFactory
from tests.fixtures.forms import form_fields, with_values
from tests.fixtures.web import sign_in

HTML = '<p>Hello</p><script>alert("x")</script>'


def queued(
    db: Session,
    debtor: Debtor,
    *,
    at: datetime = OFFICE_HOURS,
    channel: MessageChannel = MessageChannel.SMS,
    body: str = "Reply STOP to opt out",
    subject: str | None = None,
    html: str | None = None,
    status: MessageStatus | None = None,
) -> OutboxMessage:
    """A message asked for at ``at`` through the real outbox (and so the real gate);
    ``status`` moves it on as its job and provider would have."""
    email = channel is MessageChannel.EMAIL
    template = builtin_template("payment-reminder-email" if email else "payment-reminder-sms")
    assert template is not None
    point = debtor.email if email else debtor.phone
    with clock.frozen(at):
        message = outbox.queue(
            db,
            case_id=debtor.case.id,
            consumer_id=debtor.consumer.id,
            client_id=debtor.client.id,
            contact_point_id=point.id,
            to_address=point.value,
            draft=outbox.Draft(
                channel=channel, body=body, subject=subject, html=html, gate_template=template
            ),
            provider="sandbox",
            by_user_id=None,
            source=Source.AGENT,
        )
    if status is not None:
        message.status = status
    db.flush()
    return message


def listed(html: str) -> list[int]:
    """The message ids of the Outbox's rows, in page order."""
    return [int(found) for found in re.findall(r'<tr data-message="(\d+)"', html)]


def squeeze(html: str) -> str:
    return " ".join(html.split())


@pytest.fixture
def officer(client: TestClient, db: Session) -> None:
    sign_in(client, db, UserFactory(role=Role.COMPLIANCE))


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.ADMIN, 200),
        (Role.COMPLIANCE, 200),
        (Role.SUPERVISOR, 403),
        (Role.AGENT, 403),
        (Role.MERCHANT, 403),
    ],
)
def test_only_admins_and_compliance_officers_open_the_outbox(
    client: TestClient, db: Session, role: Role, expected: int
) -> None:
    message = queued(db, make_debtor())
    merchant_of = ClientFactory().id if role is Role.MERCHANT else None
    sign_in(client, db, UserFactory(role=role, client_id=merchant_of))
    assert client.get("/outbox").status_code == expected
    assert client.get(f"/outbox/{message.id}").status_code == expected
    nav = client.get("/profile").text
    assert ('href="/outbox"' in nav) is (expected == 200)


def test_anonymous_users_are_asked_to_sign_in(client: TestClient, db: Session) -> None:
    message = queued(db, make_debtor())
    assert client.get("/outbox").status_code == 401
    assert client.get(f"/outbox/{message.id}").status_code == 401


def test_rows_are_newest_first_masked_and_name_the_blocking_rule(
    client: TestClient, db: Session, officer: None
) -> None:
    acme = ClientFactory(name="Acme Media")
    dana = make_debtor(client=acme, reference="AC-1", phone="+13125550142")
    quinn = make_debtor(reference="QU-7")
    allowed = queued(db, dana, status=MessageStatus.DELIVERED)
    blocked = queued(db, quinn, at=NIGHT, channel=MessageChannel.EMAIL, subject="Hi")
    assert blocked.status is MessageStatus.BLOCKED
    assert "US-REGF-TIME" in blocked.blocked_by

    page = client.get("/outbox")
    assert page.status_code == 200
    assert listed(page.text) == [blocked.id, allowed.id]
    row = page.text.split(f'<tr data-message="{allowed.id}"')[1].split("</tr>")[0]
    assert f'href="/outbox/{allowed.id}"' in row
    assert f'<a href="/cases/{dana.case.id}">AC-1</a>' in row
    assert "Acme Media" in row and "…0142" in row
    assert "badge decision-allowed" in row and ">delivered<" in row
    assert "+13125550142" not in page.text  # the number itself is never shown
    other = page.text.split(f'<tr data-message="{blocked.id}"')[1].split("</tr>")[0]
    email = quinn.email.value
    assert f"{email[0]}…@{email.split('@')[1]}" in other and email not in page.text
    assert ">US-REGF-TIME</a>" in other and "Convenient hours" in other


def test_the_filter_form_as_rendered_lists_everything_and_each_filter_narrows(
    client: TestClient, db: Session, officer: None
) -> None:
    acme = ClientFactory(name="Acme Media")
    dana = make_debtor(client=acme, reference="Acme_1")
    quinn = make_debtor(reference="QU-7")
    text = queued(db, dana, status=MessageStatus.SENT)
    mail = queued(db, dana, channel=MessageChannel.EMAIL, subject="Hi", status=MessageStatus.SENT)
    blocked = queued(db, quinn, at=NIGHT)
    fields = form_fields(client.get("/outbox").text, "/outbox")
    assert [name for name, _ in fields] == [
        "status",
        "channel",
        "client_id",
        "since",
        "until",
        "reference",
    ]
    everything = sorted([text.id, mail.id, blocked.id], reverse=True)
    for sent in (fields, [(name, "") for name, _ in fields], [*fields, ("page", "")]):
        answer = client.get("/outbox", params=sent)
        assert answer.status_code == 200, sent
        assert listed(answer.text) == everything
    for changes, expected in [
        ({"status": "blocked"}, [blocked.id]),
        ({"channel": "email"}, [mail.id]),
        ({"client_id": str(acme.id)}, [mail.id, text.id]),
        ({"reference": "acme_"}, [mail.id, text.id]),  # its start, in any case
        ({"reference": "Acme%"}, []),  # a wildcard is a plain character
        ({"reference": "  QU-7 "}, [blocked.id]),
        ({"status": "sent", "channel": "sms"}, [text.id]),
    ]:
        answer = client.get("/outbox", params=with_values(fields, **changes))
        assert answer.status_code == 200
        assert listed(answer.text) == expected, changes
        assert ('id="outbox-empty">No messages match.' in answer.text) is (not expected)
        # The page keeps what was chosen.
        if "status" in changes:
            assert f'<option value="{changes["status"]}" selected>' in answer.text


def test_dates_are_days_on_the_viewers_clock(client: TestClient, db: Session) -> None:
    """NIGHT is 03:00 UTC on 10 June, 22:00 on 9 June in Chicago."""
    late = queued(db, make_debtor(), at=NIGHT)
    early = queued(db, make_debtor(), at=OFFICE_HOURS - timedelta(days=3))
    sign_in(client, db, UserFactory(role=Role.ADMIN, time_zone="America/Chicago"))
    ninth = client.get("/outbox", params={"since": "2025-06-09", "until": "2025-06-09"})
    assert listed(ninth.text) == [late.id]
    assert listed(client.get("/outbox", params={"until": "2025-06-08"}).text) == [early.id]
    assert listed(client.get("/outbox", params={"since": "2025-06-10"}).text) == []


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"status": "bogus"}, "status", "Status must be one of: pending, sending, sent,"),
        ({"channel": "fax"}, "channel", "Channel must be one of: sms, email, letter or voice."),
        ({"client_id": "abc"}, "client_id", "Client must be a whole number."),
        ({"client_id": str(2**64)}, "client_id", "Client must be at most"),
        ({"client_id": "987654321"}, "client_id", "Client: there is no such client."),
        ({"since": "2025-13-45"}, "since", "Created from must be a date (YYYY-MM-DD)."),
        ({"until": "1999-12-31"}, "until", "Created to must be at least 2000-01-01."),
        ({"since": "9999-12-31"}, "since", "Created from must be at most 2100-12-31."),
        (
            {"since": "2025-06-10", "until": "2025-06-09"},
            "until",
            "Created to must not be before Created from.",
        ),
        ({"reference": "R" * 65}, "reference", "Case reference must be at most 64 characters."),
        ({"page": "0"}, "page", "Page must be at least 1."),
        ({"page": "two"}, "page", "Page must be a whole number."),
    ],
)
def test_a_bad_filter_value_is_named_inline_not_refused(
    client: TestClient,
    db: Session,
    officer: None,
    params: dict[str, str],
    field: str,
    message: str,
) -> None:
    queued(db, make_debtor())
    answer = client.get("/outbox", params=params)
    assert answer.status_code == 200
    alert = answer.text.split('id="outbox-errors">')[1].split("</div>")[0]
    assert message in alert.replace("&#39;", "'")
    assert listed(answer.text) == []
    assert "Correct the filters to see messages." in answer.text
    if field != "page":  # the page number is no field of the form
        assert f'id="e-{field}"' in answer.text
        assert f'aria-describedby="e-{field}"' in answer.text
    swapped = client.get(
        "/outbox", params=params, headers={"HX-Request": "true", "HX-Target": "outbox-table"}
    )
    assert swapped.status_code == 200  # htmx swaps only a 2xx answer
    assert message in swapped.text.replace("&#39;", "'")


def test_an_htmx_filter_change_gets_the_results_alone_as_the_page_has_them(
    client: TestClient, db: Session, officer: None
) -> None:
    blocked = queued(db, make_debtor(), at=NIGHT)
    queued(db, make_debtor(), status=MessageStatus.SENT)
    page = client.get("/outbox", params={"status": "blocked"})
    fragment = client.get(
        "/outbox",
        params={"status": "blocked"},
        headers={"HX-Request": "true", "HX-Target": "outbox-table"},
    )
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and "<form" not in fragment.text
    assert fragment.text.strip().startswith('<div id="outbox-table">')
    assert squeeze(fragment.text) in squeeze(page.text)
    assert listed(fragment.text) == [blocked.id]
    form = page.text.split('id="outbox-filters"')[1].split(">")[0]
    assert 'hx-target="#outbox-table"' in form and 'hx-get="/outbox"' in form


def test_pages_of_messages(
    client: TestClient, db: Session, officer: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outbox_views, "PAGE_SIZE", 2)
    debtor = make_debtor()
    made = [
        queued(db, debtor, at=OFFICE_HOURS + timedelta(minutes=i), status=MessageStatus.SENT)
        for i in range(3)
    ]
    first = client.get("/outbox")
    assert listed(first.text) == [made[2].id, made[1].id]
    assert "1\N{EN DASH}2 of 3 messages" in first.text
    second = client.get("/outbox", params={"page": "2"})
    assert listed(second.text) == [made[0].id]
    assert "3\N{EN DASH}3 of 3 messages" in second.text
    assert 'hx-target="#outbox-table"' in second.text
    beyond = client.get("/outbox", params={"page": "99"})  # the last page, not an error
    assert listed(beyond.text) == [made[0].id]


def test_a_message_shows_what_it_said_escaped_and_its_history_in_order(
    client: TestClient, db: Session, officer: None
) -> None:
    debtor = make_debtor(reference="AC-9")
    message = queued(
        db,
        debtor,
        channel=MessageChannel.EMAIL,
        subject="Your account <AC-9>",
        body="Hello Dana,\nplease call us.",
        html=HTML,
    )
    with clock.frozen(OFFICE_HOURS + timedelta(seconds=5)):
        assert outbox.claim(db, message.id) is not None
        outbox.record_sent(db, message.id, Sent(provider_id="SBX-42", provider_status="queued"))
    with clock.frozen(OFFICE_HOURS + timedelta(minutes=1)):
        outbox.apply_status(
            db, provider="sandbox", provider_id="SBX-42", provider_status="delivered"
        )
    db.flush()

    page = client.get(f"/outbox/{message.id}")
    assert page.status_code == 200
    assert "Your account &lt;AC-9&gt;" in page.text
    assert "Hello Dana,<br>please call us." in page.text
    assert "<script>alert" not in page.text  # the HTML part is shown, never run
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text
    assert "SBX-42" in page.text and "sandbox" in page.text
    assert f'<a href="/cases/{debtor.case.id}">AC-9</a>' in page.text
    assert debtor.email.value not in page.text
    assert "Valid until</dt><dd>—" not in page.text  # the job set it when it sent
    events = page.text.split('id="message-events"')[1].split("</table>")[0]
    statuses = re.findall(r'<span class="badge [\w-]+">(\w+)</span>', events)
    assert statuses == ["pending", "sending", "sent", "delivered"]
    assert "try: 1" in events


def test_a_blocked_message_says_why_in_words(
    client: TestClient, db: Session, officer: None
) -> None:
    message = queued(db, make_debtor(), at=NIGHT)
    page = client.get(f"/outbox/{message.id}")
    rules = page.text.split('id="message-rules"')[1].split("</ul>")[0]
    assert "Convenient hours" in rules and "US-REGF-TIME" in rules
    assert "between 08:00 and 21:00" in rules
    assert "blocked by: US-REGF-TIME" in page.text  # the event's detail


def test_an_unknown_message_is_404(client: TestClient, db: Session, officer: None) -> None:
    answer = client.get("/outbox/987654321")
    assert answer.status_code == 404
    assert "There is no such message" in answer.text
