"""One letter as a PDF (US Letter, ReportLab), laid out for a #10 window envelope.

The first page carries the agency's letterhead (name, address, phone, hours) at the top
left, the date and the case's reference at the top right, and the recipient's name and
address where the envelope's window shows them (2 inches from the top, 1 inch from the
left, at most five lines of 10 pt: the window is 4 by 1 1/8 inches); the letter's words
start below the first fold.  Then the subject line, the body's paragraphs (a blank line
between paragraphs, a line break kept as one), the consumer's self-service link when the
letter has one (a QR code beside the URL written out: ``qr_block``), and on every page
a footer with the agency's name, phone and hours and the page number.  More words run
on to more pages.

Every piece of text is printed as text: the body, the names and the address are made
printable in the standard Helvetica and escaped for ``Paragraph``'s markup
(``pdf_layout.markup``), so a name with ``<`` or ``&`` prints as written and cannot add
markup.  No database: ``letters`` gathers the content.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from babel.dates import format_date
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, PageTemplate, Paragraph, Spacer

from agency.kit.pdf_text import printable
from agency.outreach.pdf_layout import BOLD, FONT, INK, document, frame, markup
from agency.outreach.qr_block import link_block
from agency.outreach.templating import LOCALES, AgencyContact, Language

# Where the envelope's address window is, from the page's top left corner.
WINDOW_LEFT = 1.0 * inch
WINDOW_TOP = 2.0 * inch
WINDOW_LINES = 5
# The letter's words start below the first fold of a page folded in three.
FIRST_FOLD = 11 * inch / 3
FOOTER_HEIGHT = 0.35 * inch
ADDRESS_SIZE = 10
ADDRESS_LEADING = 12

WORDS: dict[Language, dict[str, str]] = {
    "en": {
        "phone": "Phone",
        "hours": "Hours",
        "reference": "Reference",
        "page": "Page",
        "online": "Pay, set up a plan or dispute online",
        "scan": "Scan the code with your phone's camera, or go to:",
    },
    "es": {
        "phone": "Teléfono",
        "hours": "Horario",
        "reference": "Referencia",
        "page": "Página",
        "online": "Pague, acuerde un plan o dispute en línea",
        "scan": "Escanee el código con la cámara de su teléfono, o visite:",
    },
}


@dataclass(frozen=True, slots=True)
class LetterContent:
    """What one letter says and to whom."""

    language: Language
    on: date
    letterhead: AgencyContact
    recipient: str
    address_lines: tuple[str, ...]
    reference: str
    subject: str | None
    body: str
    # The consumer's own page (pay, plan, dispute): printed as a QR code and a URL.
    self_service_link: str | None = None


@dataclass(frozen=True, slots=True)
class RenderedLetter:
    pdf: bytes
    pages: int


def address_lines(address: str, *, most: int = WINDOW_LINES - 1) -> tuple[str, ...]:
    """A postal address as the lines printed under the name: its own lines, or, written
    on one line, its comma-separated parts; at most ``most`` lines (the rest joined to
    the last), so name and address fit the envelope's window."""
    lines = [line.strip() for line in address.splitlines() if line.strip()]
    if len(lines) == 1:
        lines = [part.strip() for part in lines[0].split(",") if part.strip()]
    if len(lines) > most:
        lines = [*lines[: most - 1], ", ".join(lines[most - 1 :])]
    return tuple(lines)


def paragraphs(body: str) -> list[str]:
    """The body's paragraphs: separated by blank lines."""
    found, current = [], []
    for line in body.replace("\r\n", "\n").split("\n"):
        if line.strip():
            current.append(line.rstrip())
        elif current:
            found.append("\n".join(current))
            current = []
    if current:
        found.append("\n".join(current))
    return found


class _Pages:
    """What is drawn on the pages themselves, around the flowing words."""

    def __init__(self, content: LetterContent) -> None:
        self.content = content
        self.words = WORDS[content.language]

    def first(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        self.letterhead(canvas, doc)
        self.window(canvas, doc)
        self.footer(canvas, doc)

    def letterhead(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        head, words = self.content.letterhead, self.words
        top = doc.pagesize[1] - doc.topMargin
        canvas.setFillColor(INK)
        canvas.setFont(BOLD, 12)
        canvas.drawString(doc.leftMargin, top - 12, printable(head.name))
        canvas.setFont(FONT, 9)
        for number, line in enumerate(
            (head.address, f"{words['phone']}: {head.phone}", f"{words['hours']}: {head.hours}"),
            start=1,
        ):
            canvas.drawString(doc.leftMargin, top - 12 - 11 * number, printable(line))
        right = doc.leftMargin + doc.width
        canvas.setFont(FONT, 10)
        day = format_date(self.content.on, format="long", locale=LOCALES[self.content.language])
        canvas.drawRightString(right, top - 12, printable(str(day)))
        reference = f"{words['reference']}: {self.content.reference}"
        canvas.drawRightString(right, top - 25, printable(reference))

    def window(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        """The recipient's name and address, where the window shows them."""
        lines = [self.content.recipient, *self.content.address_lines][:WINDOW_LINES]
        baseline = doc.pagesize[1] - WINDOW_TOP - ADDRESS_SIZE
        canvas.setFont(FONT, ADDRESS_SIZE)
        for number, line in enumerate(lines):
            canvas.drawString(WINDOW_LEFT, baseline - ADDRESS_LEADING * number, printable(line))

    def footer(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        head, words = self.content.letterhead, self.words
        canvas.setFillColor(INK)
        canvas.setFont(FONT, 8)
        line = f"{head.name} · {words['phone']}: {head.phone} · {words['hours']}: {head.hours}"
        canvas.drawString(doc.leftMargin, doc.bottomMargin, printable(line))
        canvas.drawRightString(
            doc.leftMargin + doc.width, doc.bottomMargin, f"{words['page']} {doc.page}"
        )


def render_letter(content: LetterContent) -> RenderedLetter:
    """The letter as PDF bytes and its page count.  Deterministic: the same content gives
    the same bytes."""
    buffer = io.BytesIO()
    title = printable(content.subject or content.letterhead.name)
    doc = document(
        buffer, title=title, author=printable(content.letterhead.name), language=content.language
    )
    page_height = doc.pagesize[1]
    bottom = doc.bottomMargin + FOOTER_HEIGHT
    first = frame(doc.leftMargin, bottom, doc.width, page_height - FIRST_FOLD - bottom, id="first")
    later = frame(doc.leftMargin, bottom, doc.width, doc.height - FOOTER_HEIGHT, id="later")
    pages = _Pages(content)
    doc.addPageTemplates(
        [
            PageTemplate(
                id="first", frames=[first], onPage=pages.first, autoNextPageTemplate="later"
            ),
            PageTemplate(id="later", frames=[later], onPage=pages.footer),
        ]
    )
    body = ParagraphStyle(
        "body", fontName=FONT, fontSize=10.5, leading=14, textColor=INK, spaceAfter=8
    )
    story: list[Flowable] = []
    if content.subject:
        subject = ParagraphStyle("subject", parent=body, fontName=BOLD, spaceAfter=12)
        story.append(Paragraph(markup(content.subject), subject))
    story += [Paragraph(markup(text), body) for text in paragraphs(content.body)]
    if content.self_service_link:
        words = WORDS[content.language]
        story += [
            Spacer(1, 10),
            link_block(
                content.self_service_link,
                caption=words["online"],
                hint=words["scan"],
                width=doc.width,
            ),
        ]
    if not story:
        story.append(Spacer(1, 1))
    doc.build(story)
    return RenderedLetter(pdf=buffer.getvalue(), pages=doc.page)
