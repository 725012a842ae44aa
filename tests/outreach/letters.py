"""Letters for the tests: a debtor with a postal address, a letter template saved in
English or Spanish, and a letter queued through the real outbox (and so the gate)."""

from __future__ import annotations

import io
from dataclasses import dataclass

from pypdf import PdfReader
from sqlalchemy.orm import Session

from agency.cases.models import Channel
from agency.compliance.models import Source
from agency.kit import clock
from agency.outreach import outbox, providers, versions
from agency.outreach.models import MessageChannel, MessageTemplate, OutboxMessage, TemplateVersion
from agency.outreach.templating import Language
from tests.fixtures.compliance import OFFICE_HOURS, make_debtor
from tests.fixtures.factories import ContactPointFactory

ADDRESS = "742 Evergreen Terrace, Apt <2> & 3, Springfield IL 62704"


@dataclass(frozen=True)
class Addressee:
    case_id: int
    consumer_id: int
    client_id: int
    address_id: int
    reference: str


def make_addressee(
    db: Session,
    *,
    first_name: str = "Zoë",
    last_name: str = "O'Hara <b>& Sons</b>",
    reference: str | None = None,
    address: str = ADDRESS,
) -> Addressee:
    debtor = make_debtor(first_name=first_name, last_name=last_name, reference=reference)
    point = ContactPointFactory(
        consumer=debtor.consumer, channel=Channel.ADDRESS, kind="home", value=address
    )
    db.flush()
    return Addressee(
        case_id=debtor.case.id,
        consumer_id=debtor.consumer.id,
        client_id=debtor.client.id,
        address_id=point.id,
        reference=debtor.case.client_reference,
    )


def letter_template(db: Session, language: Language) -> tuple[MessageTemplate, int]:
    """A letter template saved through the save-time checks; its newest version's id."""
    version = versions.save_version(
        db,
        draft=versions.TemplateDraft(
            key="balance-letter",
            channel=MessageChannel.LETTER,
            language=language,
            title="Balance letter",
            body="{{ consumer.first_name }}, {{ case.balance }}.\n\n{{ disclosure.mini_miranda }}",
        ),
        why="letters for the tests",
        by_user_id=None,
    )
    template = db.get(MessageTemplate, version.template_id)
    assert template is not None
    return template, version.id


def queue_letter(
    db: Session,
    who: Addressee,
    *,
    body: str,
    subject: str | None = "Your account",
    language: Language = "en",
    send_now: bool = True,
) -> OutboxMessage:
    """A letter (the rendered words ``body``) queued to ``who``'s address at office hours."""
    template, version_id = letter_template(db, language)
    version = db.get(TemplateVersion, version_id)
    assert version is not None
    with clock.frozen(OFFICE_HOURS):
        message = outbox.queue(
            db,
            case_id=who.case_id,
            consumer_id=who.consumer_id,
            client_id=who.client_id,
            contact_point_id=who.address_id,
            to_address=ADDRESS,
            draft=outbox.Draft(
                channel=MessageChannel.LETTER,
                subject=subject,
                body=body,
                gate_template=versions.gate_template(template, version),
                template_version_id=version_id,
            ),
            provider=providers.name_for(MessageChannel.LETTER),
            by_user_id=None,
            source=Source.AGENT,
            send_now=send_now,
        )
    assert message.blocked_by == [], message.blocked_by
    return message


def pdf_text(content: bytes) -> list[str]:
    """Each page's text, as pypdf reads it back."""
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]
