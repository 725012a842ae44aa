"""Print batches: the letters waiting merged into one PDF (each letter from an odd page)
with a CSV manifest, every letter then sent; the admin's page and "Make the batch now"
as rendered; the downloads and who may have them; two batches made at once never share
a letter; the daily job; returned mail recorded from the case's messages."""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.cases.models import Case, ContactPoint
from agency.clients.models import Client
from agency.compliance import service as compliance
from agency.db import session_scope
from agency.kit import clock
from agency.outreach import letters, outbox
from agency.outreach.letter_pdf import WINDOW_LEFT, WINDOW_TOP
from agency.outreach.models import (
    Document,
    DocumentKind,
    LetterBatch,
    MessageStatus,
    OutboxMessage,
)
from agency.worker import drain
from tests.fixtures import factories
from tests.fixtures.compliance import OFFICE_HOURS, flags
from tests.fixtures.factories import UserFactory
from tests.fixtures.forms import form_posting_to
from tests.fixtures.web import sign_in
from tests.outreach.letters import Addressee, make_addressee, pdf_text, queue_letter


@pytest.fixture(autouse=True)
def office_hours() -> Iterator[None]:
    """Batches are made in the consumers' daytime: the gate, asked again when a batch is
    made, keeps US-REGF-TIME for letters too ("in any channel")."""
    with clock.frozen(OFFICE_HOURS):
        yield


LONG = "\n\n".join(f"Paragraph {n} of the long letter." for n in range(80))


def waiting_letter(db: Session, who: Addressee, body: str) -> OutboxMessage:
    """A letter queued, then claimed and made as its job would (in the test's session)."""
    message = queue_letter(db, who, body=body, send_now=False)
    with clock.frozen(OFFICE_HOURS):
        assert [c.message_id for c in outbox.claim_many(db, [message.id])] == [message.id]
    assert letters.prepare(db, [message.id]) == 1
    return message


def documents_of(db: Session, batch_id: int) -> dict[DocumentKind, Document]:
    found = db.scalars(select(Document).where(Document.batch_id == batch_id))
    return {document.kind: document for document in found}


def test_a_batch_merges_the_letters_from_odd_pages_and_sends_each_with_a_manifest(
    db: Session,
) -> None:
    people = [make_addressee(db, first_name=name) for name in ("Ana", "=Bob", "Cy")]
    made = [
        waiting_letter(db, people[0], "Dear Ana, one page."),
        waiting_letter(db, people[1], LONG),
        waiting_letter(db, people[2], "Dear Cy, one page."),
    ]
    pages = [
        db.scalars(select(Document.pages).where(Document.message_id == m.id)).one() for m in made
    ]
    assert pages[0] == pages[2] == 1 and pages[1] >= 2
    admin = UserFactory(role=Role.ADMIN)
    batch = letters.make_batch(db, by_user_id=admin.id)
    assert batch is not None
    assert batch.letters == 3 and batch.by_user_id == admin.id
    files = documents_of(db, batch.id)
    merged = PdfReader(io.BytesIO(files[DocumentKind.PRINT_BATCH].content))
    padded = [count + count % 2 for count in pages]  # each letter starts on an odd page
    assert batch.pages == len(merged.pages) == sum(padded)
    text = [page.extract_text() for page in merged.pages]
    assert "Dear Ana, one page." in text[0] and text[1].strip() == ""
    assert "Paragraph 0 of the long letter." in text[2]
    assert "Dear Cy, one page." in text[padded[0] + padded[1]]
    rows = list(csv.DictReader(io.StringIO(files[DocumentKind.MANIFEST].content.decode())))
    assert [row["message_id"] for row in rows] == [str(m.id) for m in made]
    assert [row["sequence"] for row in rows] == ["1", "2", "3"]
    assert [row["pages"] for row in rows] == [str(count) for count in pages]
    assert [row["first_page"] for row in rows] == [
        "1",
        str(1 + padded[0]),
        str(1 + padded[0] + padded[1]),
    ]
    first = rows[0]
    assert first["batch_id"] == str(batch.id)
    assert first["case_reference"] == people[0].reference
    assert first["recipient_name"] == "Ana O'Hara <b>& Sons</b>"
    assert (first["address_line_1"], first["address_line_2"], first["address_line_3"]) == (
        "742 Evergreen Terrace",
        "Apt <2> & 3",
        "Springfield IL 62704",
    )
    assert first["template"] == made[0].gate_template
    assert rows[1]["recipient_name"].startswith("'=Bob")  # no formula for a spreadsheet
    kept = db.scalars(select(Document).where(Document.message_id == made[0].id)).one()
    assert first["sha256"] == kept.sha256
    for message in made:
        db.refresh(message)
        assert (message.status, message.provider_status) == (MessageStatus.SENT, letters.PRINTED)
        assert message.letter_batch_id == batch.id and message.provider == "print"
    assert made[1].provider_id == f"batch-{batch.id}-2"
    assert letters.make_batch(db, by_user_id=admin.id) is None  # nothing waits any more


def test_the_recipient_is_printed_where_the_envelope_window_shows_it(db: Session) -> None:
    message = waiting_letter(db, make_addressee(db, first_name="Wendy"), "Dear Wendy")
    content = db.scalars(select(Document.content).where(Document.message_id == message.id)).one()
    page = PdfReader(io.BytesIO(content)).pages[0]
    height = float(page.mediabox.height)
    placed: dict[str, tuple[float, float]] = {}

    def seen(text: str, cm: object, tm: list[float], *_: object) -> None:
        if text.strip():
            placed.setdefault(text.strip(), (tm[4], tm[5]))

    page.extract_text(visitor_text=seen)
    x, y = placed["Wendy O'Hara <b>& Sons</b>"]
    assert x == WINDOW_LEFT
    # Within the window: 2 to 3 1/8 inches from the top of the page.
    assert height - WINDOW_TOP - 72 * 1.125 < y < height - WINDOW_TOP


def test_a_batch_takes_at_most_its_limit_and_the_rest_go_in_the_next(db: Session) -> None:
    who = make_addressee(db)
    made = [waiting_letter(db, who, f"Letter {n}") for n in range(3)]
    first = letters.make_batch(db, by_user_id=None, limit=2)
    second = letters.make_batch(db, by_user_id=None, limit=2)
    assert first is not None and second is not None
    assert (first.letters, second.letters) == (2, 1)
    for message in made:
        db.refresh(message)
    assert [m.letter_batch_id for m in made] == [first.id, first.id, second.id]


def test_an_admin_makes_the_batch_from_the_page_and_downloads_its_files(
    client: TestClient, db: Session
) -> None:
    who = make_addressee(db)
    waiting_letter(db, who, "Dear Zoë")
    waiting_letter(db, who, "Dear Zoë, again")
    admin = UserFactory(role=Role.ADMIN, full_name="Ada Admin")
    sign_in(client, db, admin)
    page = client.get("/outreach/letters")
    assert page.status_code == 200
    assert '<strong id="waiting-count">2</strong> letters waiting' in page.text
    assert "No batch has been made yet." in page.text
    made = client.post(
        "/outreach/letters/batches", data=form_posting_to(page.text, "/outreach/letters/batches")
    )
    assert made.status_code == 303 and made.headers["location"] == "/outreach/letters"
    page = client.get("/outreach/letters")
    batch = db.scalars(select(LetterBatch)).one()
    assert f"Batch {batch.id} made: 2 letters, 4 pages." in page.text
    assert "No letters are waiting." in page.text and "Ada Admin" in page.text
    pdf = client.get(f"/outreach/letters/batches/{batch.id}/letters.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("attachment; filename=")
    # Each one-page letter has a blank back: the next letter starts on a new sheet.
    assert len(PdfReader(io.BytesIO(pdf.content)).pages) == 4
    manifest = client.get(f"/outreach/letters/batches/{batch.id}/manifest.csv")
    assert manifest.headers["content-type"] == "text/csv; charset=utf-8"
    assert manifest.headers["content-disposition"].startswith("attachment; filename=")
    assert manifest.text.startswith("batch_id,sequence,message_id,")
    again = client.post(
        "/outreach/letters/batches", data=form_posting_to(page.text, "/outreach/letters/batches")
    )
    assert again.status_code == 303
    assert "No letters were waiting" in client.get("/outreach/letters").text
    assert db.scalar(select(func.count()).select_from(LetterBatch)) == 1
    assert client.get("/outreach/letters/batches/999999/letters.pdf").status_code == 404


def test_only_admins_have_the_batches_and_only_staff_a_cases_letters(
    client: TestClient, db: Session
) -> None:
    who = make_addressee(db)
    message = waiting_letter(db, who, "Dear Zoë")
    other = waiting_letter(db, make_addressee(db), "Dear other")
    batch = letters.make_batch(db, by_user_id=None)
    assert batch is not None
    letter = db.scalars(select(Document).where(Document.message_id == message.id)).one()
    theirs = db.scalars(select(Document).where(Document.message_id == other.id)).one()
    url = f"/cases/{who.case_id}/documents/{letter.id}"
    for role in (Role.AGENT, Role.SUPERVISOR, Role.COMPLIANCE):
        sign_in(client, db, UserFactory(role=role))
        assert client.get("/outreach/letters").status_code == 403
        assert client.get(f"/outreach/letters/batches/{batch.id}/letters.pdf").status_code == 403
        download = client.get(url)
        assert download.status_code == 200, role
        assert (
            download.headers["content-disposition"]
            == f'attachment; filename="letter-{message.id}.pdf"'
        )
        assert "Dear Zoë" in pdf_text(download.content)[0]
        # Another case's letter is not this case's document.
        assert client.get(f"/cases/{who.case_id}/documents/{theirs.id}").status_code == 404
    messages = client.get(f"/cases/{who.case_id}/messages")
    assert f'href="{url}">PDF</a>' in messages.text
    case = db.get(Case, who.case_id)
    assert case is not None
    merchant = UserFactory(role=Role.MERCHANT, client=db.get(Client, case.client_id))
    sign_in(client, db, merchant)
    assert client.get(url).status_code == 403
    assert "/documents/" not in client.get(f"/cases/{who.case_id}/messages").text


def test_an_agent_records_returned_mail_on_the_cases_messages(
    client: TestClient, db: Session
) -> None:
    who = make_addressee(db)
    printed = waiting_letter(db, who, "Printed")
    other = make_addressee(db)
    waiting = waiting_letter(db, other, "Still waiting")
    assert letters.make_batch(db, by_user_id=None, limit=1) is not None  # the first only
    db.refresh(printed)
    assert printed.status is MessageStatus.SENT
    sign_in(client, db, UserFactory(role=Role.AGENT))
    page = client.get(f"/cases/{other.case_id}/messages")
    assert "waiting for the print batch" in page.text
    assert "Came back in the post" not in page.text  # not printed yet: nothing to return
    page = client.get(f"/cases/{who.case_id}/messages")
    action = f"/cases/{who.case_id}/messages/{printed.id}/returned"
    blank = client.post(
        action,
        data=form_posting_to(page.text, action),
        headers={"HX-Request": "true", "HX-Target": "case-messages"},
    )
    assert blank.status_code == 422
    assert "Reason is required: say why the letter came back." in blank.text
    assert blank.text.lstrip().startswith('<section class="panel" id="case-messages"')
    db.refresh(printed)
    assert printed.status is MessageStatus.SENT
    fields = {**form_posting_to(page.text, action), "reason": "Moved, left no address"}
    done = client.post(
        action, data=fields, headers={"HX-Request": "true", "HX-Target": "case-messages"}
    )
    assert done.status_code == 200
    assert ">undelivered<" in done.text and "Came back in the post" not in done.text
    db.refresh(printed)
    assert printed.error == "returned: Moved, left no address"
    point = db.get(ContactPoint, who.address_id)
    assert point is not None and flags(db, point).do_not_use
    refused = client.post(
        f"/cases/{other.case_id}/messages/{waiting.id}/returned",
        data={**fields},
    )
    assert refused.status_code == 422
    assert "has not been printed yet" in refused.text
    sign_in(client, db, UserFactory(role=Role.COMPLIANCE))
    assert client.post(action, data=fields).status_code == 403


def test_two_batches_made_at_once_never_share_a_letter(bound_engine: Engine) -> None:
    with clock.frozen(OFFICE_HOURS):  # the letters' jobs run at office hours
        with session_scope() as db:
            factories.bind(db)
            who = make_addressee(db)
            ids = [queue_letter(db, who, body=f"Letter {n}").id for n in range(4)]
        drain()
    start = threading.Barrier(2)

    def make() -> int | None:
        start.wait()
        with session_scope() as db:
            batch = letters.make_batch(db, by_user_id=None)
            return batch.letters if batch is not None else None

    with ThreadPoolExecutor(max_workers=2) as pool:
        made = sorted(pool.map(lambda _: make(), range(2)), key=lambda n: n or 0)
    # Every letter in one batch and one only.  Usually one maker takes them all (SQLite:
    # the other waits for the first writer and finds nothing left); on PostgreSQL the
    # other skips the rows locked so far and may take the rest into a second batch.
    batches = [n for n in made if n is not None]
    assert sum(batches) == 4
    with session_scope() as db:
        batched = db.execute(
            select(OutboxMessage.id, OutboxMessage.letter_batch_id, OutboxMessage.status).where(
                OutboxMessage.id.in_(ids)
            )
        ).all()
        assert all(batch_id is not None for _, batch_id, _ in batched)
        assert len({batch_id for _, batch_id, _ in batched}) == len(batches)
        assert {status for _, _, status in batched} == {MessageStatus.SENT}
        assert db.scalar(select(func.count()).select_from(LetterBatch)) == len(batches)


def test_the_daily_job_makes_the_batch_from_the_configured_hour_once_a_day(
    bound_engine: Engine,
) -> None:
    with clock.frozen(OFFICE_HOURS):  # the letters' jobs run at office hours
        with session_scope() as db:
            factories.bind(db)
            who = make_addressee(db)
            queue_letter(db, who, body="Before the batch")
        drain()
    day = datetime(2025, 6, 9, tzinfo=UTC)
    with clock.frozen(day.replace(hour=15, minute=5)):
        assert letters.make_daily_batches() == 0  # before 16:00
    with clock.frozen(day.replace(hour=16, minute=5)):
        assert letters.make_daily_batches() == 1
    with clock.frozen(OFFICE_HOURS):
        with session_scope() as db:
            factories.bind(db)
            queue_letter(db, who, body="After the batch")
        drain()
    with clock.frozen(day.replace(hour=17, minute=5)):
        assert letters.make_daily_batches() == 0  # the day's batch is made
    with clock.frozen(day.replace(day=10, hour=16, minute=5)):
        assert letters.make_daily_batches() == 1


def test_a_letter_the_gate_no_longer_allows_is_left_out_of_the_batch(db: Session) -> None:
    kept, stopped = make_addressee(db, first_name="Ana"), make_addressee(db, first_name="Bea")
    printed = waiting_letter(db, kept, "Dear Ana.")
    withheld = waiting_letter(db, stopped, "Dear Bea.")
    # Between the letter's job and the day's batch, Bea's address is marked "do not use".
    compliance.record_fact(
        db,
        consumer_id=stopped.consumer_id,
        kind=compliance.FactKind.DO_NOT_USE,
        actor_id=None,
        source=compliance.Source.AGENT,
        contact_point_id=stopped.address_id,
        detail={"note": "moved; asked us not to write there"},
    )
    with clock.frozen(OFFICE_HOURS):
        batch = letters.make_batch(db, by_user_id=None)
    assert batch is not None and batch.letters == 1
    db.refresh(printed)
    db.refresh(withheld)
    assert printed.status is MessageStatus.SENT and printed.letter_batch_id == batch.id
    assert withheld.status is MessageStatus.BLOCKED and withheld.letter_batch_id is None
    assert withheld.blocked_by
    merged = PdfReader(io.BytesIO(documents_of(db, batch.id)[DocumentKind.PRINT_BATCH].content))
    text = " ".join(page.extract_text() for page in merged.pages)
    assert "Ana" in text and "Bea" not in text
    # Nothing waits any more: the next batch is empty.
    with clock.frozen(OFFICE_HOURS):
        assert letters.make_batch(db, by_user_id=None) is None
