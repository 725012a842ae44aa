"""Client sender profiles through the real app: set up from the form as rendered, each
bad field named inline (422, nothing saved), the pool of numbers checked (E.164, at most
50, none twice), and cleared back to the agency's sender — which the outbox then uses."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.outreach.models import ClientSender
from agency.outreach.senders import sender_of
from tests.fixtures.factories import ClientFactory, UserFactory
from tests.fixtures.forms import rendered_form
from tests.fixtures.web import sign_in


@pytest.fixture
def admin(client: TestClient, db: Session) -> None:
    sign_in(client, db, UserFactory(role=Role.ADMIN))


def test_a_client_sender_is_set_up_from_the_form_and_cleared(
    client: TestClient, db: Session, admin: None
) -> None:
    acme = ClientFactory(name="Acme Media")
    listing = client.get("/outreach/senders")
    row = listing.text.split(f'<tr data-client="{acme.id}"')[1].split("</tr>")[0]
    assert "as the agency" in row and f'href="/outreach/senders/{acme.id}"' in row
    action, form, _ = rendered_form(client.get(f"/outreach/senders/{acme.id}").text, "sender-form")
    assert form["email_from_name"] == "Acme Media" and form["sms_numbers"] == ""
    form.update(
        email_from_address="billing@acme.example",
        reply_to="",
        sms_numbers="+1 312 555 0100\r\n\r\n+13125550101\r\n",
    )
    saved = client.post(action, data=form)
    assert saved.status_code == 303 and saved.headers["location"] == "/outreach/senders"
    own = db.get(ClientSender, acme.id)
    assert own is not None
    assert own.sms_numbers == ["+13125550100", "+13125550101"]
    assert own.reply_to is None
    sender = sender_of(db, acme.id)
    assert sender.email_from == "Acme Media <billing@acme.example>"
    page = client.get("/outreach/senders")
    assert "Acme Media&#39;s sender saved." in page.text
    _, again, _ = rendered_form(client.get(f"/outreach/senders/{acme.id}").text, "sender-form")
    assert again["sms_numbers"] == "+13125550100\n+13125550101"
    clear_action, clear_form, _ = rendered_form(
        client.get(f"/outreach/senders/{acme.id}").text, "sender-clear"
    )
    assert client.post(clear_action, data=clear_form).status_code == 303
    db.expire_all()
    assert db.get(ClientSender, acme.id) is None
    assert "now sends as the agency" in client.get("/outreach/senders").text.replace("&#39;", "'")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"email_from_name": ""}, "email_from_name", "From name is required."),
        ({"email_from_address": "x"}, "email_from_address", "From address must be an e-mail"),
        ({"reply_to": "x@"}, "reply_to", "Reply-To must be an e-mail"),
        ({"sms_numbers": "+13125550100\n3125550101"}, "sms_numbers", "line 2: &#39;312555"),
        ({"sms_numbers": "+1312555"}, "sms_numbers", "is not a phone number in E.164"),
        ({"sms_numbers": "+13125550100\n+1 312 555 0100"}, "sms_numbers", "is given twice"),
        (
            {"sms_numbers": "\n".join(f"+1312555{n:04d}" for n in range(100, 151))},
            "sms_numbers",
            "at most 50 numbers, one per line (51 given)",
        ),
    ],
)
def test_a_bad_field_is_named_inline_and_nothing_is_saved(
    client: TestClient,
    db: Session,
    admin: None,
    changes: dict[str, str],
    field: str,
    message: str,
) -> None:
    acme = ClientFactory()
    action, form, _ = rendered_form(client.get(f"/outreach/senders/{acme.id}").text, "sender-form")
    form.update(email_from_address="billing@acme.example")
    answer = client.post(action, data={**form, **changes})
    assert answer.status_code == 422
    error = answer.text.split(f'id="e-{field}">')[1].split("</span>")[0]
    assert message in error
    assert f'aria-describedby="e-{field}"' in answer.text
    _, kept, _ = rendered_form(answer.text, "sender-form")
    assert kept[field] == changes[field]
    assert db.get(ClientSender, acme.id) is None


def test_an_unknown_client_is_404(client: TestClient, admin: None) -> None:
    assert client.get("/outreach/senders/987654321").status_code == 404
