"""A strategy step's message made for a case: the template (the consumer's language,
else English), the contact point, and the outbox key that makes the same step's message
one message however often it is asked for."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from sqlalchemy.orm import Session

from agency.cases.models import Case, ContactPoint
from agency.compliance import service as compliance
from agency.outreach import composing, outbox, providers, template_sending
from agency.outreach.models import MessageChannel, MessageTemplate, OutboxMessage, TemplateVersion
from agency.outreach.strategies.steps import Step

LANGUAGE = "en"  # a template's language when the consumer's has none
LABELS = {"sms": "text", "email": "e-mail", "letter": "letter"}
Found = tuple[MessageTemplate, TemplateVersion]


class Templates:
    """The batch's templates, each (key, channel, language) looked up once."""

    def __init__(self, db: Session) -> None:
        self._db = db
        self._found: dict[tuple[str, str, str], Found | None] = {}

    def newest(self, key: str, channel: str, language: str) -> Found | None:
        wanted = (key, channel, language)
        if wanted not in self._found:
            self._found[wanted] = template_sending.newest(
                self._db, key=key, channel=MessageChannel(channel), language=language
            )
        return self._found[wanted]


def addressed(
    case: Case,
    point: ContactPoint,
    found: Found,
    key: str,
) -> outbox.Addressed:
    template, version = found
    draft = composing.draft_for(
        version, template, case=case, client_name=case.client.name, point=point
    )
    return outbox.Addressed(
        case_id=case.id,
        consumer_id=case.consumer_id,
        client_id=case.client_id,
        contact_point_id=point.id,
        to_address=point.value,
        draft=draft,
        provider=providers.name_for(draft.channel),
        key=key,
    )


def template_for(templates: Templates, case: Case, key: str, channel: str) -> Found | None:
    language = case.language or case.consumer.language or LANGUAGE
    return templates.newest(key, channel, language) or templates.newest(key, channel, LANGUAGE)


def message_key(case_id: int, version_id: int, step_key: str, attempt: int) -> str:
    """The outbox key of a step's message: the same step never queues two."""
    seed = f"strategy:{case_id}:{version_id}:{step_key}:{attempt}"
    return outbox.new_key(hashlib.sha256(seed.encode()).hexdigest()[:32])


def label(channel: str) -> str:
    return LABELS.get(channel, channel)


def gate_and_queue(
    db: Session, items: Sequence[outbox.Addressed]
) -> list[tuple[compliance.GateResult, OutboxMessage | None]]:
    """The gate asked about every item at once (``compliance.gate_many``), the allowed
    ones queued: each item's gate result and its message (None: blocked)."""
    results = compliance.gate_many(
        db, [outbox.gate_ask(item, source=compliance.Source.STRATEGY) for item in items]
    )
    allowed = [(item, r) for item, r in zip(items, results, strict=True) if r.allowed]
    queued = iter(outbox.queue_allowed(db, allowed))
    return [(r, next(queued) if r.allowed else None) for r in results]


def step_message(
    case: Case, step: Step, points: Sequence[ContactPoint], templates: Templates, key: str
) -> outbox.Addressed | str:
    """The step's message made for the case, to the first of ``points`` (the usable
    ones, best first), or why there is none."""
    assert step.template is not None
    if not points:
        return f"skipped: no {label(step.channel)} contact point we may use"
    found = template_for(templates, case, step.template, step.channel)
    if found is None:
        return f"skipped: the {step.channel} template {step.template!r} is switched off"
    return addressed(case, points[0], found, key)
