"""Sending a text, an e-mail or a letter from the case page: what the form offers (the
active templates of the channel, the consumer's language first, and the consumer's own
contact points of that channel), the form read and checked, the message made for the
case with the gate's decision about sending it now (a preview, written nowhere), and
the message queued through the outbox (``outbox.queue``: the gate decides and records).

The form carries a token of its own: the message's key is made of it (``outbox.new_key``),
so a form posted twice (a double click) queues one message: the second post, at once or
racing the first, breaks the key's uniqueness inside a savepoint (its gate attempt goes
with it) and answers with the first's message.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agency.cases.models import Case, Channel, ContactPoint
from agency.compliance import service as compliance
from agency.kit.forms import BlankIsNone, FieldRefusal, parse
from agency.kit.params import IdField
from agency.outreach import composing, outbox, providers
from agency.outreach import repository as repo
from agency.outreach.models import MessageChannel, MessageTemplate, OutboxMessage
from agency.outreach.outbox_views import masked
from agency.outreach.segments import Segments, count_segments

# The channels one sends from the case page, the contact points each goes to, and what
# the page calls them.
POINTS: Mapping[MessageChannel, Channel] = {
    MessageChannel.SMS: Channel.PHONE,
    MessageChannel.EMAIL: Channel.EMAIL,
    MessageChannel.LETTER: Channel.ADDRESS,
}
LABELS: Mapping[MessageChannel, str] = {
    MessageChannel.SMS: "text",
    MessageChannel.EMAIL: "e-mail",
    MessageChannel.LETTER: "letter",
}
POINT_WORDS: Mapping[MessageChannel, str] = {
    MessageChannel.SMS: "a phone number",
    MessageChannel.EMAIL: "an e-mail address",
    MessageChannel.LETTER: "a postal address",
}
FORM_KEY_PATTERN = r"^[0-9a-f]{32}$"


def new_token() -> str:
    """A fresh form's token (the inside of its message's key)."""
    return secrets.token_hex(16)


class SendForm(BaseModel):
    """The case page's send form as posted (every control, blank ones included)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore", frozen=True)

    channel: Literal["sms", "email", "letter"]
    template_id: Annotated[IdField | None, BlankIsNone] = None
    contact_point_id: Annotated[IdField | None, BlankIsNone] = None
    token: Annotated[
        str, Field(pattern=FORM_KEY_PATTERN, description="the form's token: reload the page")
    ]


def read_form(values: Mapping[str, str]) -> SendForm:
    """The posted values as a ``SendForm``; FormError names each bad field."""
    return parse(SendForm, values)


def channel_of(value: str | None) -> MessageChannel:
    """The channel a form (or a link) names; a text when it names none we send."""
    for channel in POINTS:
        if channel.value == value:
            return channel
    return MessageChannel.SMS


@dataclass(frozen=True, slots=True)
class PointChoice:
    id: int
    shown: str  # "mobile …0142": recognisable, not usable


@dataclass(frozen=True, slots=True)
class Choices:
    """What the form offers for one channel."""

    channel: MessageChannel
    templates: list[MessageTemplate]
    points: list[PointChoice]


def choices(db: Session, *, case: Case, channel: MessageChannel) -> Choices:
    language = case.language or case.consumer.language
    return Choices(
        channel=channel,
        templates=repo.active_templates(db, channel, language=language),
        points=[
            PointChoice(point.id, f"{point.kind} {masked(channel, point.value)}")
            for point in case.consumer.contact_points
            if point.channel is POINTS[channel]
        ],
    )


@dataclass(frozen=True, slots=True)
class Composed:
    """The message the form asks for, made for this case."""

    template: MessageTemplate
    point: ContactPoint
    draft: outbox.Draft
    segments: Segments | None  # a text's


def compose(db: Session, *, case: Case, form: SendForm) -> Composed:
    """The message ``form`` asks for, made for ``case``; FieldRefusal (shown beside its
    control) when the case is closed, no template or contact point is chosen, or the
    choice is not this channel's or not this consumer's."""
    channel = channel_of(form.channel)
    if not case.status.is_open:
        raise FieldRefusal("case", f"is {case.status.value}: nothing more can be sent")
    if form.template_id is None:
        raise FieldRefusal("template", "is required: choose one", control="template_id")
    template = db.get(MessageTemplate, form.template_id)
    if template is None or not template.is_active or template.version == 0:
        raise FieldRefusal("template", "is not an active template", control="template_id")
    if template.channel is not channel:
        raise FieldRefusal(
            "template",
            f"is a template for {template.channel.value}, not for a {LABELS[channel]}",
            control="template_id",
        )
    if form.contact_point_id is None:
        raise FieldRefusal("contact point", "is required: choose one", control="contact_point_id")
    point = next((p for p in case.consumer.contact_points if p.id == form.contact_point_id), None)
    if point is None:
        raise FieldRefusal(
            "contact point", "is not one of this consumer's", control="contact_point_id"
        )
    if point.channel is not POINTS[channel]:
        raise FieldRefusal(
            "contact point",
            f"must be {POINT_WORDS[channel]} for a {LABELS[channel]}",
            control="contact_point_id",
        )
    version = repo.newest_version(db, template)
    if version is None:
        raise FieldRefusal("template", "has no saved words", control="template_id")
    draft = composing.draft_for(
        version, template, case=case, client_name=case.client.name, point=point
    )
    segments = count_segments(draft.body) if channel is MessageChannel.SMS else None
    return Composed(template=template, point=point, draft=draft, segments=segments)


def decision_now(db: Session, *, case: Case, composed: Composed) -> compliance.Decision:
    """The gate's decision about sending ``composed`` now, written nowhere."""
    return outbox.decision_now(
        db,
        case_id=case.id,
        consumer_id=case.consumer_id,
        contact_point_id=composed.point.id,
        draft=composed.draft,
    )


@dataclass(frozen=True, slots=True)
class Sent:
    """A send's answer: the message as queued (``pending``, or ``blocked`` with the
    rules), and when the gate would allow it again (a blocked one)."""

    message: OutboxMessage
    next_allowed_at: datetime | None


def send(db: Session, *, case: Case, composed: Composed, token: str, by_user_id: int) -> Sent:
    """Queue ``composed`` through the outbox as the agent's send (the gate decides and
    the ledger keeps its decision; a blocked message is kept ``blocked``).  The same
    token again (the form posted twice, at once or later) answers with the message the
    first post queued."""
    key = outbox.new_key(token)
    try:
        with db.begin_nested():
            message = outbox.queue(
                db,
                case_id=case.id,
                consumer_id=case.consumer_id,
                client_id=case.client_id,
                contact_point_id=composed.point.id,
                to_address=composed.point.value,
                draft=composed.draft,
                provider=providers.name_for(composed.draft.channel),
                by_user_id=by_user_id,
                source=compliance.Source.AGENT,
                key=key,
            )
    except IntegrityError:
        # The key is taken: this form was sent already (this attempt went with the
        # savepoint).  Answer with that message, if it is this case's.
        first = repo.message_by_key(db, key)
        if first is None:
            raise
        if first.case_id != case.id:
            raise FieldRefusal(
                "form", "was sent already, from another case: reload the page"
            ) from None
        message = first
    attempt = compliance.attempt(db, message.attempt_entry_id) if message.attempt_entry_id else None
    return Sent(message=message, next_allowed_at=attempt.next_allowed_at if attempt else None)


# ---- the case page's send panel ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Preview:
    """The message as it would go, and the gate's decision about sending it now."""

    composed: Composed
    decision: compliance.Decision
    rules: tuple[compliance.RuleDescription, ...]
    zones: tuple[str, ...]  # the consumer's, for when it is allowed again


@dataclass(frozen=True, slots=True)
class Result:
    """What a send did, for the panel: queued, or blocked with the rules in words."""

    sent: Sent
    label: str
    address: str
    rules: tuple[compliance.RuleDescription, ...]
    zones: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Panel:
    """The send form for one channel, with what was posted, refusals by control, and
    a preview or a send's result."""

    choices: Choices
    labels: Mapping[MessageChannel, str]
    token: str
    values: Mapping[str, str]
    errors: Mapping[str, str]
    closed: bool
    preview: Preview | None = None
    result: Result | None = None


def panel(
    db: Session,
    *,
    case: Case,
    channel: MessageChannel,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    token: str | None = None,
    preview: Preview | None = None,
    result: Result | None = None,
) -> Panel:
    return Panel(
        choices=choices(db, case=case, channel=channel),
        labels=LABELS,
        token=token or new_token(),
        values=values or {},
        errors=errors or {},
        closed=not case.status.is_open,
        preview=preview,
        result=result,
    )


def zones_of(db: Session, case: Case) -> tuple[str, ...]:
    return compliance.consumer_zones(db, consumer=case.consumer)


def preview(db: Session, *, case: Case, composed: Composed) -> Preview:
    decision = decision_now(db, case=case, composed=composed)
    return Preview(
        composed=composed,
        decision=decision,
        rules=tuple(compliance.describe(rule) for rule in decision.blocked_by),
        zones=zones_of(db, case),
    )


def result(db: Session, *, case: Case, sent: Sent) -> Result:
    message = sent.message
    return Result(
        sent=sent,
        label=LABELS.get(message.channel, message.channel.value),
        address=masked(message.channel, message.to_address),
        rules=tuple(compliance.describe(rule) for rule in message.blocked_by),
        zones=zones_of(db, case),
    )
