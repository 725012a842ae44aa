"""A letter through the real job: queued, asked again at the gate, its PDF made and kept
(parsed back with pypdf: the recipient in the window, the body, Spanish accents, markup
characters printed as text), a validation notice made up front printed as it is, a
letter waiting for its batch left alone by the reconciliation, and returned mail."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from agency.cases.models import ContactPoint
from agency.cli import app
from agency.compliance.models import EntryKind, LedgerEntry
from agency.db import session_scope
from agency.kit import clock
from agency.outreach import letters, sending
from agency.outreach.composing import agency_contact
from agency.outreach.letter_pdf import LetterContent, render_letter
from agency.outreach.models import Document, DocumentKind, MessageStatus, OutboxMessage
from agency.worker import drain
from tests.fixtures import factories
from tests.fixtures.compliance import OFFICE_HOURS, flags
from tests.outreach.letters import Addressee, make_addressee, pdf_text, queue_letter

SPANISH = (
    "Estimada Zoë:\n\nPara más información sobre su cuenta, llámenos.\n"
    "Smith & Sons <b>no es negrita</b> <font size=40>grande</font>\n\n"
    "Este es un intento de cobrar una deuda."
)


def addressee() -> Addressee:
    with session_scope() as db:
        factories.bind(db)
        return make_addressee(db)


def queued(who: Addressee, **kwargs: Any) -> int:
    with session_scope() as db:
        return queue_letter(db, who, **kwargs).id


def stored(message_id: int) -> tuple[OutboxMessage, list[Document]]:
    with session_scope() as db:
        message = db.get(OutboxMessage, message_id)
        assert message is not None
        documents = list(db.scalars(select(Document).where(Document.message_id == message_id)))
        db.expunge_all()
        return message, documents


def test_a_queued_letter_has_its_pdf_made_when_its_job_runs_and_waits_for_the_batch(
    bound_engine: Engine,
) -> None:
    who = addressee()
    with clock.frozen(OFFICE_HOURS):
        message_id = queued(who, body=SPANISH, subject="Su cuenta <i>", language="es")
        drain()
    message, documents = stored(message_id)
    assert message.provider == "print"
    assert (message.status, message.provider_status) == (MessageStatus.SENDING, letters.WAITING)
    assert message.letter_batch_id is None
    [document] = documents
    assert document.kind is DocumentKind.LETTER and document.case_id == who.case_id
    assert document.content_type == "application/pdf" and document.pages == 1
    assert document.size == len(document.content)
    [page] = pdf_text(document.content)
    # The recipient's name and address as written, markup characters and all.
    assert "Zoë O'Hara <b>& Sons</b>" in page
    assert "742 Evergreen Terrace" in page and "Apt <2> & 3" in page
    assert "Springfield IL 62704" in page
    assert "Para más información sobre su cuenta, llámenos." in page
    assert "Smith & Sons <b>no es negrita</b> <font size=40>grande</font>" in page
    assert "Su cuenta <i>" in page
    assert "Teléfono:" in page and "Referencia: " + who.reference in page
    assert "9 de junio de 2025" in page  # the day the PDF was made, in Spanish
    assert agency_contact().name in page


def test_a_long_letter_runs_on_to_more_pages_with_the_footer_on_each(
    bound_engine: Engine,
) -> None:
    who = addressee()
    body = "\n\n".join(f"Paragraph {n}: please call us about your account." for n in range(90))
    with clock.frozen(OFFICE_HOURS):
        message_id = queued(who, body=body)
        drain()
    [document] = stored(message_id)[1]
    pages = pdf_text(document.content)
    assert document.pages == len(pages) >= 2
    assert "Paragraph 89:" in pages[-1]
    assert all(f"Page {n}" in text for n, text in enumerate(pages, start=1))


def test_a_letter_with_its_validation_notice_made_up_front_is_printed_as_it_is(
    bound_engine: Engine,
) -> None:
    who = addressee()
    notice = render_letter(
        LetterContent(
            language="en",
            on=OFFICE_HOURS.date(),
            letterhead=agency_contact(),
            recipient="As queued",
            address_lines=("1 Notice Way",),
            reference=who.reference,
            subject="Validation notice",
            body="THE NOTICE AS QUEUED",
        )
    )
    with clock.frozen(OFFICE_HOURS):
        with session_scope() as db:
            message = queue_letter(db, who, body="unused words")
            db.add(
                Document(
                    kind=DocumentKind.VALIDATION_NOTICE,
                    case_id=who.case_id,
                    message_id=message.id,
                    file_name="notice.pdf",
                    content_type="application/pdf",
                    content=notice.pdf,
                    size=len(notice.pdf),
                    sha256="0" * 64,
                    pages=notice.pages,
                )
            )
            message_id = message.id
        drain()
        with session_scope() as db:
            batch = letters.make_batch(db, by_user_id=None)
            assert batch is not None
            merged = db.scalars(
                select(Document.content).where(
                    Document.batch_id == batch.id, Document.kind == DocumentKind.PRINT_BATCH
                )
            ).one()
    message, documents = stored(message_id)
    assert [d.kind for d in documents] == [DocumentKind.VALIDATION_NOTICE]
    assert message.status is MessageStatus.SENT
    assert "THE NOTICE AS QUEUED" in pdf_text(merged)[0]


def test_the_reconciliation_leaves_a_letter_waiting_for_its_batch_alone(
    bound_engine: Engine,
) -> None:
    who = addressee()
    with clock.frozen(OFFICE_HOURS):
        message_id = queued(who, body="Dear Zoë")
        drain()
    with clock.frozen(OFFICE_HOURS + timedelta(hours=3)):
        assert sending.reconcile_stuck() == 0
        drain()
    message, documents = stored(message_id)
    assert (message.status, message.tries) == (MessageStatus.SENDING, 1)
    assert len(documents) == 1


def test_returned_mail_from_the_command_line_marks_the_address_do_not_use(
    bound_engine: Engine,
) -> None:
    who = addressee()
    with clock.frozen(OFFICE_HOURS):
        message_id = queued(who, body="Dear Zoë")
        drain()
    runner = CliRunner()
    early = runner.invoke(app, ["outreach", "returned-mail", str(message_id), "--reason", "x"])
    assert early.exit_code == 2
    assert f"letter {message_id} has not been printed yet" in early.output
    with session_scope() as db, clock.frozen(OFFICE_HOURS):
        assert letters.make_batch(db, by_user_id=None) is not None
    result = runner.invoke(
        app,
        ["outreach", "returned-mail", str(message_id), "--reason", "Moved,  left no address"],
    )
    assert result.exit_code == 0, result.output
    assert f"letter {message_id}: undelivered" in result.output
    message = stored(message_id)[0]
    assert message.status is MessageStatus.UNDELIVERED
    assert message.error == "returned: Moved, left no address"
    with session_scope() as db:
        point = db.get(ContactPoint, who.address_id)
        assert point is not None and flags(db, point).do_not_use
        outcomes = db.scalars(
            select(LedgerEntry).where(
                LedgerEntry.kind == EntryKind.OUTCOME,
                LedgerEntry.consumer_id == who.consumer_id,
            )
        ).all()
        assert [entry.outcome for entry in outcomes] == ["failed"]
    unknown = runner.invoke(app, ["outreach", "returned-mail", "999999", "--reason", "x"])
    assert unknown.exit_code == 2 and "no letter has the id 999999" in unknown.output
