"""The consumer's self-service link on a letter: the URL written out, found again by
pypdf in the kept PDF of a letter sent through the real job, and the QR code beside it
drawn as rectangles that rebuild segno's own matrix of that URL, module for module; and
on a validation notice sent by letter (still one page), not on one sent by e-mail."""

from __future__ import annotations

import io
import re
from datetime import date

import segno
from pypdf import PdfReader
from pypdf.generic import ContentStream
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from agency.kit import signed
from agency.kit.clock import frozen
from agency.outreach.composing import SELF_SERVICE, agency_contact
from agency.outreach.letter_pdf import LetterContent, render_letter
from agency.outreach.qr_block import QUIET_ZONE
from agency.worker import drain
from tests.fixtures.compliance import OFFICE_HOURS
from tests.outreach.letters import pdf_text
from tests.outreach.test_case_validation_notice import consent, kept, make_case, queue
from tests.outreach.test_letters import addressee, queued, stored

URL = "https://collect.example.com/pay/eyJjYXNlIjo0MiwiY29uc3VtZXIiOjd9.aTBmRg.Zx0-sig"


def letter(link: str | None, language: str = "en") -> bytes:
    return render_letter(
        LetterContent(
            language="es" if language == "es" else "en",
            on=date(2026, 9, 30),
            letterhead=agency_contact(),
            recipient="Jane Doe",
            address_lines=("1 Main St", "Chicago, IL 60601"),
            reference="ACC-1",
            subject="Your account",
            body="Please call us about your account.",
            self_service_link=link,
        )
    ).pdf


def rectangles(content: bytes) -> list[tuple[float, float, float, float]]:
    """Every rectangle the first page fills, as (x, y, width, height)."""
    reader = PdfReader(io.BytesIO(content))
    stream = ContentStream(reader.pages[0].get_contents(), reader)
    return [
        tuple(float(value) for value in operands)  # type: ignore[misc]
        for operands, operator in stream.operations
        if operator == b"re"
    ]


def drawn_matrix(content: bytes, modules: int) -> list[list[int]]:
    """The QR code's modules as the rectangles on the page lay them out (the code's
    square is where its rectangles are; one rectangle is a run of dark modules)."""
    unit = module_size(content)
    rects = [r for r in rectangles(content) if abs(r[3] - unit) < 1e-6]
    left = min(x for x, _, _, _ in rects) - QUIET_ZONE * unit
    top = max(y + h for _, y, _, h in rects) + QUIET_ZONE * unit
    grid = [[0] * modules for _ in range(modules)]
    for x, y, width, height in rects:
        row = round((top - y - height) / unit)
        first = round((x - left) / unit)
        for column in range(first, first + round(width / unit)):
            grid[row][column] = 1
    return grid


def module_size(content: bytes) -> float:
    """The module's size: the height every rectangle of the code shares."""
    heights = [round(h, 6) for _, _, _, h in rectangles(content)]
    return max(set(heights), key=heights.count)


def test_a_letter_prints_the_link_as_text_and_as_a_qr_code_of_it() -> None:
    content = letter(URL)
    [page] = pdf_text(content)
    assert URL in page
    assert "Pay, set up a plan or dispute online" in page
    code = segno.make(URL, error="m")
    expected = [list(row) for row in code.matrix_iter(border=QUIET_ZONE)]
    assert drawn_matrix(content, len(expected)) == expected
    without = letter(None)
    assert rectangles(without) == [] and "/pay/" not in pdf_text(without)[0]


def test_a_spanish_letter_says_it_in_spanish() -> None:
    [page] = pdf_text(letter(URL, "es"))
    assert "Pague, acuerde un plan o dispute en línea" in page and URL in page


def test_a_letter_sent_through_the_job_carries_the_consumers_own_link(
    bound_engine: Engine,
) -> None:
    who = addressee()
    with frozen(OFFICE_HOURS):
        message_id = queued(who, body="Please call us.")
        drain()
    [document] = stored(message_id)[1]
    [page] = pdf_text(document.content)
    [token] = re.findall(r"/pay/(\S+)", page)
    assert signed.unsign(SELF_SERVICE, token) == {"case": who.case_id, "consumer": who.consumer_id}
    assert len(rectangles(document.content)) > 50  # the code's runs of dark modules


def test_a_validation_notice_by_letter_prints_the_link_on_its_one_page(db: Session) -> None:
    case = make_case()
    message = queue(db, case)
    content = kept(db, message.id).content
    assert len(PdfReader(io.BytesIO(content)).pages) == 1
    text = "".join(pdf_text(content)[0].split())  # the URL may wrap in its column
    payload = signed.sign(SELF_SERVICE, {"case": case.id, "consumer": case.consumer_id})
    assert f"/pay/{payload.split('.')[0]}." in text
    assert "Pay,setupaplanordisputeonline." in text
    assert len(rectangles(content)) > 50
    e_mailed = make_case()
    consent(db, e_mailed)
    attached = kept(db, queue(db, e_mailed, by="email").id).content
    assert "/pay/" not in "".join(pdf_text(attached)[0].split())
