"""Stored templates as the gate sees them: a saved version's traits (derived from its
words when it was saved) become a ``compliance.Template`` named after the version."""

from __future__ import annotations

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


def gate_template_of(db: Session, message: OutboxMessage) -> compliance.Template | str:
    """The traits the gate reads for ``message``: its stored version's, or the built-in
    template its ``gate_template`` names (the validation notice)."""
    if message.template_version_id is None:
        return message.gate_template
    version = db.get(TemplateVersion, message.template_version_id)
    template = None if version is None else db.get(MessageTemplate, version.template_id)
    if version is None or template is None:
        return message.gate_template
    return gate_template(template, version)
