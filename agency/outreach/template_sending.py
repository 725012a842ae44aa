"""A stored template, found by its key, sent to a case's consumer on another domain's
behalf (payments' receipts and plan confirmations): its newest version in the
channel and language asked, composed for the case (``composing``), and queued through
the outbox — the gate decides and the ledger keeps the decision; a blocked message is
kept ``blocked``, never forced.

The caller names the message's key (``outbox.new_key``), one per thing said (a
payment's receipt): asked again, at once or later, the message already queued under it
is answered and nothing new is written (two racing inserts: the second breaks the key's
uniqueness inside a savepoint, its gate attempt going with it).
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agency.cases.models import Case, ContactPoint
from agency.compliance import service as compliance
from agency.outreach import composing, outbox, providers
from agency.outreach import repository as repo
from agency.outreach.models import MessageChannel, MessageTemplate, OutboxMessage, TemplateVersion
from agency.outreach.payment_words import ArrangementFacts, PaymentFacts


def newest(
    db: Session, *, key: str, channel: MessageChannel, language: str
) -> tuple[MessageTemplate, TemplateVersion] | None:
    """The active template ``key`` of ``channel`` in ``language`` with its newest
    version; None when there is none (never saved, or switched off)."""
    template = repo.template_by_key(db, key, channel, language)
    if template is None or not template.is_active or template.version == 0:
        return None
    version = repo.newest_version(db, template)
    return None if version is None else (template, version)


def queued(db: Session, message_key: str) -> OutboxMessage | None:
    """The message queued under ``message_key``, if any."""
    return repo.message_by_key(db, message_key)


def send_template(
    db: Session,
    *,
    case: Case,
    point: ContactPoint,
    template: MessageTemplate,
    version: TemplateVersion,
    message_key: str,
    source: compliance.Source,
    by_user_id: int | None = None,
    payment: PaymentFacts | None = None,
    arrangement: ArrangementFacts | None = None,
) -> OutboxMessage:
    """Queue ``version`` composed for ``case`` to ``point`` under ``message_key`` (the
    case loaded with its client; the job sends it after commit).  The message already
    queued under that key is answered as it is."""
    earlier = queued(db, message_key)
    if earlier is not None:
        return earlier
    draft = composing.draft_for(
        version,
        template,
        case=case,
        client_name=case.client.name,
        point=point,
        payment=payment,
        arrangement=arrangement,
    )
    try:
        with db.begin_nested():
            return outbox.queue(
                db,
                case_id=case.id,
                consumer_id=case.consumer_id,
                client_id=case.client_id,
                contact_point_id=point.id,
                to_address=point.value,
                draft=draft,
                provider=providers.name_for(draft.channel),
                by_user_id=by_user_id,
                source=source,
                key=message_key,
            )
    except IntegrityError:
        first = queued(db, message_key)
        if first is None:
            raise
        return first
