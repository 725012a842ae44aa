"""Stored templates: a new version saved once its words pass the save-time checks
(``save_version``), and a version as the gate sees it — its traits, derived from its
words when it was saved, as a ``compliance.Template`` named after the version."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from agency.compliance import service as compliance
from agency.kit import clock
from agency.kit.forms import FieldRefusal, FormError
from agency.outreach import repository as repo
from agency.outreach.models import MessageChannel, MessageTemplate, OutboxMessage, TemplateVersion
from agency.outreach.template_checks import GATE_CHANNEL, check_template
from agency.outreach.templating import LANGUAGES, Language, Problem, TemplateParts


def gate_id(template: MessageTemplate, version: int) -> str:
    """The id the ledger records for a version: ``payment-reminder/sms/en@v3``."""
    return f"{template.key}/{template.channel.value}/{template.language}@v{version}"[:60]


def gate_template(template: MessageTemplate, version: TemplateVersion) -> compliance.Template:
    return compliance.Template(
        id=gate_id(template, version.version),
        title=template.title,
        channels=frozenset({GATE_CHANNEL[template.channel.value]}),
        **{name: bool(version.traits.get(name, False)) for name in compliance.TRAITS},
    )


def gate_templates_of(
    db: Session, messages: Sequence[OutboxMessage]
) -> dict[int, compliance.Template | str]:
    """The traits the gate reads for each message (by message id): its stored version's,
    or the built-in template its ``gate_template`` names (the validation notice)."""
    version_ids = {m.template_version_id for m in messages if m.template_version_id is not None}
    stored = {}
    if version_ids:
        rows = db.execute(
            select(TemplateVersion, MessageTemplate)
            .join(MessageTemplate, MessageTemplate.id == TemplateVersion.template_id)
            .where(TemplateVersion.id.in_(sorted(version_ids)))
        ).all()
        stored = {version.id: gate_template(template, version) for version, template in rows}
    return {m.id: stored.get(m.template_version_id or 0, m.gate_template) for m in messages}


KEY = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")


class TemplateRefused(FormError):
    """The words cannot be saved: each problem names its part (subject, body, html) and
    says what is missing or wrong."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        errors: dict[str, str] = {}
        for problem in problems:
            errors.setdefault(problem.field, problem.message)
        errors["__all__"] = "; ".join(str(problem) for problem in problems)
        super().__init__(errors)
        self.problems = tuple(problems)


@dataclass(frozen=True, slots=True)
class TemplateDraft:
    """A template's words and settings as an admin saves them."""

    key: str
    channel: MessageChannel
    language: Language
    title: str
    body: str
    subject: str | None = None
    html: str | None = None
    segment_limit: int | None = None
    first_contact: bool = True
    suit_notice: bool = False


def save_version(
    db: Session, *, draft: TemplateDraft, why: str, by_user_id: int | None
) -> TemplateVersion:
    """Save ``draft`` as the template's next version (the template is made on its first
    save), once every save-time check passes (``template_checks``); TemplateRefused
    names each problem.  The version keeps the traits the gate will read, who saved it,
    when and why."""
    why = " ".join(why.split())
    if not why:
        raise FieldRefusal("why", "is required: say why the words change", control="why")
    if not KEY.fullmatch(draft.key):
        raise FieldRefusal(
            "key", "1-40 lower-case letters, digits and dashes (payment-reminder)", control="key"
        )
    if draft.language not in LANGUAGES:
        raise FieldRefusal("language", f"must be one of {', '.join(LANGUAGES)}", control="language")
    title = " ".join(draft.title.split())[:120]
    if not title:
        raise FieldRefusal("title", "is required", control="title")
    if draft.segment_limit is not None and not 1 <= draft.segment_limit <= 10:
        raise FieldRefusal("segment limit", "must be 1 to 10", control="segment_limit")
    parts = TemplateParts(subject=draft.subject, body=draft.body, html=draft.html)
    checked = check_template(
        parts,
        channel=draft.channel.value,
        language=draft.language,
        first_communication=draft.first_contact,
        suit_notice=draft.suit_notice,
        sms_segment_limit=draft.segment_limit if draft.channel is MessageChannel.SMS else None,
    )
    if not checked.ok or checked.traits is None:
        raise TemplateRefused(checked.problems)
    template = repo.template_for_update(db, draft.key, draft.channel, draft.language)
    if template is None:
        template = MessageTemplate(
            key=draft.key, channel=draft.channel, language=draft.language, version=0
        )
        db.add(template)
    template.title = title
    template.segment_limit = draft.segment_limit
    template.first_contact = draft.first_contact
    template.suit_notice = draft.suit_notice
    template.version += 1
    db.flush()
    gate = checked.traits.gate_template(
        id=gate_id(template, template.version), title=title, channel=draft.channel.value
    )
    version = TemplateVersion(
        template_id=template.id,
        version=template.version,
        subject=draft.subject,
        body=draft.body,
        html=draft.html or None,
        traits=gate.traits(),
        by_user_id=by_user_id,
        at=clock.now(),
        why=why[:500],
    )
    db.add(version)
    db.flush()
    return version
