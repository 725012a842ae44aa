"""The validation notice for a real case: described from the case and kept as a PDF
when queued (parsed back with pypdf), sent by letter or — only with an E-SIGN consent —
by e-mail with the PDF attached (aiosmtpd), recorded as VALIDATION_SENT only once sent,
its dates the ones compliance uses (across July 4 and Thanksgiving, in every zone the
consumer may be in), a copy that keeps the first dates, and the Messages panel's forms
posted as rendered, with who may use them."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.cases.models import Case, Channel, ContactPoint, ItemizationType
from agency.compliance import service as compliance
from agency.compliance.models import ComplianceFact, FactKind
from agency.compliance.rules.us_federal import within_validation_period
from agency.compliance.validation import validation_period_end
from agency.config import get_settings
from agency.db import session_scope
from agency.kit import clock
from agency.kit.forms import FormError
from agency.outreach import esign, providers, validation_notices
from agency.outreach.models import Document, MessageChannel, MessageStatus, OutboxMessage
from agency.worker import drain
from tests.fixtures import factories
from tests.fixtures.factories import (
    ClientFactory,
    ConsumerFactory,
    ContactPointFactory,
    UserFactory,
)
from tests.fixtures.forms import rendered_form
from tests.fixtures.smtp import Inbox, smtp_server
from tests.fixtures.web import csrf_token, sign_in
from tests.outreach.conftest import PUBLIC_URL

# Wednesday 1 July 2026, 10:00 in Chicago: Friday 3 July is Independence Day observed.
BEFORE_JULY_4 = datetime(2026, 7, 1, 15, 0, tzinfo=UTC)
# Wednesday 26 November 2025, 10:00 in Chicago: Thanksgiving is the 27th.
BEFORE_THANKSGIVING = datetime(2025, 11, 26, 16, 0, tzinfo=UTC)


def make_case(
    *, language: str | None = None, zones: tuple[str, ...] = ("America/Chicago",)
) -> Case:
    """A consumer in ``zones`` with an e-mail and a home address, and a case with its Reg F
    itemization, no validation notice sent yet."""
    consumer = ConsumerFactory(
        first_name="Dana", last_name="Whitfield", timezones=list(zones), language=language
    )
    ContactPointFactory(
        consumer=consumer, channel=Channel.EMAIL, kind="personal", value="dana@example.org"
    )
    ContactPointFactory(
        consumer=consumer,
        channel=Channel.ADDRESS,
        kind="home",
        value="12 Elm St, Apt 3, Peoria, IL 61602, US",
    )
    case: Case = factories.case_for(
        ClientFactory(name="Contoso Wireless"),
        consumer=consumer,
        client_reference="CW-0042",
        itemization_date=date(2025, 1, 15),
        itemization_type=ItemizationType.CHARGE_OFF,
        itemization_amount_minor=100_000,
        interest_since_minor=1_200,
        fees_since_minor=2_500,
        payments_since_minor=5_000,
    )
    return case


def point(db: Session, case: Case, channel: Channel) -> ContactPoint:
    return db.scalars(
        select(ContactPoint).where(
            ContactPoint.consumer_id == case.consumer_id, ContactPoint.channel == channel
        )
    ).one()


def pdf_text(document: Document) -> str:
    return " ".join(
        " ".join(
            page.extract_text() for page in PdfReader(io.BytesIO(document.content)).pages
        ).split()
    )


def facts(db: Session, case_id: int) -> list[ComplianceFact]:
    return list(
        db.scalars(
            select(ComplianceFact).where(
                ComplianceFact.case_id == case_id, ComplianceFact.kind == FactKind.VALIDATION_SENT
            )
        )
    )


def kept(db: Session, message_id: int) -> Document:
    return db.scalars(select(Document).where(Document.message_id == message_id)).one()


def queue(
    db: Session,
    case: Case,
    by: str = "letter",
    *,
    reason: str | None = None,
    at: datetime = BEFORE_JULY_4,
) -> OutboxMessage:
    channel = Channel.ADDRESS if by == "letter" else Channel.EMAIL
    with clock.frozen(at):
        return validation_notices.queue_notice(
            db,
            case=case,
            by=by,  # type: ignore[arg-type]
            contact_point_id=point(db, case, channel).id,
            reason=reason,
            by_user_id=UserFactory(role=Role.AGENT).id,
        )


def consent(db: Session, case: Case, *, at: datetime = BEFORE_JULY_4) -> None:
    with clock.frozen(at):
        esign.record_consent(
            db,
            consumer_id=case.consumer_id,
            contact_point_id=point(db, case, Channel.EMAIL).id,
            how="consumer confirmed by e-mail reply",
            given_at=None,
            by_user_id=UserFactory(role=Role.AGENT).id,
        )


def test_a_letter_keeps_the_notice_at_queue_time_and_no_fact_until_sent(db: Session) -> None:
    case = make_case()
    message = queue(db, case)
    assert message.status is MessageStatus.PENDING and message.channel is MessageChannel.LETTER
    document = kept(db, message.id)
    assert document.case_id == case.id and document.content_type == "application/pdf"
    assert document.size == len(document.content) and document.pages == 1
    text = pdf_text(document)
    assert "Dana Whitfield" in text and "12 Elm St" in text and "Peoria, IL 61602" in text
    assert "Contoso Wireless" in text
    for amount in ("$1,000.00", "$12.00", "$25.00", "$50.00", "$987.00"):
        assert amount in text, amount
    assert "August 8, 2026" in text  # 1 July: receipt 9 July (3 July observed), +30 days
    assert "español" in text  # the English notice offers the Spanish one
    assert facts(db, case.id) == []  # queued is not sent


def test_a_spanish_speaker_gets_the_notice_in_spanish(db: Session) -> None:
    case = make_case(language="es")
    text = pdf_text(kept(db, queue(db, case).id))
    assert "8 de agosto de 2026" in text and "cobrador de deudas" in text


def test_a_case_without_its_itemization_is_refused_in_words(db: Session) -> None:
    case = make_case()
    case.itemization_amount_minor = None
    with pytest.raises(FormError, match="itemization date and amount"):
        queue(db, case)


def test_e_mail_is_refused_without_a_consent_and_after_its_withdrawal(db: Session) -> None:
    case = make_case()
    with pytest.raises(FormError) as refused:
        queue(db, case, "email")
    assert "no current E-SIGN consent" in refused.value.errors["email_id"]
    consent(db, case)
    [given] = esign.consents_of(db, case.consumer_id)
    with clock.frozen(BEFORE_JULY_4):
        esign.withdraw_consent(
            db,
            consumer_id=case.consumer_id,
            consent_id=given.id,
            by_user_id=given.recorded_by_id or 0,
        )
    with pytest.raises(FormError):
        queue(db, case, "email")
    assert esign.consents_of(db, case.consumer_id)[0].withdrawn_at is not None  # kept


def test_a_blocked_notice_is_kept_as_blocked_with_no_document_and_no_fact(db: Session) -> None:
    case = make_case()
    consent(db, case)
    night = datetime(2026, 7, 2, 4, 0, tzinfo=UTC)  # 23:00 in Chicago
    message = queue(db, case, "email", at=night)
    assert message.status is MessageStatus.BLOCKED and message.blocked_by
    assert db.scalars(select(Document).where(Document.message_id == message.id)).first() is None
    assert facts(db, case.id) == []


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    with smtp_server() as (inbox, port):
        monkeypatch.setattr(get_settings(), "smtp_url", f"smtp://127.0.0.1:{port}")
        monkeypatch.setattr(get_settings(), "public_url", PUBLIC_URL)
        providers.forget()
        yield inbox
        providers.forget()


def committed_case(**kwargs: object) -> int:
    with session_scope() as db:
        factories.bind(db)
        case = make_case(**kwargs)  # type: ignore[arg-type]
        db.flush()
        return case.id


@contextmanager
def sending(case_id: int, at: datetime) -> Iterator[tuple[Session, Case]]:
    """A unit of work at ``at`` on the committed case, its jobs run (still at ``at``)
    once it commits."""
    with clock.frozen(at):
        with session_scope() as db:
            factories.bind(db)
            case = db.get(Case, case_id)
            assert case is not None
            yield db, case
        drain()


def test_an_e_mailed_notice_carries_its_pdf_and_is_a_fact_once_the_server_took_it(
    bound_engine: Engine, smtp: Inbox
) -> None:
    case_id = committed_case()
    with sending(case_id, BEFORE_JULY_4) as (db, case):
        consent(db, case)
        message_id = queue(db, case, "email").id
        assert facts(db, case_id) == []
    [mail] = smtp.received
    assert mail["To"] == "dana@example.org"
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None and "is a debt collector" in body.get_content()
    assert f"{PUBLIC_URL}/opt-out/" in body.get_content() and "August 8, 2026" in body.get_content()
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == f"validation-notice-case-{case_id}-2026-07-01.pdf"
    pdf = attachment.get_content()
    reader = PdfReader(io.BytesIO(pdf))
    assert "Dana Whitfield" in reader.pages[0].extract_text()
    with session_scope() as db:
        message = db.get(OutboxMessage, message_id)
        assert message is not None and message.status is MessageStatus.SENT
        assert kept(db, message_id).content == pdf
        [fact] = facts(db, case_id)
        assert fact.effective_at == message.sent_at
        assert fact.detail == {
            "sent_on": "2026-07-01",
            "validation_end": "2026-08-08",
            "channel": "email",
            "message": message_id,
        }


@pytest.mark.parametrize(
    ("at", "end"),
    [(BEFORE_JULY_4, date(2026, 8, 8)), (BEFORE_THANKSGIVING, date(2026, 1, 3))],
    ids=["july-4", "thanksgiving"],
)
def test_the_printed_end_date_is_the_one_compliance_uses(
    bound_engine: Engine, at: datetime, end: date
) -> None:
    case_id = committed_case()
    with sending(case_id, at) as (db, case):
        message_id = queue(db, case, at=at).id  # a letter through the sandbox: sent
    with session_scope() as db:
        case = db.get(Case, case_id)
        assert case is not None
        assert end.strftime("%B %-d, %Y") in pdf_text(kept(db, message_id))
        [fact] = facts(db, case_id)
        assert fact.detail["validation_end"] == end.isoformat()
        sent_at = compliance.validation_sent_at(db, case=case)
        assert sent_at is not None
        assert validation_period_end(sent_at.astimezone(clock.zone("America/Chicago"))) == end
        chicago = [clock.zone("America/Chicago")]
        assert within_validation_period(end, sent_at, chicago)  # the dispute hold's reading
        assert not within_validation_period(end + timedelta(days=1), sent_at, chicago)
        assert validation_notices.panel(db, case=case).validation_end == end


def test_a_consumer_in_two_zones_gets_the_earliest_local_date(db: Session) -> None:
    # 05:30 UTC on Thursday 2 July: 01:30 in New York, still Wednesday 1 July, 22:30, in
    # Los Angeles.  Dated 1 July, the assumed receipt is within five days wherever the
    # consumer is; the dispute hold accepts the later end of New York's date too.
    at = datetime(2026, 7, 2, 5, 30, tzinfo=UTC)
    zones = ("America/Los_Angeles", "America/New_York")
    assert validation_notices.notice_day(at, zones) == date(2026, 7, 1)
    case = make_case(zones=zones)
    message = queue(db, case, at=datetime(2026, 7, 1, 20, 0, tzinfo=UTC))
    assert "August 8, 2026" in pdf_text(kept(db, message.id))
    tzs = [clock.zone(z) for z in zones]
    assert within_validation_period(date(2026, 8, 8), at, tzs)


def test_a_copy_needs_a_reason_and_keeps_the_first_notices_dates(bound_engine: Engine) -> None:
    case_id = committed_case()
    with sending(case_id, BEFORE_JULY_4) as (db, case):
        queue(db, case)
    later = BEFORE_JULY_4 + timedelta(days=20)
    with sending(case_id, later) as (db, case):
        first = compliance.validation_sent_at(db, case=case)
        with pytest.raises(FormError) as refused:
            queue(db, case, at=later)
        assert "already sent" in refused.value.errors["reason"]
        copy = queue(db, case, reason="consumer asked for another copy", at=later)
        assert "August 8, 2026" in pdf_text(kept(db, copy.id))  # not 20 days later
        assert kept(db, copy.id).file_name.endswith("2026-07-01.pdf")
    with session_scope() as db:
        case = db.get(Case, case_id)
        assert case is not None
        assert len(facts(db, case_id)) == 2
        assert compliance.validation_sent_at(db, case=case) == first  # unmoved
        assert validation_notices.panel(db, case=case).validation_end == date(2026, 8, 8)


def panel_html(client: TestClient, case: Case) -> str:
    page = client.get(f"/cases/{case.id}/messages")
    assert page.status_code == 200
    return page.text


def post_rendered(
    client: TestClient, html: str, form_id: str, **changes: str
) -> tuple[str, object]:
    action, fields, _options = rendered_form(html, form_id)
    fields.update(changes)
    return action, client.post(action, data=fields)


def test_the_panel_sends_by_letter_records_a_consent_then_offers_e_mail(
    client: TestClient, db: Session
) -> None:
    case = make_case()
    sign_in(client, db, UserFactory(role=Role.AGENT))
    html = panel_html(client, case)
    assert "No validation notice has been sent" in html
    assert (
        'id="send-notice-email"' in html
        and "No e-mail address with a current E-SIGN consent" in html
    )
    assert "d…@example.org" in html and "dana@example.org" not in html
    with clock.frozen(BEFORE_JULY_4):
        _, sent = post_rendered(client, html, "send-notice-letter")
    assert sent.status_code == 200, sent.text  # type: ignore[attr-defined]
    assert "on its way by letter" in sent.text  # type: ignore[attr-defined]
    [document] = db.scalars(select(Document).where(Document.case_id == case.id)).all()
    link = f"/cases/{case.id}/validation-notices/{document.id}.pdf"
    assert link in sent.text  # type: ignore[attr-defined]
    download = client.get(link)
    assert download.status_code == 200 and download.content == document.content
    assert download.headers["content-type"] == "application/pdf"
    # The consent form as rendered, "given at" left blank (now).
    html = panel_html(client, case)
    assert "Reason for sending it again" in html
    with clock.frozen(BEFORE_JULY_4):
        _, recorded = post_rendered(
            client, html, "esign-consent-form", how="consumer confirmed by e-mail reply"
        )
    assert "E-SIGN consent recorded" in recorded.text  # type: ignore[attr-defined]
    html = panel_html(client, case)
    assert "consumer confirmed by e-mail reply" in html
    _action, _fields, options = rendered_form(html, "send-notice-email")
    assert options["email_id"] == [str(point(db, case, Channel.EMAIL).id)]
    with clock.frozen(BEFORE_JULY_4):
        _, again = post_rendered(client, html, "send-notice-email", reason="asked for it by e-mail")
    assert "on its way by e-mail" in again.text  # type: ignore[attr-defined]


def test_a_post_naming_another_address_is_refused_in_words_and_nothing_kept(
    client: TestClient, db: Session
) -> None:
    case = make_case()
    other = ContactPointFactory(
        channel=Channel.EMAIL, kind="personal", value="someone@else.example"
    )
    sign_in(client, db, UserFactory(role=Role.SUPERVISOR))
    answer = client.post(
        f"/cases/{case.id}/validation-notice",
        data={
            "csrf_token": csrf_token(client),
            "by": "email",
            "email_id": str(other.id),
            "reason": "",
        },
    )
    assert answer.status_code == 422
    assert "is not one of this consumer&#39;s" in answer.text
    unconsented = client.post(
        f"/cases/{case.id}/validation-notice",
        data={
            "csrf_token": csrf_token(client),
            "by": "email",
            "email_id": str(point(db, case, Channel.EMAIL).id),
            "reason": "",
        },
    )
    assert unconsented.status_code == 422 and "no current E-SIGN consent" in unconsented.text
    blank = client.post(
        f"/cases/{case.id}/esign-consents",
        data={
            "csrf_token": csrf_token(client),
            "contact_point_id": str(point(db, case, Channel.EMAIL).id),
            "how": " ",
            "given_at": "",
        },
    )
    assert blank.status_code == 422 and "is required" in blank.text
    db.expire_all()
    assert db.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id)).first() is None
    assert esign.consents_of(db, case.consumer_id) == []


@pytest.mark.parametrize("role", list(Role))
def test_who_may_see_send_and_download(client: TestClient, db: Session, role: Role) -> None:
    case = make_case()
    with clock.frozen(BEFORE_JULY_4):
        document = kept(db, queue(db, case).id)
    user = UserFactory(role=role, client_id=case.client_id if role is Role.MERCHANT else None)
    sign_in(client, db, user)
    page = client.get(f"/cases/{case.id}/messages")
    link = f"/cases/{case.id}/validation-notices/{document.id}.pdf"
    download = client.get(link)
    sends = role in (Role.ADMIN, Role.SUPERVISOR, Role.AGENT)
    if role is Role.MERCHANT:
        assert page.status_code == 200 and "Validation notice" not in page.text
        assert download.status_code == 403
    else:
        assert link in page.text and download.status_code == 200
        assert ('id="send-notice-letter"' in page.text) is sends
    posted = client.post(
        f"/cases/{case.id}/validation-notice",
        data={
            "csrf_token": csrf_token(client),
            "by": "letter",
            "address_id": str(point(db, case, Channel.ADDRESS).id),
            "reason": "again",
        },
    )
    assert (posted.status_code == 403) is not sends


def test_another_cases_notice_is_not_found(client: TestClient, db: Session) -> None:
    case, other = make_case(), make_case()
    with clock.frozen(BEFORE_JULY_4):
        document = kept(db, queue(db, other).id)
    sign_in(client, db, UserFactory(role=Role.ADMIN))
    assert client.get(f"/cases/{case.id}/validation-notices/{document.id}.pdf").status_code == 404
