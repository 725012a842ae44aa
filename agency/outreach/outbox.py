"""The outbox: every message is a row written in the same transaction as the gate's
ledger entry, then handed to its provider by a job after commit — never lost, never sent
twice.

- ``queue``: ask the gate; write the message ``pending`` (allowed) or ``blocked``, and the
  job that sends it.
- ``claim`` (the job, first transaction): ask the gate again (``compliance.recheck``; a
  case paid, disputed or opted out since is not contacted: the attempt is withdrawn and
  the message ``blocked``, or ``deferred`` to the gate's next allowed time); else mark it
  ``sending`` and commit *before* the provider is called.
- ``record_sent`` / ``record_failure`` (second transaction): the provider's id, or the
  error — a passing one is tried again later with a growing wait, at most
  ``outbox_max_tries`` times in all, then ``failed`` with the reason.
- ``reconcile``: a message left ``sending`` (the process died between the provider's
  answer and our commit) is looked up at the provider before anything is tried again.
- ``apply_status``: a provider's news (a status webhook, the sandbox); statuses only move
  forward, and a final one is written to the ledger as the attempt's outcome.

The job's two commits are deliberate (design.md §3 rule 1's exception): the row must say
``sending`` durably before the provider can have the message.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from agency.compliance import service as compliance
from agency.config import get_settings
from agency.kit import clock
from agency.kit.bulk import add_copied, insert_rows
from agency.outreach import pacing, providers, senders, validation_sent, versions
from agency.outreach import repository as repo
from agency.outreach.channels.base import Attachment, Outgoing, ProviderError, Sent
from agency.outreach.models import (
    FINAL,
    RANK,
    MessageChannel,
    MessageStatus,
    OutboxEvent,
    OutboxMessage,
)
from agency.outreach.template_checks import GATE_CHANNEL
from agency.worker import enqueue

DELIVER = "agency.outreach.tasks.deliver"
# How far ahead the gate is asked when a message leaves: a message is never valid longer
# (Twilio keeps a queued text at most 10 hours).
VALIDITY_HORIZON = timedelta(hours=10)
# A job queued this long ago that has not claimed its message is taken for lost.
JOB_LOST_AFTER = timedelta(minutes=5)
# How long a message may stay "sending" before it is looked up at the provider.
STUCK_AFTER = timedelta(minutes=2)
# A passing failure waits 1, 2, 4, 8 … minutes before the next try (at most an hour).
FIRST_WAIT = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=1)
# "Too many requests" spends no try; a message rate limited this many times the tries
# allowed (5 times 3: about ten hours of growing waits) is failed all the same.
RATE_LIMITS_PER_TRY = 3
# The provider outcome the ledger records for a final status.
_LEDGER_OUTCOME: dict[MessageStatus, compliance.Outcome] = {
    MessageStatus.DELIVERED: "delivered",
    MessageStatus.UNDELIVERED: "failed",
    MessageStatus.FAILED: "failed",
}


@dataclass(frozen=True, slots=True)
class Draft:
    """A message ready to go: rendered words and the traits the gate reads of them."""

    channel: MessageChannel
    body: str
    gate_template: compliance.Template
    subject: str | None = None
    html: str | None = None
    segments: int | None = None
    template_version_id: int | None = None
    # Kept on the queued step of the message's history (a validation notice: the dates
    # it printed, read back when it is sent).
    detail: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Addressed:
    """A draft for one of a case's consumer's contact points, ready to ask the gate about
    (``gate_ask``) and, allowed, to write (``queue_allowed``)."""

    case_id: int
    consumer_id: int
    client_id: int
    contact_point_id: int
    to_address: str
    draft: Draft
    provider: str
    key: str


def queue(
    db: Session,
    *,
    case_id: int,
    consumer_id: int,
    client_id: int,
    contact_point_id: int,
    to_address: str,
    draft: Draft,
    provider: str,
    by_user_id: int | None,
    source: compliance.Source,
    send_now: bool = True,
    key: str | None = None,
) -> OutboxMessage:
    """Ask the gate about sending ``draft`` to the contact point; write the message as
    the gate decided, and (allowed) the job that sends it once this commits — or, with
    ``send_now`` False (many messages at once), leave it to the sweep (every second), which
    sends the due messages in batches.  ``key``: the message's unique key when the
    caller chose it (``new_key(token)``, a form's token: posted twice, the second
    insert breaks the key's uniqueness)."""
    item = Addressed(
        case_id=case_id,
        consumer_id=consumer_id,
        client_id=client_id,
        contact_point_id=contact_point_id,
        to_address=to_address,
        draft=draft,
        provider=provider,
        key=key or new_key(),
    )
    message = _new_message(item, by_user_id=by_user_id)
    result = _gate(db, message, draft.gate_template, actor_id=by_user_id, source=source)
    _write(db, message, item.draft, result)
    if result.allowed and send_now:
        _send_soon(db, message)
    return message


def gate_ask(item: Addressed, *, source: compliance.Source) -> compliance.GateAsk:
    """The gate's question about sending ``item`` now (``compliance.gate_many``)."""
    return compliance.GateAsk(
        consumer_id=item.consumer_id,
        channel=GATE_CHANNEL[item.draft.channel.value],
        contact_point_id=item.contact_point_id,
        case_ids=[item.case_id],
        actor_id=None,
        source=source,
        automated=_automated(item.draft.channel),
        template=item.draft.gate_template,
    )


def queue_allowed(
    db: Session, decided: Sequence[tuple[Addressed, compliance.GateResult]]
) -> list[OutboxMessage]:
    """Write the messages the gate allowed (``gate_ask`` asked through ``gate_many``),
    each keeping its attempt, for the sweep to send once this commits."""
    messages = []
    for item, result in decided:
        assert result.allowed
        message = _new_message(item, by_user_id=None)
        message.attempt_entry_id = result.entry.id
        message.status = MessageStatus.PENDING
        message.blocked_by = []
        messages.append(message)
    add_copied(db, messages)
    now = clock.now()
    # Their first events as rows, in one statement: read again only from the database.
    events = [
        {"message_id": message.id, "at": now, "status": MessageStatus.PENDING,
         "provider_status": None, "detail": dict(item.draft.detail or {})}
        for (item, _result), message in zip(decided, messages, strict=True)
    ]  # fmt: skip
    insert_rows(db, OutboxEvent, events)
    return messages


def _new_message(item: Addressed, *, by_user_id: int | None) -> OutboxMessage:
    now = clock.now()
    draft = item.draft
    return OutboxMessage(
        case_id=item.case_id,
        consumer_id=item.consumer_id,
        client_id=item.client_id,
        contact_point_id=item.contact_point_id,
        channel=draft.channel,
        template_version_id=draft.template_version_id,
        gate_template=draft.gate_template.id,
        to_address=item.to_address,
        subject=draft.subject,
        body=draft.body,
        html=draft.html,
        segments=draft.segments,
        provider=item.provider,
        message_key=item.key,
        by_user_id=by_user_id,
        created_at=now,
        status_at=now,
        rate_limits=0,  # given: the flush need not read the server's default back
    )


def _write(
    db: Session, message: OutboxMessage, draft: Draft, result: compliance.GateResult
) -> None:
    """Add ``message`` as the gate decided, with its first step."""
    status = MessageStatus.PENDING if result.allowed else MessageStatus.BLOCKED
    message.status = status
    message.blocked_by = list(result.decision.blocked_by)
    db.add(message)
    db.flush()
    _event(db, message, status, detail={**(draft.detail or {}), **_blocked_detail(result.decision)})


def _send_soon(db: Session, message: OutboxMessage) -> None:
    """Queue the job that sends ``message`` (after commit), and note it: the sweep does
    not queue another while this one may still run."""
    message.job_at = clock.now()
    enqueue(db, DELIVER, message.id)


def new_key(token: str | None = None) -> str:
    """A unique id of ours, shaped as an e-mail Message-ID's inside (``id@host``); the
    id is ``token`` when given (a 32-character hex token), else a new one."""
    host = urlsplit(get_settings().public_url).hostname or "agency.invalid"
    return f"{token or uuid.uuid4().hex}@{host}"


def decision_now(
    db: Session, *, case_id: int, consumer_id: int, contact_point_id: int, draft: Draft
) -> compliance.Decision:
    """What the gate would say, now, to ``queue`` with these arguments, written nowhere
    (a preview before sending)."""
    return compliance.what_if(
        db,
        consumer_id=consumer_id,
        channel=GATE_CHANNEL[draft.channel.value],
        contact_point_id=contact_point_id,
        case_ids=[case_id],
        at=clock.now(),
        automated=_automated(draft.channel),
        template=draft.gate_template,
    )


def _automated(channel: MessageChannel) -> bool:
    """Every text counts as sent by machine (the autodialer rules read it)."""
    return channel is MessageChannel.SMS


@dataclass(frozen=True, slots=True)
class Claimed:
    """A message marked ``sending``: what to hand to the provider once committed."""

    message_id: int
    provider: str
    outgoing: Outgoing
    paced_number: str | None = None  # the pool number whose pace it keeps (``pacing``)


def claim(db: Session, message_id: int) -> Claimed | None:
    """The job's first step for one message (``claim_many``)."""
    claimed = claim_many(db, [message_id])
    return claimed[0] if claimed else None


def claim_many(db: Session, message_ids: Sequence[int]) -> list[Claimed]:
    """The job's first step: of ``message_ids``, those to send now, each marked
    ``sending`` (the caller commits before calling the provider).  Left out: a message
    another job holds, one already sent or settled, one not yet due, and one the gate,
    asked again (all of them in one read), now refuses — withdrawn and recorded."""
    now = clock.now()
    messages = [
        m
        for m in repo.messages_for_update(db, message_ids)
        if m.status in (MessageStatus.PENDING, MessageStatus.DEFERRED)
        and (m.next_try_at is None or m.next_try_at <= now)
    ]
    templates = versions.gate_templates_of(db, messages)
    asking = []
    for message in messages:
        message.job_at = None
        if message.status is MessageStatus.DEFERRED and not _ask_gate_anew(
            db, message, templates[message.id]
        ):
            continue
        asking.append(message)
    allowed = []
    for message, again in _still_allowed(db, asking, templates):
        message.valid_until = again.allowed_until or now + VALIDITY_HORIZON
        allowed.append(message)
    sender_of = _senders(db)
    numbers = {m.id: providers.paced_number(m, sender_of(m.client_id)) for m in allowed}
    paced = [(m, number) for m in allowed if (number := numbers[m.id]) is not None]
    going = set(pacing.take_turns(db, paced, now))
    attached = repo.attachments_of(db, [m.id for m in allowed if m.channel is MessageChannel.EMAIL])
    claimed = []
    for message in allowed:
        if numbers[message.id] is not None and message not in going:
            continue  # its number is busy: it waits for its turn
        assert message.valid_until is not None
        valid_for = max(1, int((message.valid_until - now).total_seconds()))
        message.status = MessageStatus.SENDING
        message.status_at = message.sending_at = now
        message.tries += 1
        message.next_try_at = None
        message.from_address = numbers[message.id] or message.from_address
        _event(db, message, MessageStatus.SENDING, detail={"try": message.tries})
        claimed.append(
            Claimed(
                message_id=message.id,
                provider=message.provider,
                outgoing=providers.outgoing(
                    message,
                    valid_for_seconds=valid_for,
                    sender=sender_of(message.client_id),
                    attachments=tuple(
                        Attachment(d.file_name, d.content_type, d.content)
                        for d in attached.get(message.id, ())
                    ),
                ),
                paced_number=numbers[message.id],
            )
        )
    return claimed


def still_allowed(db: Session, messages: Sequence[OutboxMessage]) -> list[OutboxMessage]:
    """Of ``messages`` (claimed, and waiting since: a letter for its print batch), those
    the gate, asked again now (all in one read), still allows; the others withdrawn and
    recorded blocked or deferred — a case disputed, paid or told to cease since."""
    templates = versions.gate_templates_of(db, messages)
    return [message for message, _ in _still_allowed(db, messages, templates)]


def _still_allowed(
    db: Session,
    messages: Sequence[OutboxMessage],
    templates: Mapping[int, compliance.Template | str],
) -> list[tuple[OutboxMessage, compliance.Recheck]]:
    """The gate asked again about each message's own attempt (left out of the history
    it checks); a refusal withdraws the attempt and settles the message."""
    answers = compliance.recheck_many(
        db,
        {m.attempt_entry_id: templates[m.id] for m in messages if m.attempt_entry_id is not None},
        within=VALIDITY_HORIZON,
    )
    allowed = []
    for message in messages:
        assert message.attempt_entry_id is not None
        again = answers[message.attempt_entry_id]
        if not again.decision.allowed:
            _withdraw(db, message, again.decision)
            continue
        allowed.append((message, again))
    return allowed


def _senders(db: Session) -> Callable[[int], senders.Sender]:
    """Each client's sender, read once per job."""
    known: dict[int, senders.Sender] = {}

    def sender_of(client_id: int) -> senders.Sender:
        if client_id not in known:
            known[client_id] = senders.sender_of(db, client_id)
        return known[client_id]

    return sender_of


def _ask_gate_anew(
    db: Session, message: OutboxMessage, template: compliance.Template | str
) -> bool:
    """A deferred message's time has come: a new attempt through the gate (the old one
    was withdrawn).  False when the gate still says no (recorded)."""
    result = _gate(db, message, template, actor_id=None, source=compliance.Source.RETRY)
    if result.allowed:
        message.status = MessageStatus.PENDING
        return True
    _settle_refusal(db, message, result.decision)
    return False


def _gate(
    db: Session,
    message: OutboxMessage,
    template: compliance.Template | str,
    *,
    actor_id: int | None,
    source: compliance.Source,
) -> compliance.GateResult:
    """Ask the gate about sending ``message`` now (every text counts as sent by machine);
    the message keeps the attempt the gate wrote."""
    result = compliance.gate(
        db,
        consumer_id=message.consumer_id,
        channel=GATE_CHANNEL[message.channel.value],
        contact_point_id=message.contact_point_id,
        case_ids=[message.case_id],
        actor_id=actor_id,
        source=source,
        automated=_automated(message.channel),
        template=template,
    )
    message.attempt_entry_id = result.entry.id
    return result


def _withdraw(db: Session, message: OutboxMessage, decision: compliance.Decision) -> None:
    assert message.attempt_entry_id is not None
    compliance.withdraw(
        db,
        attempt_id=message.attempt_entry_id,
        blocked_by=decision.blocked_by,
        next_allowed_at=decision.next_allowed_at,
        source=compliance.Source.RETRY,
    )
    _settle_refusal(db, message, decision)


def _settle_refusal(db: Session, message: OutboxMessage, decision: compliance.Decision) -> None:
    """Blocked for good, or deferred to when the gate next allows it."""
    now = clock.now()
    message.blocked_by = list(decision.blocked_by)
    if decision.next_allowed_at is not None:
        message.status = MessageStatus.DEFERRED
        message.next_try_at = decision.next_allowed_at
    else:
        message.status = MessageStatus.BLOCKED
        message.next_try_at = None
    message.status_at = now
    _event(db, message, message.status, detail=_blocked_detail(decision))


def record_results(db: Session, results: Mapping[int, Sent | ProviderError]) -> list[OutboxMessage]:
    """What the provider said of each message (by id), the rows read once: ``Sent``
    keeps its id (so its callbacks find the message); a ``ProviderError`` that may pass
    is tried again after a growing wait (the attempt stands: the gate is asked again
    then); else, or after the last try, the message ``failed`` with the reason, and the
    attempt's outcome "failed" in the ledger.  Messages no longer ``sending`` are left."""
    messages = [
        m for m in repo.messages_for_update(db, list(results)) if m.status is MessageStatus.SENDING
    ]
    for message in messages:
        result = results[message.id]
        if isinstance(result, Sent):
            _sent(db, message, result)
        else:
            _failed(db, message, result)
    return messages


def record_sent(db: Session, message_id: int, sent: Sent) -> OutboxMessage | None:
    recorded = record_results(db, {message_id: sent})
    return recorded[0] if recorded else repo.message(db, message_id)


def _sent(db: Session, message: OutboxMessage, sent: Sent) -> None:
    message.provider_id = sent.provider_id
    message.provider_status = sent.provider_status
    message.status = MessageStatus.SENT
    message.status_at = message.sent_at = clock.now()
    message.error = None
    _event(db, message, MessageStatus.SENT, provider_status=sent.provider_status)
    if validation_sent.is_validation_notice(message):
        validation_sent.record(db, message)


def _failed(db: Session, message: OutboxMessage, error: ProviderError) -> None:
    """A passing error: tried again after a growing wait, at most ``outbox_max_tries``
    times.  "Too many requests" is no fault of the message: it gives its try back and
    waits as long as the provider asked (else the growing wait, by its rate limits), its
    pool number resting as long (the pool's other numbers go on); only after
    ``RATE_LIMITS_PER_TRY`` times the tries allowed is it failed."""
    now = clock.now()
    message.error = str(error)[:500]
    message.status_at = now
    max_tries = get_settings().outbox_max_tries
    if error.rate_limited and message.rate_limits < max_tries * RATE_LIMITS_PER_TRY:
        message.tries -= 1
        message.rate_limits += 1
        wait = _growing_wait(message.rate_limits)
        if error.retry_after is not None:
            wait = timedelta(seconds=error.retry_after)
        if message.from_address and message.channel is MessageChannel.SMS:
            pacing.rest(db, message.from_address, until=now + wait, now=now)
        _retry_after(db, message, wait, rate_limited=True)
        return
    if error.transient and not error.rate_limited and message.tries < max_tries:
        _retry_after(db, message, _growing_wait(message.tries), rate_limited=False)
        return
    message.status = MessageStatus.FAILED
    _event(db, message, MessageStatus.FAILED, detail={"error": message.error})
    _ledger_outcome(db, message, MessageStatus.FAILED)


def _growing_wait(count: int) -> timedelta:
    """1, 2, 4 … minutes for the ``count``-th wait, at most an hour."""
    return min(FIRST_WAIT * (1 << min(max(count - 1, 0), 10)), LONGEST_WAIT)


def _retry_after(
    db: Session, message: OutboxMessage, wait: timedelta, *, rate_limited: bool
) -> None:
    message.status = MessageStatus.PENDING
    message.next_try_at = message.status_at + wait
    detail: dict[str, Any] = {"error": message.error}
    if rate_limited:
        detail["rate_limited"] = True
    _event(db, message, MessageStatus.PENDING, detail=detail)


def reconcile(db: Session, message_id: int, found: Sent | None) -> OutboxMessage | None:
    """A message left ``sending``: the provider had it (``found``: now ``sent``), or did
    not (back to ``pending``, due now: sending it again sends it once)."""
    if found is not None:
        return record_sent(db, message_id, found)
    message = repo.message_for_update(db, message_id)
    if message is None or message.status is not MessageStatus.SENDING:
        return message
    message.status = MessageStatus.PENDING
    message.status_at = clock.now()
    message.next_try_at = None
    _event(db, message, MessageStatus.PENDING, detail={"reconciled": "not at the provider"})
    _send_soon(db, message)
    return message


class NoSuchMessage(LookupError):
    """No message has that id."""


class NotReturnable(ValueError):
    """A letter that has not gone out yet cannot have come back."""


def record_bounce(db: Session, *, message_id: str, reason: str) -> OutboxMessage:
    """An e-mail came back (``message_id``: its Message-ID, with or without ``<>``): the
    message is undelivered, the attempt's outcome "failed" in the ledger, and the address
    marked "do not use" with the reason, so nothing is sent to it again."""
    key = message_id.strip().removeprefix("<").removesuffix(">")
    message = repo.message_by_key(db, key)
    if message is None or message.channel is not MessageChannel.EMAIL:
        raise NoSuchMessage(f"no e-mail has the Message-ID <{key[:120]}>")
    reason = " ".join(reason.split())[:200] or "bounced"
    _came_back(
        db,
        message,
        why={"bounce": reason},
        error=f"bounced: {reason}",
        note=f"e-mail bounced: {reason}",
        actor_id=None,
        source=compliance.Source.SYSTEM,
    )
    return message


def record_returned(
    db: Session,
    *,
    message_id: int,
    reason: str,
    actor_id: int | None,
    source: compliance.Source,
) -> OutboxMessage:
    """A letter came back in the post (returned mail): as a bounce, the letter is
    undelivered, the attempt's outcome "failed" and the postal address "do not use" with
    the reason.  A letter not yet printed is refused (``NotReturnable``)."""
    message = repo.message_for_update(db, message_id)
    if message is None or message.channel is not MessageChannel.LETTER:
        raise NoSuchMessage(f"no letter has the id {message_id}")
    if message.sent_at is None:
        raise NotReturnable(f"letter {message_id} has not been printed yet")
    reason = " ".join(reason.split())[:200] or "returned"
    _came_back(
        db,
        message,
        why={"returned": reason},
        error=f"returned: {reason}",
        note=f"letter returned: {reason}",
        actor_id=actor_id,
        source=source,
    )
    return message


def _came_back(
    db: Session,
    message: OutboxMessage,
    *,
    why: dict[str, str],
    error: str,
    note: str,
    actor_id: int | None,
    source: compliance.Source,
) -> None:
    """A message that came back (a bounce, returned mail): undelivered (a final status
    stays), its attempt's outcome "failed", and its address "do not use" (``note``)."""
    if message.status not in FINAL:
        message.status = MessageStatus.UNDELIVERED
        message.status_at = clock.now()
        message.error = error
        _event(db, message, MessageStatus.UNDELIVERED, detail=why)
        _ledger_outcome(db, message, MessageStatus.UNDELIVERED)
    compliance.record_fact(
        db,
        consumer_id=message.consumer_id,
        kind=compliance.FactKind.DO_NOT_USE,
        actor_id=actor_id,
        source=source,
        contact_point_id=message.contact_point_id,
        detail={"note": note},
    )


# Twilio's message statuses, as ours.  "read" (WhatsApp, RCS) is delivered.
PROVIDER_STATUS: dict[str, MessageStatus] = {
    "accepted": MessageStatus.SENT,
    "scheduled": MessageStatus.SENT,
    "queued": MessageStatus.SENT,
    "sending": MessageStatus.SENT,
    "sent": MessageStatus.SENT,
    "delivered": MessageStatus.DELIVERED,
    "read": MessageStatus.DELIVERED,
    "undelivered": MessageStatus.UNDELIVERED,
    "failed": MessageStatus.FAILED,
    "canceled": MessageStatus.FAILED,
}


def apply_status(
    db: Session,
    *,
    provider: str,
    provider_id: str,
    provider_status: str,
    detail: dict[str, Any] | None = None,
) -> OutboxMessage | None:
    """A provider's news about a message.  Only forward: a late "sent" never overwrites
    "delivered", and a final status stays.  None when no message has that id."""
    message = repo.message_by_provider_id(db, provider, provider_id)
    status = PROVIDER_STATUS.get(provider_status)
    if message is None or status is None:
        return message
    if message.status in FINAL or RANK[status] <= RANK[message.status]:
        return message
    message.status = status
    message.provider_status = provider_status
    message.status_at = clock.now()
    _event(db, message, status, provider_status=provider_status, detail=detail or {})
    if status in _LEDGER_OUTCOME:
        _ledger_outcome(db, message, status)
    return message


def _ledger_outcome(db: Session, message: OutboxMessage, status: MessageStatus) -> None:
    if message.attempt_entry_id is None:
        return
    compliance.record_outcome(
        db,
        attempt_id=message.attempt_entry_id,
        outcome=_LEDGER_OUTCOME[status],
        actor_id=None,
        source=compliance.Source.SYSTEM,
        detail={"message": message.id, "provider_status": message.provider_status},
    )


def take_due(db: Session, *, limit: int) -> list[int]:
    """The messages due to be sent (a first try left to the sweep, a retry's wait or a
    deferral over, a job lost), at most ``limit``, each noted as having its job queued
    now: the caller queues their jobs in this transaction."""
    now = clock.now()
    ids = repo.due_ids(db, now, job_lost_before=now - JOB_LOST_AFTER, limit=limit)
    repo.note_jobs(db, ids, now)
    return ids


def stuck_messages(db: Session, *, limit: int = 500) -> list[OutboxMessage]:
    """The messages left ``sending`` long enough to be looked up at their provider (not
    a letter waiting for its print batch: it is sent when the batch is made)."""
    return repo.stuck(db, clock.now() - STUCK_AFTER, limit=limit, not_of=providers.WAITING)


def message(db: Session, message_id: int) -> OutboxMessage | None:
    return repo.message(db, message_id)


def _event(
    db: Session,
    message: OutboxMessage,
    status: MessageStatus,
    *,
    provider_status: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    db.add(
        OutboxEvent(
            message_id=message.id,
            at=clock.now(),
            status=status,
            provider_status=provider_status,
            detail=detail or {},
        )
    )


def _blocked_detail(decision: compliance.Decision) -> dict[str, Any]:
    if decision.allowed:
        return {}
    detail: dict[str, Any] = {"blocked_by": list(decision.blocked_by)}
    if decision.next_allowed_at is not None:
        detail["next_allowed_at"] = decision.next_allowed_at.isoformat()
    return detail
