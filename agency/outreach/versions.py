"""Stored templates as the gate sees them: a saved version's traits (derived from its
words when it was saved) become a ``compliance.Template`` named after the version."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from agency.compliance import service as compliance
from agency.outreach.models import MessageChannel, MessageTemplate, OutboxMessage, TemplateVersion

GATE_CHANNEL: dict[MessageChannel, compliance.AttemptChannel] = {
    MessageChannel.SMS: "sms",
    MessageChannel.EMAIL: "email",
    MessageChannel.LETTER: "letter",
    MessageChannel.VOICE: "call",
}


def gate_id(template: MessageTemplate, version: int) -> str:
    """The id the ledger records for a version: ``payment-reminder/sms/en@v3``."""
    return f"{template.key}/{template.channel.value}/{template.language}@v{version}"[:60]


def gate_template(template: MessageTemplate, version: TemplateVersion) -> compliance.Template:
    return compliance.Template(
        id=gate_id(template, version.version),
        title=template.title,
        channels=frozenset({GATE_CHANNEL[template.channel]}),
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
