"""Letters: one PDF per letter, gathered into print batches for the print vendor.

A letter is queued like any message (``outbox.queue``: channel letter, ``to_address``
the postal address, ``body`` the letter template's words) with the provider ``print``.
When its job runs and the gate allows it again (``outbox.claim_many``), ``prepare``
makes its PDF (``letter_pdf``, with the consumer's self-service link as a QR code and
a URL) and keeps it as a document — unless the message already has one (a validation
notice, made when it was queued), which is printed as it is.  The
letter then waits, ``sending``, for the next print batch: it has no provider to ask, so
the reconciliation of stuck messages leaves it alone.

``make_batch`` gathers the letters waiting (the oldest ``BATCH_LIMIT``; the rest go in
the next batch), merges their PDFs with pypdf into one, each letter starting on an odd
page so that a duplex printer never prints one consumer's letter on the back of
another's (a blank page after a letter with an odd number of pages), and writes the
CSV manifest the vendor works from.  Both are kept as the batch's documents, and every
letter in it is sent (``outbox.record_results``: provider status "printed").  The rows
are locked as they are gathered (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite has
one writer at a time), so two batches made at once never share a letter.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from pypdf import PdfReader, PdfWriter
from sqlalchemy.orm import Session

from agency.config import get_settings
from agency.db import session_scope
from agency.kit import clock
from agency.kit.spreadsheets import excel_safe
from agency.outreach import outbox, providers
from agency.outreach import repository as repo
from agency.outreach.channels.base import Sent
from agency.outreach.composing import agency_contact, self_service_url
from agency.outreach.letter_pdf import LetterContent, address_lines, render_letter
from agency.outreach.models import Document, DocumentKind, LetterBatch, OutboxMessage

# The letters one batch holds at most (the merge keeps them in memory: ~5 KB a page).
BATCH_LIMIT = 5000
# A letter's provider status once its PDF is made, and once its batch is.
WAITING = "waiting for batch"
PRINTED = "printed"
PDF = "application/pdf"
CSV = "text/csv; charset=utf-8"
MANIFEST_COLUMNS = (
    "batch_id",
    "sequence",
    "message_id",
    "case_reference",
    "recipient_name",
    "address_line_1",
    "address_line_2",
    "address_line_3",
    "address_line_4",
    "pages",
    "first_page",
    "template",
    "sha256",
)


def prepare(db: Session, message_ids: Sequence[int]) -> int:
    """Make the PDF of each letter among ``message_ids`` that waits for its batch without
    one (a letter with a validation notice already made keeps it); returns how many
    letters are ready.  A letter another transaction holds is left to it."""
    letters = repo.letters_for_update(db, message_ids, providers.PRINT)
    _printed(db, letters)
    for letter in letters:
        letter.provider_status = WAITING
    db.flush()
    return len(letters)


def _printed(db: Session, letters: Sequence[OutboxMessage]) -> dict[int, Document]:
    """Each letter's PDF as it will be printed, made and kept where there is none."""
    documents = repo.printed_documents(db, [m.id for m in letters])
    missing = [m for m in letters if m.id not in documents]
    if not missing:
        return documents
    recipients = repo.recipients(db, [m.case_id for m in missing])
    languages = repo.template_languages(
        db, [m.template_version_id for m in missing if m.template_version_id is not None]
    )
    letterhead = agency_contact()
    today = _today()
    for message in missing:
        recipient = recipients[message.case_id]
        language = languages.get(message.template_version_id or 0, "en")
        rendered = render_letter(
            LetterContent(
                language="es" if language == "es" else "en",
                on=today,
                letterhead=letterhead,
                recipient=f"{recipient.first_name} {recipient.last_name}",
                address_lines=address_lines(message.to_address),
                reference=recipient.reference,
                subject=message.subject,
                body=message.body,
                self_service_link=self_service_url(
                    case_id=message.case_id, consumer_id=message.consumer_id
                ),
            )
        )
        documents[message.id] = _keep(
            db,
            kind=DocumentKind.LETTER,
            file_name=f"letter-{message.id}.pdf",
            content_type=PDF,
            content=rendered.pdf,
            pages=rendered.pages,
            case_id=message.case_id,
            message_id=message.id,
        )
    return documents


def _keep(
    db: Session,
    *,
    kind: DocumentKind,
    file_name: str,
    content_type: str,
    content: bytes,
    pages: int | None,
    case_id: int | None = None,
    message_id: int | None = None,
    batch_id: int | None = None,
    by_user_id: int | None = None,
) -> Document:
    document = Document(
        kind=kind,
        case_id=case_id,
        message_id=message_id,
        batch_id=batch_id,
        file_name=file_name,
        content_type=content_type,
        content=content,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        pages=pages,
        by_user_id=by_user_id,
        created_at=clock.now(),
    )
    db.add(document)
    db.flush()
    return document


def _today() -> date:
    return clock.now().astimezone(clock.office_zone()).date()


def make_batch(
    db: Session, *, by_user_id: int | None, limit: int = BATCH_LIMIT
) -> LetterBatch | None:
    """A print batch of the (at most ``limit``) oldest letters waiting that the gate still
    allows, each then sent; None when no letter waits (or none is still allowed)."""
    gathered = repo.waiting_letters_for_update(db, providers.PRINT, limit=limit)
    # Up to a day may have passed since each letter's job: the gate is asked again, and
    # a letter to a case disputed, paid or told to cease since is not printed.
    letters = outbox.still_allowed(db, gathered)
    if not letters:
        return None
    documents = _printed(db, letters)
    recipients = repo.recipients(db, [m.case_id for m in letters])
    batch = LetterBatch(
        day=_today(), letters=len(letters), pages=0, by_user_id=by_user_id, created_at=clock.now()
    )
    db.add(batch)
    db.flush()
    writer = PdfWriter()
    manifest = io.StringIO()
    rows = csv.writer(manifest, lineterminator="\r\n")
    rows.writerow(MANIFEST_COLUMNS)
    for sequence, message in enumerate(letters, start=1):
        document = documents[message.id]
        # One letter's bytes in memory at a time; the writer holds the pages it took.
        reader = PdfReader(io.BytesIO(repo.document_content(db, document.id)))
        first_page = len(writer.pages) + 1
        for page in reader.pages:
            writer.add_page(page)
        if len(reader.pages) % 2:
            last = reader.pages[-1].mediabox
            writer.add_blank_page(width=float(last.width), height=float(last.height))
        recipient = recipients[message.case_id]
        lines = address_lines(message.to_address)
        rows.writerow(
            [
                str(batch.id),
                str(sequence),
                str(message.id),
                *(
                    excel_safe(text)
                    for text in (
                        recipient.reference,
                        f"{recipient.first_name} {recipient.last_name}",
                        *(lines + ("",) * 4)[:4],
                    )
                ),
                str(len(reader.pages)),
                str(first_page),
                excel_safe(message.gate_template),
                document.sha256,
            ]
        )
    merged = io.BytesIO()
    writer.write(merged)
    batch.pages = len(writer.pages)
    name = f"print-batch-{batch.id}-{batch.day.isoformat()}"
    _keep(
        db,
        kind=DocumentKind.PRINT_BATCH,
        file_name=f"{name}.pdf",
        content_type=PDF,
        content=merged.getvalue(),
        pages=batch.pages,
        batch_id=batch.id,
        by_user_id=by_user_id,
    )
    _keep(
        db,
        kind=DocumentKind.MANIFEST,
        file_name=f"{name}.csv",
        content_type=CSV,
        content=manifest.getvalue().encode(),
        pages=None,
        batch_id=batch.id,
        by_user_id=by_user_id,
    )
    for message in letters:
        message.letter_batch_id = batch.id
    outbox.record_results(
        db,
        {
            message.id: Sent(provider_id=f"batch-{batch.id}-{sequence}", provider_status=PRINTED)
            for sequence, message in enumerate(letters, start=1)
        },
    )
    db.flush()
    return batch


@dataclass(frozen=True, slots=True)
class Waiting:
    """The letters waiting for the next print batch."""

    count: int
    oldest: datetime | None


def waiting(db: Session) -> Waiting:
    count, oldest = repo.waiting_letters_summary(db, providers.PRINT)
    return Waiting(count=count, oldest=oldest)


def make_daily_batches() -> int:
    """The daily job (run hourly): from ``AGENCY_LETTER_BATCH_HOUR`` in the agency's time
    zone, once a day, every letter waiting goes into print batches — one committed
    transaction a batch (design.md §3 rule 1's exception: a killed run leaves whole
    batches, and the next run makes the rest).  Returns how many letters."""
    now = clock.now().astimezone(clock.office_zone())
    if now.hour < get_settings().letter_batch_hour:
        return 0
    with session_scope() as db:
        if repo.job_batch_on(db, now.date()):
            return 0
    letters = 0
    while True:
        with session_scope() as db:
            batch = make_batch(db, by_user_id=None)
            if batch is None:
                return letters
            letters += batch.letters
