"""A validation notice that has left becomes a compliance fact.

``outbox._sent`` — where every message becomes sent (an e-mail when the mail server
took it, a letter when its print batch is made) — calls ``record`` for a message made
from the built-in validation notice template: ``VALIDATION_SENT`` for the case, effective
at the moment it was sent, with the dates the notice printed.  Nothing is recorded when
a notice is queued, blocked or deferred: the gate, the dispute hold
(US-REGF-DISPUTE-HOLD) and the Ontario wait (CA-ON-FREQ) read the fact as "the consumer
has been given the notice", which only a sent one is.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from agency.compliance import service as compliance
from agency.outreach import repository as repo
from agency.outreach.models import OutboxMessage

TEMPLATE_ID = "validation-notice"  # compliance's built-in template for the notice
# The key of the queued step's detail that holds the dates the notice printed.
DETAIL_KEY = "validation_notice"


def is_validation_notice(message: OutboxMessage) -> bool:
    return message.gate_template == TEMPLATE_ID


def record(db: Session, message: OutboxMessage) -> None:
    """``message`` (a validation notice) was sent at ``message.sent_at``: record it as
    the case's ``VALIDATION_SENT`` fact, with the notice's ``sent_on`` and
    ``validation_end`` as printed (kept on the message's queued step)."""
    queued = repo.first_event(db, message.id)
    printed = queued.detail.get(DETAIL_KEY, {}) if queued is not None else {}
    compliance.record_fact(
        db,
        consumer_id=message.consumer_id,
        kind=compliance.FactKind.VALIDATION_SENT,
        actor_id=None,
        source=compliance.Source.SYSTEM,
        case_id=message.case_id,
        effective_at=message.sent_at,
        detail={
            "sent_on": printed.get("sent_on"),
            "validation_end": printed.get("validation_end"),
            "channel": message.channel.value,
            "message": message.id,
        },
    )
