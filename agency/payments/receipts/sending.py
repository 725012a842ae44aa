"""A payment's receipt and a plan's confirmation sent to the consumer through outreach:
the template by key (``payment-receipt``, ``plan-confirmation``) in the consumer's
language, to their e-mail address, else their mobile for a text; composed with the
payment's or the plan's facts and queued through the outbox, where the gate decides
and the ledger keeps its decision (a blocked message stays ``blocked``, never forced).
The sending job runs after the caller's commit, as every outbox message's does.

Once per payment and per plan: the message's key is ``receipt-{id}`` or
``confirmation-{id}``, so a second call (a retried job, two posts) answers with the
first message.  The contact point: an address marked "do not use" (a bounce) is passed
over, and so is one the consumer opted out of while another channel is open to us; when
every one is opted out, the first is asked and the gate's refusal recorded.  With no
template for the language and channel, nothing is sent: that is no error, only counted
(``SKIPPED``) and logged without personal data.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from typing import Final

from sqlalchemy.orm import Session

from agency.cases.models import Case, Channel, ContactPoint
from agency.compliance import service as compliance
from agency.outreach import outbox, template_sending
from agency.outreach.models import MessageChannel, MessageTemplate, OutboxMessage, TemplateVersion
from agency.outreach.payment_words import ArrangementFacts, PaymentFacts
from agency.payments.receipts import facts
from agency.payments.repository import receipts as repo

log = logging.getLogger("agency.payments.receipts")

RECEIPT: Final = "payment-receipt"
CONFIRMATION: Final = "plan-confirmation"
SKIPPED: Counter[str] = Counter()
"""Messages not sent, by "key/why/language" (why: no template in any channel, or no
contact point for the channels that have one)."""

# The channels tried, in order, and the contact points each goes to.
_CHANNELS: Final = ((MessageChannel.EMAIL, Channel.EMAIL), (MessageChannel.SMS, Channel.PHONE))


def payment_receipt(db: Session, *, payment_id: int) -> None:
    """Queue the receipt of payment ``payment_id`` (once: see the module's docstring).
    LookupError when there is no such payment."""
    payment = repo.payment(db, payment_id)
    if payment is None:
        raise LookupError(f"payment {payment_id} does not exist")
    key = outbox.new_key(f"receipt-{payment.id}")
    if template_sending.queued(db, key) is not None:
        return
    case = _case(db, payment.case_id)
    _send(
        db,
        case=case,
        template_key=RECEIPT,
        message_key=key,
        payment=facts.payment_facts(db, case=case, payment=payment),
    )


def plan_confirmation(db: Session, *, plan_id: int) -> None:
    """Queue the confirmation of plan ``plan_id`` (once: see the module's docstring).
    LookupError when there is no such plan."""
    plan = repo.plan(db, plan_id)
    if plan is None:
        raise LookupError(f"plan {plan_id} does not exist")
    key = outbox.new_key(f"confirmation-{plan.id}")
    if template_sending.queued(db, key) is not None:
        return
    _send(
        db,
        case=_case(db, plan.case_id),
        template_key=CONFIRMATION,
        message_key=key,
        arrangement=facts.arrangement_facts(plan),
    )


def _case(db: Session, case_id: int) -> Case:
    case = repo.case_to_write_to(db, case_id)
    if case is None:
        raise LookupError(f"case {case_id} does not exist")
    return case


def language_of(case: Case) -> str:
    """The language the consumer is written to in: Spanish when the case or the
    consumer says so, else English."""
    return "es" if (case.language or case.consumer.language) == "es" else "en"


def _points(case: Case, channel: Channel) -> list[ContactPoint]:
    return [
        p
        for p in case.consumer.contact_points
        if p.channel is channel and (channel is not Channel.PHONE or p.kind == "mobile")
    ]


def choose(
    db: Session, case: Case, candidates: Sequence[tuple[MessageChannel, ContactPoint]]
) -> tuple[MessageChannel, ContactPoint] | None:
    """The first candidate not marked "do not use" and not opted out; else the first
    not marked "do not use" (the gate will refuse and record it); else None."""
    flags = compliance.flags_of(db, [point.id for _, point in candidates])
    usable = [(c, p) for c, p in candidates if not flags[p.id].do_not_use]
    open_ = [(c, p) for c, p in usable if not flags[p.id].opted_out]
    for found in (open_, usable):
        if found:
            return found[0]
    return None


def _send(
    db: Session,
    *,
    case: Case,
    template_key: str,
    message_key: str,
    payment: PaymentFacts | None = None,
    arrangement: ArrangementFacts | None = None,
) -> OutboxMessage | None:
    language = language_of(case)
    templates: dict[MessageChannel, tuple[MessageTemplate, TemplateVersion]] = {}
    candidates: list[tuple[MessageChannel, ContactPoint]] = []
    for channel, kind in _CHANNELS:
        found = template_sending.newest(db, key=template_key, channel=channel, language=language)
        if found is None:
            continue
        templates[channel] = found
        candidates += [(channel, point) for point in _points(case, kind)]
    if not templates:
        SKIPPED[f"{template_key}/no-template/{language}"] += 1
        log.info("no %s template in %s: nothing sent", template_key, language)
        return None
    chosen = choose(db, case, candidates)
    if chosen is None:
        SKIPPED[f"{template_key}/no-point/{language}"] += 1
        log.info("no contact point for a %s in %s: nothing sent", template_key, language)
        return None
    channel, point = chosen
    template, version = templates[channel]
    return template_sending.send_template(
        db,
        case=case,
        point=point,
        template=template,
        version=version,
        message_key=message_key,
        source=compliance.Source.SYSTEM,
        payment=payment,
        arrangement=arrangement,
    )
