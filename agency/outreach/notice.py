"""The Reg F validation notice as a PDF, laid out like Model Form B-1 (12 CFR 1006.34).

``render_notice`` takes a ``NoticeDescription`` and touches no database: the header
with the collector and the consumer, the debt collector statement, "Our information
shows:" with the itemization table, the dispute rights with the validation period's end
written out, "What else can you do?", and the tear-off response form under a dashed cut
line; a notice sent by post prints the consumer's self-service link under the
itemization (a QR code beside the URL: that column is the shorter, so the notice keeps
its one page).  The end date is the gate's own (``agency.compliance.validation``).
Amounts and dates are written in the notice's language with babel; the text is set in
ReportLab's standard Helvetica (no font files), which prints Windows-1252 and so every
Spanish letter.  The PDF is built with ReportLab's ``invariant`` flag: the same description
gives the same bytes (no creation time, no random document id).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

from babel.dates import format_date
from babel.numbers import format_currency, get_currency_symbol
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    Flowable,
    HRFlowable,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from agency.kit.money import Money
from agency.outreach.notice_input import NoticeDescription
from agency.outreach.notice_text import WORDING, Wording
from agency.outreach.pdf_layout import INK, document, frame
from agency.outreach.qr_block import link_block

# An account reference longer than this is printed with all but its last 4 characters
# hidden: the consumer recognises it, a reader of the envelope cannot use it.
MASK_ABOVE = 8
SHOWN_TAIL = 4
GUTTER = 14.0
# The share of the width the left column takes: header, body, response form.
HEADER_SPLIT = 0.55
BODY_SPLIT = 0.5
RESPONSE_SPLIT = 0.42
# The self-service link's QR code on a notice sent by post (a letter's is larger).
QR_SIZE = 0.75 * 72


@dataclass(frozen=True, slots=True)
class RenderedNotice:
    """The notice's PDF and the figures it states."""

    pdf: bytes
    validation_end: date
    total_due_minor: int
    pages: int


def mask_account_reference(reference: str) -> str:
    """``reference`` as printed: whole up to 8 characters, else ``****`` and its last 4."""
    if len(reference) <= MASK_ABOVE:
        return reference
    return "****" + reference[-SHOWN_TAIL:]


class _Styles:
    """The notice's paragraph styles: 9 pt Helvetica, headings and the statement 11 pt."""

    def __init__(self) -> None:
        self.body = ParagraphStyle(
            "body", fontName="Helvetica", fontSize=9, leading=11.5, textColor=INK
        )
        self.bold = ParagraphStyle("bold", parent=self.body, fontName="Helvetica-Bold")
        self.statement = ParagraphStyle("statement", parent=self.body, fontSize=11, leading=14)
        # Text under the checkboxes, aligned with their labels.
        self.under_boxes = ParagraphStyle("under_boxes", parent=self.body, leftIndent=14)
        self.heading = ParagraphStyle(
            "heading", parent=self.body, fontName="Helvetica-Bold", fontSize=11, leading=14
        )


class _Box(Flowable):
    """A square: filled as a bullet, empty as a checkbox to tick."""

    def __init__(self, size: float, *, filled: bool) -> None:
        super().__init__()
        self.size = size
        self.filled = filled

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        self.canv.setStrokeColor(INK)
        self.canv.setFillColor(INK)
        self.canv.setLineWidth(0.8)
        self.canv.rect(0, 0, self.size, self.size, stroke=1, fill=1 if self.filled else 0)


class _CutLine(Flowable):
    """The dashed line the consumer cuts the response form off along."""

    def __init__(self, width: float) -> None:
        super().__init__()
        self.width = width

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, 2

    def draw(self) -> None:
        self.canv.setStrokeColor(INK)
        self.canv.setLineWidth(0.8)
        self.canv.setDash(4, 3)
        self.canv.line(0, 1, self.width, 1)


class _Notice:
    """One notice's flowables; ``story`` lays them out in the order of Model Form B-1."""

    def __init__(self, desc: NoticeDescription, width: float, height: float) -> None:
        self.desc = desc
        self.words: Wording = WORDING[desc.language]
        self.width = width
        self.height = height
        self.s = _Styles()
        self.end = self.date(desc.validation_end)

    # ---- text helpers ----------------------------------------------------------------

    def date(self, day: date) -> str:
        return str(format_date(day, format="long", locale=self.desc.locale))

    def money(self, minor: int) -> str:
        amount = Money(minor, self.desc.debt.currency).major
        return str(format_currency(amount, self.desc.debt.currency, locale=self.desc.locale))

    def p(self, text: str, style: ParagraphStyle | None = None) -> Paragraph:
        return Paragraph(escape(text), style or self.s.body)

    def lead(self, bold: str, rest: str = "") -> Paragraph:
        """A paragraph that opens with bold words, as the form's bullets do."""
        tail = f" {escape(rest)}" if rest else ""
        return Paragraph(f"<b>{escape(bold)}</b>{tail}", self.s.body)

    def heading(self, text: str, width: float) -> list[Flowable]:
        return [
            self.p(text, self.s.heading),
            HRFlowable(width=width, thickness=1.5, color=INK, spaceBefore=1, spaceAfter=4),
        ]

    def marked(
        self, paragraph: Paragraph, width: float, *, bullet: bool, indent: float = 0
    ) -> Table:
        """A paragraph after a square: a bullet (filled) or a checkbox (empty)."""
        box = 6.0 if bullet else 8.0
        table = Table(
            [["", _Box(box, filled=bullet), paragraph]],
            colWidths=[indent, box + 6, width - indent - box - 6],
            hAlign="LEFT",
        )
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 1.5 if bullet else 1),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ]
            )
        )
        return table

    def columns(self, left: list[Flowable], right: list[Flowable], split: float) -> list[Flowable]:
        """``left`` and ``right`` side by side (``split`` of the width on the left, less a
        gutter), or one after the other when side by side they would not fit on a page
        (only text at its length bounds gets there): a table row cannot break."""
        table = Table(
            [[left, right]],
            colWidths=[self.width * split, self.width * (1 - split)],
            hAlign="LEFT",
        )
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (0, -1), GUTTER),
                    ("RIGHTPADDING", (1, 0), (1, -1), 0),
                ]
            )
        )
        if table.wrap(self.width, self.height)[1] <= self.height:
            return [table]
        return [*left, Spacer(1, 10), *right]

    # ---- the parts of the form -------------------------------------------------------

    def header(self) -> list[Flowable]:
        collector, w = self.desc.collector, self.words
        left: list[Flowable] = [self.p(collector.name, self.s.bold)]
        left += [self.p(line) for line in collector.address_lines]
        left.append(self.p(f"{w.phone} {collector.phone}"))
        if collector.hours:
            left.append(self.p(f"{w.hours} {collector.hours}"))
        if collector.email:
            left.append(self.p(f"{w.email} {collector.email}"))
        if collector.website:
            left.append(self.p(f"{w.website} {collector.website}"))
        return self.columns(left, self.addressee(), HEADER_SPLIT)

    def addressee(self) -> list[Flowable]:
        consumer = self.desc.consumer
        lines: list[Flowable] = [self.p(consumer.name)]
        lines += [self.p(line) for line in consumer.address_lines]
        if self.desc.reference:
            lines += [Spacer(1, 6), self.p(f"{self.words.reference} {self.desc.reference}")]
        return lines

    def statement(self) -> Paragraph:
        w, debt = self.words, self.desc.debt
        bold = w.is_a_debt_collector.format(collector=self.desc.collector.name)
        rest = " ".join((w.trying_to_collect.format(creditor=debt.creditor), w.use_information))
        return Paragraph(f"<b>{escape(bold)}</b> {escape(rest)}", self.s.statement)

    def information(self, width: float) -> list[Flowable]:
        w, debt = self.words, self.desc.debt
        parts = self.heading(w.our_information, width)
        parts.append(
            self.p(
                w.account.format(
                    creditor=debt.original_creditor or debt.creditor,
                    account=mask_account_reference(debt.account_reference),
                )
            )
        )
        if debt.itemization_kind:
            kind = w.itemization_kinds[debt.itemization_kind]
            on = self.date(debt.itemization_date)
            parts.append(self.p(w.itemization_is.format(date=on, kind=kind)))
        parts += [Spacer(1, 6), self.itemization(width)]
        if self.desc.self_service_link:
            # Under the table: this column is the shorter one, so the page keeps its length.
            url = self.desc.self_service_link
            link = link_block(url, caption=w.online, hint=w.scan, width=width, size=QR_SIZE)
            parts += [Spacer(1, 12), link]
        return parts

    def itemization(self, width: float) -> Table:
        w, debt = self.words, self.desc.debt
        on = self.date(debt.itemization_date)
        amounts = [
            self.money(debt.amount_on_itemization_date_minor),
            "",
            f"+ {self.money(debt.interest_since_minor)}",
            f"+ {self.money(debt.fees_since_minor)}",
            f"\u2013 {self.money(debt.paid_or_credited_minor)}",  # an en dash, as on the form
            self.money(debt.total_due_minor),
        ]
        labels = [
            self.p(w.as_of.format(date=on), self.s.bold),
            self.p(w.between.format(date=on)),
            self.p(w.interest),
            self.p(w.fees),
            self.p(w.paid_or_credited),
            self.p(w.total_now, self.s.bold),
        ]
        # The amounts never wrap: their column is as wide as the widest (bold) one.
        column = max(stringWidth(text, "Helvetica-Bold", 9) for text in amounts) + 8
        table = Table(
            list(zip(labels, amounts, strict=True)),
            colWidths=[width - column, column],
            hAlign="LEFT",
        )
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                    ("FONTNAME", (1, 0), (1, -1), "Helvetica"),
                    ("FONTNAME", (1, 0), (1, 0), "Helvetica-Bold"),
                    ("FONTNAME", (1, -1), (1, -1), "Helvetica-Bold"),
                    ("FONTSIZE", (1, 0), (1, -1), 9),
                    ("TEXTCOLOR", (0, 0), (-1, -1), INK),
                    ("LEFTPADDING", (0, 0), (0, 0), 0),
                    ("LEFTPADDING", (0, 1), (0, 1), 0),
                    ("LEFTPADDING", (0, 2), (0, 4), 12),
                    ("LEFTPADDING", (0, -1), (0, -1), 0),
                    ("RIGHTPADDING", (1, 0), (1, -1), 0),
                    ("LINEABOVE", (0, 0), (-1, 0), 1, INK),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.5, INK),
                    ("LINEABOVE", (0, -1), (-1, -1), 1, INK),
                    ("LINEBELOW", (0, -1), (-1, -1), 1, INK),
                    ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#eef1f4")),
                ]
            )
        )
        return table

    def rights(self, width: float) -> list[Flowable]:
        w = self.words
        parts = self.heading(w.dispute_heading, width)
        parts += [
            self.marked(
                self.lead(w.dispute_by.format(end=self.end), w.dispute_by_rest),
                width,
                bullet=True,
            ),
            self.marked(
                self.lead(w.dispute_write.format(end=self.end), w.dispute_write_rest),
                width,
                bullet=True,
            ),
            Spacer(1, 6),
        ]
        parts += self.heading(w.else_heading, width)
        parts += [
            self.marked(
                self.lead(w.original_creditor, w.original_creditor_rest.format(end=self.end)),
                width,
                bullet=True,
            ),
            self.marked(self.lead(w.cfpb, w.cfpb_rest), width, bullet=True),
            self.marked(self.lead(w.payment_options), width, bullet=True),
        ]
        if w.spanish_offer:
            parts.append(self.marked(self.p(w.spanish_offer), width, bullet=True))
        return parts

    def response_form(self) -> KeepTogether:
        """The tear-off part under the cut line: where to mail it, who sends it, and the
        boxes to tick."""
        w, collector = self.words, self.desc.collector
        right_width = self.width * (1 - RESPONSE_SPLIT)
        left: list[Flowable] = [self.p(w.mail_to, self.s.bold), self.p(collector.name)]
        left += [self.p(line) for line in collector.address_lines]
        left += [Spacer(1, 18), *self.addressee()]
        right = [*self.heading(w.respond_heading, right_width), self.p(w.check_all, self.s.bold)]
        right.append(Spacer(1, 4))
        for text, indent in (
            (w.dispute_because, 0.0),
            (w.not_my_debt, GUTTER),
            (w.amount_wrong, GUTTER),
            (w.other, GUTTER),
            (w.send_original_creditor, 0.0),
            (f"{w.enclosed} {self.blank_amount()}", 0.0),
        ):
            right.append(self.marked(self.p(text), right_width, bullet=False, indent=indent))
        payable = w.payable_to.format(collector=collector.name)
        if self.desc.reference:
            payable += " " + w.include_reference.format(reference=self.desc.reference)
        right.append(self.p(payable, self.s.under_boxes))
        if w.spanish_form:
            right += [Spacer(1, 4), self.marked(self.p(w.spanish_form), right_width, bullet=False)]
        return KeepTogether(
            [
                Spacer(1, 14),
                _CutLine(self.width),
                Spacer(1, 10),
                *self.columns(left, right, RESPONSE_SPLIT),
            ]
        )

    def blank_amount(self) -> str:
        """Where the consumer writes what they enclose, the currency on its usual side:
        ``$ ________`` in English, ``________ US$`` in Spanish."""
        symbol = str(get_currency_symbol(self.desc.debt.currency, locale=self.desc.locale))
        sample = self.money(0)
        blank = "__________"
        return f"{symbol} {blank}" if sample.startswith(symbol) else f"{blank} {symbol}"

    def story(self) -> list[Flowable]:
        left_width = self.width * BODY_SPLIT - GUTTER
        right_width = self.width * (1 - BODY_SPLIT)
        return [
            *self.header(),
            Spacer(1, 14),
            self.statement(),
            Spacer(1, 12),
            *self.columns(self.information(left_width), self.rights(right_width), BODY_SPLIT),
            self.response_form(),
        ]


def render_notice(desc: NoticeDescription) -> RenderedNotice:
    """The validation notice for ``desc`` as PDF bytes (US Letter), with the validation
    period's end, the total due (minor units of the debt's currency) and the page count.

    Deterministic: the same description gives the same bytes."""
    buffer = io.BytesIO()
    title = WORDING[desc.language].title
    doc = document(buffer, title=title, author=desc.collector.name, language=desc.language)
    # One frame filling the margins: the columns are laid out on the full width.
    whole = frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="notice")
    doc.addPageTemplates([PageTemplate(id="notice", frames=[whole])])
    doc.build(_Notice(desc, doc.width, doc.height).story())
    return RenderedNotice(
        pdf=buffer.getvalue(),
        validation_end=desc.validation_end,
        total_due_minor=desc.total_due_minor,
        pages=doc.page,
    )
