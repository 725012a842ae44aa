"""The template screens through the real app: who may open them, the list and its
filters submitted as rendered, a new template written from the "New template" form,
the editor's preview (htmx) with the save-time checks and against a real case, a
refused save (422, the reason per part, the words kept), a good save (version 2 with
who, when and why), and the messages a version was sent as (the Outbox's filter)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from agency.auth.models import Role, User
from agency.compliance.models import Source
from agency.kit import clock
from agency.outreach import composing, outbox
from agency.outreach.models import MessageChannel, MessageTemplate, TemplateVersion
from agency.outreach.versions import TemplateDraft, save_version
from tests.fixtures.compliance import OFFICE_HOURS, make_debtor
from tests.fixtures.factories import ClientFactory, UserFactory
from tests.fixtures.forms import form_fields, form_posting_to, rendered_form, with_values
from tests.fixtures.web import csrf_token, sign_in

GOOD = (
    "{{ disclosure.mini_miranda }} Hi {{ consumer.first_name }}, your balance is "
    "{{ case.balance }}. {{ opt_out.sms }}"
)
NO_STOP = "{{ disclosure.mini_miranda }} Hi {{ consumer.first_name }}, please call us."
HTMX = {"HX-Request": "true", "HX-Target": "template-preview"}


def saved(
    db: Session,
    *,
    key: str = "payment-reminder",
    channel: MessageChannel = MessageChannel.SMS,
    language: str = "en",
    body: str = GOOD,
    by: User | None = None,
    **settings: object,
) -> TemplateVersion:
    draft = TemplateDraft(
        key=key,
        channel=channel,
        language=language,  # type: ignore[arg-type]
        title=key.replace("-", " ").capitalize(),
        body=body,
        **settings,  # type: ignore[arg-type]
    )
    return save_version(db, draft=draft, why="first words", by_user_id=by.id if by else None)


def listed(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'<tr data-template="(\d+)"', html)]


def check(html: str, name: str) -> str:
    """The check list's verdict on ``name``: yes, no or n/a."""
    found = re.search(rf'data-check="{name}" data-ok="([^"]+)"', html)
    assert found, f"no check {name!r}"
    return found.group(1)


@pytest.fixture
def admin(client: TestClient, db: Session) -> User:
    user = UserFactory(role=Role.ADMIN, full_name="Ada Admin")
    sign_in(client, db, user)
    return user


@pytest.mark.parametrize(
    ("role", "reads", "writes"),
    [
        (Role.ADMIN, 200, True),
        (Role.COMPLIANCE, 200, False),
        (Role.SUPERVISOR, 403, False),
        (Role.AGENT, 403, False),
        (Role.MERCHANT, 403, False),
    ],
)
def test_admins_edit_compliance_officers_read_and_others_are_refused(
    client: TestClient, db: Session, role: Role, reads: int, writes: bool
) -> None:
    version = saved(db)
    merchant_of = ClientFactory().id if role is Role.MERCHANT else None
    sign_in(client, db, UserFactory(role=role, client_id=merchant_of))
    page = client.get(f"/outreach/templates/{version.template_id}")
    assert client.get("/outreach/templates").status_code == reads
    assert page.status_code == reads
    assert ('id="template-form"' in page.text) is writes
    allowed = 200 if writes else 403
    assert client.get("/outreach/providers").status_code == allowed
    assert client.get("/outreach/senders").status_code == allowed
    preview = client.post(
        f"/outreach/templates/{version.template_id}/preview",
        data={"body": GOOD},
        headers={"X-CSRF-Token": csrf_token(client)},
    )
    assert preview.status_code == allowed
    nav = client.get("/profile").text
    assert ('href="/outreach/templates"' in nav) is (reads == 200)
    if reads == 200 and not writes:  # read only: the words and their checks
        assert "Read only: admins edit templates." in page.text
        assert "disclosure.mini_miranda" in page.text
        assert check(page.text, "opt-out") == "yes"


def test_the_list_shows_each_template_with_its_newest_version_and_filters(
    client: TestClient, db: Session, admin: User
) -> None:
    text = saved(db, by=admin)
    saved(db, body=GOOD + " ", by=admin)  # version 2
    spanish = saved(
        db,
        language="es",
        body="{{ disclosure.mini_miranda }} Hola {{ consumer.first_name }}. {{ opt_out.sms }}",
    )
    page = client.get("/outreach/templates")
    assert page.status_code == 200
    assert listed(page.text) == [text.template_id, spanish.template_id]
    row = page.text.split(f'<tr data-template="{text.template_id}"')[1].split("</tr>")[0]
    assert f'href="/outreach/templates/{text.template_id}"' in row
    assert ">v2<" in row and "Ada Admin" in row and ">yes<" in row
    fields = form_fields(page.text, "/outreach/templates")
    assert [name for name, _ in fields] == ["channel", "language"]
    for sent in (fields, [(name, "") for name, _ in fields]):
        assert listed(client.get("/outreach/templates", params=sent).text) == [
            text.template_id,
            spanish.template_id,
        ]
    narrowed = client.get("/outreach/templates", params=with_values(fields, language="es"))
    assert listed(narrowed.text) == [spanish.template_id]
    none = client.get("/outreach/templates", params=with_values(fields, channel="email"))
    assert listed(none.text) == [] and "No templates match." in none.text
    bad = client.get("/outreach/templates", params={"language": "fr"})
    assert bad.status_code == 200
    assert "Language must be &#39;en&#39; or &#39;es&#39;." in bad.text
    assert listed(bad.text) == []


def test_a_new_template_is_written_from_the_new_template_form_and_saved_as_version_1(
    client: TestClient, db: Session, admin: User
) -> None:
    fields = form_posting_to(client.get("/outreach/templates").text, "/outreach/templates/new")
    assert set(fields) == {"key", "channel", "language", "title", "segment_limit", "first_contact"}
    fields.update(key="balance-due", title="Balance due", segment_limit="3")
    editor = client.get("/outreach/templates/new", params=fields)
    assert editor.status_code == 200
    action, form, _ = rendered_form(editor.text, "template-form")
    assert action == "/outreach/templates/new"
    assert "{{ opt_out.sms }}" in form["body"]  # words to start from that pass
    assert 'id="template-verdict" data-ok="yes"' in editor.text
    without_why = client.post(action, data=form)
    assert without_why.status_code == 422
    assert "Why: is required: say why the words change" in without_why.text
    form["why"] = "a first text"
    made = client.post(action, data=form)
    assert made.status_code == 303
    template = db.scalars(select(MessageTemplate).where(MessageTemplate.key == "balance-due")).one()
    assert made.headers["location"] == f"/outreach/templates/{template.id}"
    assert (template.version, template.segment_limit, template.first_contact) == (1, 3, True)
    page = client.get(made.headers["location"])
    assert "Template saved as version 1." in page.text
    again = client.get("/outreach/templates/new", params=fields)
    assert again.status_code == 422
    assert "balance-due in sms, English, exists already" in again.text
    bad = client.get("/outreach/templates/new", params={**fields, "key": "Bad Key", "title": ""})
    assert bad.status_code == 422
    assert "Key must be lower-case letters, digits and dashes" in bad.text
    assert "Title is required." in bad.text


def test_the_preview_shows_the_checks_failing_live_and_the_refused_save_keeps_the_words(
    client: TestClient, db: Session, admin: User
) -> None:
    version = saved(db, segment_limit=2)
    url = f"/outreach/templates/{version.template_id}"
    action, form, _ = rendered_form(client.get(url).text, "template-form")
    assert action == url
    assert form["body"] == GOOD and form["base_version"] == "1"
    preview = client.post(url + "/preview", data={**form, "body": NO_STOP}, headers=HTMX)
    assert preview.status_code == 200
    assert preview.text.lstrip().startswith('<section class="panel" id="template-preview"')
    assert check(preview.text, "opt-out") == "no"
    assert check(preview.text, "disclosure") == "yes"
    assert "Saving would be refused" in preview.text and "Reply STOP" in preview.text
    assert re.search(r"1 segment · GSM-7 · \d+ septets; limit 2", preview.text)

    refused = client.post(url, data={**form, "body": NO_STOP, "why": "shorter"})
    assert refused.status_code == 422
    assert 'id="e-body"' in refused.text and "a text must tell how to opt out" in refused.text
    _, kept, _ = rendered_form(refused.text, "template-form")
    assert kept["body"] == NO_STOP and kept["why"] == "shorter"
    assert db.scalars(select(TemplateVersion)).all() == [version]

    for body, name, verdict in [
        (GOOD + " We will sue you.", "suit", "no"),
        (GOOD + " {{ consumer.ssn }}", "variables", "no"),
        ("{{ opt_out.sms }} Hi.", "disclosure", "no"),
        (GOOD + " Ünïcode ✓" * 20, "segments", "no"),
    ]:
        answer = client.post(url + "/preview", data={**form, "body": body}, headers=HTMX)
        assert check(answer.text, name) == verdict, body
    ucs2 = client.post(url + "/preview", data={**form, "body": GOOD + " ✓"}, headers=HTMX)
    assert "UCS-2 (because of &#39;✓&#39;, not in GSM-7)" in ucs2.text


def test_a_good_save_makes_version_2_with_who_when_and_why(
    client: TestClient, db: Session, admin: User
) -> None:
    version = saved(db)
    url = f"/outreach/templates/{version.template_id}"
    _, form, _ = rendered_form(client.get(url).text, "template-form")
    # The browser's textarea sends CRLF line ends: the text saved has LF.
    body = GOOD.replace(" Hi", "\r\nHi")
    done = client.post(url, data={**form, "body": body, "why": "a line break"})
    assert done.status_code == 303 and done.headers["location"] == url
    newest = db.scalars(select(TemplateVersion).where(TemplateVersion.version == 2)).one()
    assert (newest.body, newest.why, newest.by_user_id) == (
        GOOD.replace(" Hi", "\nHi"),
        "a line break",
        admin.id,
    )
    page = client.get(url)
    assert "Version 2 saved: a line break" in page.text
    history = page.text.split('id="template-versions"')[1]
    assert history.index('data-version="2"') < history.index('data-version="1"')
    assert "Ada Admin" in history and "a line break" in history and "first words" in history
    stale = client.post(url, data={**form, "why": "from an old page"})
    assert stale.status_code == 422
    assert "Version 2 was saved since this page was opened" in stale.text


def test_the_preview_renders_against_a_real_case_by_reference_or_id(
    client: TestClient, db: Session, admin: User
) -> None:
    debtor = make_debtor(first_name="Rosa", reference="RS-42")
    version = saved(db)
    url = f"/outreach/templates/{version.template_id}/preview"
    _, form, _ = rendered_form(
        client.get(f"/outreach/templates/{version.template_id}").text, "template-form"
    )
    assert form["preview_case"] == ""
    sample = client.post(url, data=form, headers=HTMX)
    assert "(with the sample values)" in sample.text
    for wanted in ("rs-42", str(debtor.case.id)):
        answer = client.post(url, data={**form, "preview_case": wanted}, headers=HTMX)
        assert f"(with case RS-42 ({debtor.client.name}))" in answer.text
        assert "Hi Rosa, your balance is" in answer.text
    missing = client.post(url, data={**form, "preview_case": "NOPE-1"}, headers=HTMX)
    assert "there is no case with the id or reference &#39;NOPE-1&#39;" in missing.text
    make_debtor(reference="RS-42")  # the same reference at another client
    twice = client.post(url, data={**form, "preview_case": "RS-42"}, headers=HTMX)
    assert "2 cases have the reference &#39;RS-42&#39;" in twice.text


def test_an_email_templates_parts_are_checked_and_its_html_previewed_sandboxed(
    client: TestClient, db: Session, admin: User
) -> None:
    fields = {"key": "hello", "channel": "email", "language": "en", "title": "Hello"}
    editor = client.get("/outreach/templates/new", params=fields)
    _, form, _ = rendered_form(editor.text, "template-form")
    assert {"subject", "body", "html"} <= set(form)
    html = '<p>{{ disclosure.mini_miranda }} <a href="{{ opt_out.email_link }}">Stop</a></p>'
    answer = client.post(
        "/outreach/templates/new/preview", data={**form, "html": html}, headers=HTMX
    )
    assert check(answer.text, "opt-out") == "yes"
    assert '<iframe class="html-preview" id="preview-html"' in answer.text
    assert " sandbox srcdoc=" in answer.text
    no_link = client.post(
        "/outreach/templates/new/preview",
        data={**form, "html": "<p>{{ disclosure.mini_miranda }}</p>"},
        headers=HTMX,
    )
    assert check(no_link.text, "opt-out") == "no"
    assert "html: an e-mail must carry the opt-out link" in no_link.text


def test_a_versions_messages_are_linked_to_the_outbox_filtered_by_that_version(
    client: TestClient, db: Session, admin: User
) -> None:
    debtor = make_debtor()
    first = saved(db)
    second = saved(db, body=GOOD + " ")
    template = db.get(MessageTemplate, first.template_id)
    assert template is not None
    with clock.frozen(OFFICE_HOURS):
        message = outbox.queue(
            db,
            case_id=debtor.case.id,
            consumer_id=debtor.consumer.id,
            client_id=debtor.client.id,
            contact_point_id=debtor.phone.id,
            to_address=debtor.phone.value,
            draft=composing.draft_for(
                first, template, case=debtor.case, client_name="C", point=debtor.phone
            ),
            provider="sandbox",
            by_user_id=None,
            source=Source.AGENT,
        )
    page = client.get(f"/outreach/templates/{template.id}").text
    assert f'<a href="/outbox?version={first.id}">1 message sent with this version</a>' in page
    assert f"/outbox?version={second.id}" not in page
    box = client.get("/outbox", params={"version": first.id})
    assert re.findall(r'<tr data-message="(\d+)"', box.text) == [str(message.id)]
    assert "payment-reminder/sms/en@v1" in box.text
    assert 'name="version"' in box.text  # kept when another filter changes
    assert (
        re.findall(
            r'<tr data-message="(\d+)"', client.get("/outbox", params={"version": second.id}).text
        )
        == []
    )
    unknown = client.get("/outbox", params={"version": 987654321})
    assert "Template version: there is no such version." in unknown.text


def test_a_setting_out_of_bounds_is_named_in_the_preview_instead_of_the_checks(
    client: TestClient, db: Session, admin: User
) -> None:
    version = saved(db)
    url = f"/outreach/templates/{version.template_id}"
    _, form, _ = rendered_form(client.get(url).text, "template-form")
    answer = client.post(url + "/preview", data={**form, "segment_limit": "11"}, headers=HTMX)
    assert answer.status_code == 200
    assert "Not checked until these are corrected:" in answer.text
    assert "Segment limit: must be at most 10" in answer.text
    refused = client.post(url, data={**form, "segment_limit": "11", "why": "longer"})
    assert refused.status_code == 422
    assert "Segment limit: must be at most 10" in refused.text.split('id="e-segment_limit"')[1]
