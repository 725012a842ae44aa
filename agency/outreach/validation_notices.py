"""The Reg F validation notice for a case: described from the case, rendered with the
same ``render_notice`` as the command line, kept as a document when it is queued, and
sent through the outbox by letter or — only to an address with a current E-SIGN
consent — by e-mail.

**The notice's date.**  ``sent_on`` is the day the notice is provided, in the
consumer's own calendar; a consumer who may be in more than one zone gets the
*earliest* of their local dates.  The rule lets a collector assume receipt on any day up
to five days (no weekends, no federal holidays) after it provides the notice, so an
assumed receipt counted from the earliest local date is within those five days wherever
the consumer is; and the gate's dispute hold accepts a dispute dated on or before the
end in *any* of the consumer's zones, counted from the moment the notice was really
sent (never earlier than it was queued) — so a dispute made by the printed date is
never taken for a late one.

**Sending it again.**  The validation period starts when the notice is first provided
(12 CFR 1006.34(b)(5)); the rules read the earliest ``VALIDATION_SENT`` fact, so a later
copy cannot move it.  A copy therefore prints the first notice's dates, not new ones: a
later date on the copy would promise the consumer a dispute window the dispute hold
does not honour.  A copy needs a reason.  (A first notice that never reached the
consumer is not a copy: withdraw its fact in compliance, and the next notice is a first
one again, with its own dates.)
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from html import escape
from typing import Literal

from babel.dates import format_date
from sqlalchemy.orm import Session

from agency.auth import service as auth_service
from agency.cases.models import Case, Channel, Consumer, ContactPoint
from agency.clients import service as clients_service
from agency.compliance import service as compliance
from agency.compliance.templates import get as builtin_template
from agency.compliance.validation import validation_period_end
from agency.kit import clock
from agency.kit.forms import FieldRefusal, FormError
from agency.outreach import esign, outbox, providers, validation_sent
from agency.outreach import repository as repo
from agency.outreach.composing import agency_contact, self_service_url
from agency.outreach.models import (
    Document,
    DocumentKind,
    ESignConsent,
    MessageChannel,
    MessageStatus,
    OutboxMessage,
)
from agency.outreach.notice import render_notice
from agency.outreach.notice_input import (
    MAX_ADDRESS_LINES,
    NoticeDescription,
    NoticeInputError,
    notice_from_values,
)
from agency.outreach.opt_out import opt_out_url

By = Literal["letter", "email"]
CONTENT_TYPE = "application/pdf"
MAX_REASON = 200
# A notice on its way: asking for another is sending it again.
ON_ITS_WAY = (MessageStatus.PENDING, MessageStatus.SENDING, MessageStatus.DEFERRED)


def notice_day(at: datetime, zones: Sequence[str]) -> date:
    """The day a notice provided at ``at`` is dated: the earliest of the consumer's local
    dates (see the module's docstring for why the earliest is the safe one)."""
    return min(at.astimezone(clock.zone(zone)).date() for zone in zones)


def address_lines(value: str) -> tuple[str, ...]:
    """A postal address as stored (``"1 Main St, Apt 3, Chicago, IL 60601, US"``) as the
    notice's lines: a state and postal code stay with the city, a US country line is
    left out (domestic mail), and at most 4 lines (the tail joined)."""
    parts = [part.strip() for part in value.split(",") if part.strip()]
    if len(parts) > 1 and parts[-1].upper() in ("US", "USA"):
        parts.pop()
    lines: list[str] = []
    for part in parts:
        state, _, postal = part.partition(" ")  # "IL 60601": joined to the city
        if lines and len(state) == 2 and state.isalpha() and state.isupper() and postal:
            lines[-1] = f"{lines[-1]}, {part}"
        else:
            lines.append(part)
    while len(lines) > MAX_ADDRESS_LINES:
        lines[-2:] = [", ".join(lines[-2:])]
    return tuple(lines) or (value.strip(),)


@dataclass(frozen=True, slots=True)
class Kept:
    """A kept notice with the message it went out as."""

    document: Document
    message: OutboxMessage | None


@dataclass(frozen=True, slots=True)
class Panel:
    """What the case's Messages panel shows of the validation notice (staff only)."""

    sent_at: datetime | None  # the first notice, as the rules read it
    validation_end: date | None  # the end that notice printed
    on_its_way: bool
    addresses: list[ContactPoint]
    emails: list[ContactPoint]
    consented: set[int]
    consents: list[ESignConsent]
    kept: list[Kept]
    shown: dict[int, str]  # each e-mail address, masked
    names: dict[int, str]  # who recorded or withdrew a consent

    @property
    def again(self) -> bool:
        """Another notice would be sent again (a copy): it needs a reason."""
        return self.sent_at is not None or self.on_its_way


def _consumer(db: Session, case: Case) -> Consumer:
    consumer = db.get(Consumer, case.consumer_id)
    assert consumer is not None
    return consumer


def _zones(db: Session, case: Case) -> tuple[str, ...]:
    return compliance.consumer_zones(db, consumer=_consumer(db, case))


def _notices_of(db: Session, case_id: int) -> list[OutboxMessage]:
    return repo.messages_of_case_from(db, case_id, validation_sent.TEMPLATE_ID)


def panel(db: Session, *, case: Case) -> Panel:
    sent_at = compliance.validation_sent_at(db, case=case)
    messages = {m.id: m for m in _notices_of(db, case.id)}
    consents = esign.consents_of(db, case.consumer_id)
    emails = esign.email_points(db, case.consumer_id)
    people = {c.recorded_by_id for c in consents} | {c.withdrawn_by_id for c in consents}
    users = auth_service.users_by_ids(db, sorted(p for p in people if p is not None))
    return Panel(
        sent_at=sent_at,
        validation_end=(
            None
            if sent_at is None
            else validation_period_end(notice_day(sent_at, _zones(db, case)))
        ),
        on_its_way=any(m.status in ON_ITS_WAY for m in messages.values()),
        addresses=repo.consumer_points(db, case.consumer_id, Channel.ADDRESS),
        emails=emails,
        consented=esign.current_of(consents),
        consents=consents,
        kept=[
            Kept(document, messages.get(document.message_id or 0))
            for document in repo.validation_notices_of_case(db, case.id)
        ],
        shown={p.id: compliance.mask_contact("email", p.value) for p in emails},
        names={user.id: user.full_name for user in users},
    )


def describe(
    db: Session, *, case: Case, sent_on: date, mail_to: ContactPoint | None
) -> NoticeDescription:
    """The notice for ``case`` dated ``sent_on``: the agency as collector, the consumer's
    name as the case's client placed it and their postal address (``mail_to``, else
    their first one), the client as creditor unless the case names the current one,
    and the case's itemization.  Spanish when the consumer's language is Spanish, else
    English with the Spanish-language offer.  Refused in words when the case lacks what
    the notice must show."""
    if case.itemization_date is None or case.itemization_amount_minor is None:
        raise FormError(
            {
                "__all__": "The case has no Reg F itemization date and amount: "
                "a validation notice cannot be made without them."
            }
        )
    if mail_to is None:
        addresses = repo.consumer_points(db, case.consumer_id, Channel.ADDRESS)
        mail_to = addresses[0] if addresses else None
    if mail_to is None:
        raise FormError(
            {"__all__": "The consumer has no postal address: the notice must show one."}
        )
    client = clients_service.get_client(db, client_id=case.client_id)
    agency = agency_contact()
    language = case.language or _consumer(db, case).language
    try:
        return notice_from_values(
            language="es" if language == "es" else "en",
            sent_on=sent_on,
            collector_name=agency.name,
            collector_address_lines=address_lines(agency.address),
            collector_phone=agency.phone,
            collector_email=agency.email,
            collector_website=agency.website,
            collector_hours=agency.hours,
            consumer_name=case.consumer_name,
            consumer_address_lines=address_lines(mail_to.value),
            creditor=case.current_creditor or (client.name if client else "the creditor"),
            original_creditor=case.original_creditor,
            account_reference=case.client_reference,
            currency=case.currency,
            itemization_date=case.itemization_date,
            itemization_kind=case.itemization_type.value if case.itemization_type else None,
            amount_on_itemization_date_minor=case.itemization_amount_minor,
            interest_since_minor=case.interest_since_minor,
            fees_since_minor=case.fees_since_minor,
            payments_since_minor=case.payments_since_minor,
            credits_since_minor=case.credits_since_minor,
            reference=f"Case {case.id}",
        )
    except NoticeInputError as exc:
        raise FormError({"__all__": f"The notice cannot be made from this case: {exc}."}) from exc


_COVER = {
    "en": (
        "Important information about your debt",
        "{name},\n\n"
        "{agency} is a debt collector. We are trying to collect a debt that you owe to "
        "{creditor}. We will use any information you give us to help collect the debt.\n\n"
        "Your validation notice is attached ({file}). It says how much you owe and how "
        "to dispute the debt; to dispute it, call or write to us by {end}.\n\n"
        "Questions: {phone}, {email}.\n\n"
        "To stop e-mails from us: {link}",
    ),
    "es": (
        "Información importante sobre su deuda",
        "{name}:\n\n"
        "{agency} es un cobrador de deudas. Estamos tratando de cobrar una deuda que "
        "usted le debe a {creditor}. Usaremos cualquier información que nos dé para "
        "ayudar a cobrar la deuda.\n\n"
        "Adjuntamos su aviso de validación ({file}). Indica cuánto debe y cómo disputar "
        "la deuda; para disputarla, llámenos o escríbanos a más tardar el {end}.\n\n"
        "Preguntas: {phone}, {email}.\n\n"
        "Para dejar de recibir correos electrónicos nuestros: {link}",
    ),
}
_LETTER_BODY = "Validation notice (Model Form B-1) for {reference}, {pages} page(s): the kept PDF."


def _cover(
    desc: NoticeDescription, *, case: Case, point: ContactPoint, file_name: str
) -> tuple[str, str, str]:
    """An e-mail's subject, text and HTML: the mini-Miranda, where the notice is, its
    end date, how to reach us and how to stop e-mails (US-REGF-EOPTOUT)."""
    subject, text = _COVER[desc.language]
    body = text.format(
        name=desc.consumer.name,
        agency=desc.collector.name,
        creditor=desc.debt.creditor,
        file=file_name,
        end=format_date(desc.validation_end, format="long", locale=desc.locale),
        phone=desc.collector.phone,
        email=desc.collector.email,
        link=opt_out_url(consumer_id=case.consumer_id, contact_point_id=point.id),
    )
    html = "".join(
        f"<p>{escape(paragraph).replace(chr(10), '<br>')}</p>" for paragraph in body.split("\n\n")
    )
    return subject, body, html


def queue_notice(
    db: Session,
    *,
    case: Case,
    by: By,
    contact_point_id: int | None,
    reason: str | None,
    by_user_id: int | None,
    source: compliance.Source = compliance.Source.AGENT,
) -> OutboxMessage:
    """Queue the case's validation notice by letter to one of the consumer's postal
    addresses, or by e-mail to one of their addresses with a current E-SIGN consent,
    through the gate (the built-in validation notice template).  Allowed, its PDF is
    kept as the message's document; the fact ``VALIDATION_SENT`` follows only when it is
    sent (``validation_sent``).  A notice already sent or on its way is sent again only
    with a reason, and the copy keeps the first notice's dates."""
    channel = MessageChannel.LETTER if by == "letter" else MessageChannel.EMAIL
    point = _point(db, case=case, channel=channel, contact_point_id=contact_point_id)
    words = " ".join((reason or "").split())
    if len(words) > MAX_REASON:
        raise FieldRefusal("reason", f"must be at most {MAX_REASON} characters", control="reason")
    first = compliance.validation_sent_at(db, case=case)
    again = first is not None or any(m.status in ON_ITS_WAY for m in _notices_of(db, case.id))
    if again and not words:
        raise FieldRefusal(
            "reason",
            "a validation notice was already sent on this case: say why it goes again",
            control="reason",
        )
    zones = _zones(db, case)
    sent_on = notice_day(first if first is not None else clock.now(), zones)
    desc = describe(
        db, case=case, sent_on=sent_on, mail_to=point if channel is MessageChannel.LETTER else None
    )
    if channel is MessageChannel.LETTER:
        link = self_service_url(case_id=case.id, consumer_id=case.consumer_id)
        desc = replace(desc, self_service_link=link)
    notice = render_notice(desc)
    file_name = f"validation-notice-case-{case.id}-{sent_on.isoformat()}.pdf"
    if channel is MessageChannel.EMAIL:
        subject, body, html = _cover(desc, case=case, point=point, file_name=file_name)
    else:
        subject, html = None, None
        body = _LETTER_BODY.format(reference=case.client_reference, pages=notice.pages)
    template = builtin_template(validation_sent.TEMPLATE_ID)
    assert template is not None
    printed = {"sent_on": sent_on.isoformat(), "validation_end": notice.validation_end.isoformat()}
    message = outbox.queue(
        db,
        case_id=case.id,
        consumer_id=case.consumer_id,
        client_id=case.client_id,
        contact_point_id=point.id,
        to_address=point.value,
        draft=outbox.Draft(
            channel=channel,
            subject=subject,
            body=body,
            html=html,
            gate_template=template,
            detail={validation_sent.DETAIL_KEY: {**printed, **({"again": words} if again else {})}},
        ),
        provider=providers.name_for(channel),
        by_user_id=by_user_id,
        source=source,
    )
    if message.status is not MessageStatus.BLOCKED:
        db.add(
            Document(
                kind=DocumentKind.VALIDATION_NOTICE,
                case_id=case.id,
                message_id=message.id,
                file_name=file_name,
                content_type=CONTENT_TYPE,
                content=notice.pdf,
                size=len(notice.pdf),
                sha256=hashlib.sha256(notice.pdf).hexdigest(),
                pages=notice.pages,
                by_user_id=by_user_id,
                created_at=clock.now(),
            )
        )
        db.flush()
    return message


def _point(
    db: Session, *, case: Case, channel: MessageChannel, contact_point_id: int | None
) -> ContactPoint:
    """The consumer's point the notice goes to: a postal address for a letter; for an
    e-mail, an address with a current E-SIGN consent (Reg F 1006.42(b))."""
    control = "address_id" if channel is MessageChannel.LETTER else "email_id"
    kind = Channel.ADDRESS if channel is MessageChannel.LETTER else Channel.EMAIL
    what = "postal address" if channel is MessageChannel.LETTER else "e-mail address"
    if contact_point_id is None:
        raise FieldRefusal(what, "is required", control=control)
    point = next(
        (p for p in repo.consumer_points(db, case.consumer_id, kind) if p.id == contact_point_id),
        None,
    )
    if point is None:
        raise FieldRefusal(what, "is not one of this consumer's", control=control)
    if channel is MessageChannel.EMAIL and point.id not in esign.consented_points(
        db, case.consumer_id
    ):
        raise FieldRefusal(
            what,
            "has no current E-SIGN consent: the notice goes by e-mail only to an address "
            "the consumer consented to receive it at",
            control=control,
        )
    return point


def kept_notices(db: Session, *, case_id: int) -> list[Document]:
    """The case's kept validation notices (the consumer's page lists them)."""
    return repo.validation_notices_of_case(db, case_id)


def kept_notice(db: Session, *, case_id: int, document_id: int) -> Document | None:
    """The case's kept validation notice ``document_id`` (None: not this case's)."""
    document = repo.document(db, document_id)
    if (
        document is None
        or document.case_id != case_id
        or document.kind is not DocumentKind.VALIDATION_NOTICE
    ):
        return None
    return document
