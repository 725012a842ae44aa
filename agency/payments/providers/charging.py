"""Taking a payment by card or US bank account: ``start_payment`` checks it, keeps a
PaymentAttempt under the caller's idempotency key (the form's token: two clicks, or a
retried post, are one charge), asks the configured provider, and writes its answer.

The sandbox answers at once: a success is posted there and then (provider ``sandbox``,
its intent id as the reference), and the "disputed later" card queues the dispute job.
Stripe's intent waits for the payer to confirm it in Stripe.js and for the webhook
(``webhooks``) to say it succeeded.  If the provider cannot be reached, the attempt is
kept failed with the reason; the same key tried again sends the very same request (the
same Idempotency-Key, the same metadata), which Stripe answers with the same intent.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agency.config import get_settings
from agency.kit.money import Money, max_minor
from agency.payments.models import AttemptStatus, PaymentAttempt, PaymentMethod
from agency.payments.providers import configured, sandbox, settle
from agency.payments.providers.base import (
    CHARGED,
    IntentRequest,
    IntentResult,
    IntentStatus,
    ProviderUnavailable,
)
from agency.payments.repository import providers as repo
from agency.payments.schemas import PaymentError
from agency.worker import enqueue

log = logging.getLogger("agency.payments.providers")
DISPUTE_TASK = "agency.payments.providers.tasks.sandbox_dispute"
UNSENT = "unsent_"  # an attempt's intent id until the provider answers
KEY_MAX = 64


@dataclass(frozen=True, slots=True)
class AttemptResult:
    """What became of the attempt: ``status`` is the provider's answer (a Stripe intent
    still waiting for the payer is ``requires_action`` with its ``client_secret``);
    ``payment_id`` once posted; ``failure`` in words the payer may read."""

    attempt_id: int
    case_id: int
    intent_id: str
    provider: str
    amount: Money
    method: PaymentMethod
    status: IntentStatus
    client_secret: str | None = None
    failure: str | None = None
    failure_code: str | None = None
    payment_id: int | None = None
    repeated: bool = False  # the idempotency key's attempt was already made


def new_key() -> str:
    """A fresh idempotency key (a form's token)."""
    return secrets.token_hex(16)


def start_payment(
    db: Session,
    *,
    case_id: int,
    amount_minor: int,
    method: PaymentMethod | str,
    installment_id: int | None,
    by_consumer: bool,
    by_user_id: int | None,
    test_card: str | None = None,
    idempotency_key: str | None = None,
) -> AttemptResult:
    """Charge ``amount_minor`` (the case's currency) by ``method`` (card or ach) through
    the configured provider.  PaymentError (nothing written) for an amount not positive
    or above the open balance, a closed or unknown case, an unknown method, a test card
    that is not the sandbox's, or a key already used for another payment."""
    charged = _method(method)
    key = _key(idempotency_key)
    case = repo.case_to_charge(db, case_id)
    if case is None:
        raise PaymentError("case", "no such case")
    if not case.status.is_open:
        raise PaymentError("case", f"the case is {case.status.value}: no payment can be taken")
    if amount_minor <= 0:
        raise PaymentError("amount", "must be more than zero")
    if amount_minor > min(case.balance_minor, max_minor(case.currency)):
        shown = Money(case.balance_minor, case.currency)
        raise PaymentError("amount", f"is more than the open balance ({shown})")
    provider = configured.provider()
    if provider.name == sandbox.NAME and sandbox.instrument(test_card, charged) is None:
        field = "test_card" if charged is PaymentMethod.CARD else "test_account"
        raise PaymentError(field, "choose one of the sandbox's test numbers")
    attempt, new = _attempt(
        db,
        PaymentAttempt(
            case_id=case_id,
            installment_id=installment_id,
            provider=provider.name,
            intent_id=UNSENT + key,
            idempotency_key=key,
            amount_minor=amount_minor,
            currency=case.currency,
            method=charged,
            status=AttemptStatus.PROCESSING,
            by_consumer=by_consumer,
            created_by_id=by_user_id,
        ),
    )
    if not new and not _ask_again(attempt):
        return _result(attempt, repeated=True)
    request = IntentRequest(
        amount_minor=amount_minor,
        currency=case.currency,
        method=charged,
        idempotency_key=key,
        metadata={"case_id": str(case_id), "attempt_id": str(attempt.id)},
        test_instrument=test_card,
    )
    try:
        answer = provider.create_intent(request)
    except ProviderUnavailable as exc:
        settle.failed(attempt, str(exc))
        db.flush()
        return _result(attempt, repeated=not new)
    _apply(db, attempt, answer)
    db.flush()
    return _result(attempt, repeated=not new, client_secret=answer.client_secret)


def _method(method: PaymentMethod | str) -> PaymentMethod:
    try:
        found = PaymentMethod(method)
    except ValueError:
        found = None
    if found not in CHARGED:
        raise PaymentError("method", "must be card or ach (a US bank account)")
    assert found is not None
    return found


def _key(idempotency_key: str | None) -> str:
    key = idempotency_key or new_key()
    if len(key) > KEY_MAX or not key.isascii() or not key.isprintable():
        raise PaymentError("idempotency_key", f"must be 1-{KEY_MAX} printable characters")
    return key


def _attempt(db: Session, wanted: PaymentAttempt) -> tuple[PaymentAttempt, bool]:
    """The attempt of ``wanted``'s key and whether it is new: the one already made (for
    the same payment, else PaymentError), or ``wanted`` added.  Two posts of one key at
    once: the second's insert fails on the unique key inside its savepoint (on
    PostgreSQL, once the first has committed) and it answers with the first's attempt."""
    earlier = repo.attempt_by_key(db, wanted.idempotency_key)
    if earlier is None:
        try:
            with db.begin_nested():
                db.add(wanted)
        except IntegrityError:
            earlier = repo.attempt_by_key(db, wanted.idempotency_key)
            if earlier is None:
                raise
        else:
            return wanted, True
    asked = (wanted.case_id, wanted.amount_minor, wanted.method, wanted.provider)
    if (earlier.case_id, earlier.amount_minor, earlier.method, earlier.provider) != asked:
        raise PaymentError("idempotency_key", "was used for another payment: reload the form")
    return earlier, False


def _ask_again(attempt: PaymentAttempt) -> bool:
    """Whether the provider is asked again for an attempt already made: it never
    answered, or it is a Stripe intent still waiting for the payer (the same create
    again is answered with the same intent and its client secret)."""
    if attempt.intent_id.startswith(UNSENT):
        return True
    return attempt.status is AttemptStatus.PROCESSING and attempt.provider != sandbox.NAME


def _apply(db: Session, attempt: PaymentAttempt, answer: IntentResult) -> None:
    """Write the provider's answer; a sandbox success is posted now."""
    if answer.intent_id:
        attempt.intent_id = answer.intent_id
    if answer.status is IntentStatus.FAILED:
        settle.failed(attempt, answer.failure or "The payment failed.", answer.failure_code)
        return
    attempt.status, attempt.failure, attempt.failure_code = AttemptStatus.PROCESSING, None, None
    if answer.status is IntentStatus.SUCCEEDED and attempt.provider == sandbox.NAME:
        db.flush()
        settle.post_attempt(db, attempt)
        if answer.disputed_later:
            countdown = get_settings().sandbox_dispute_after_seconds
            enqueue(db, DISPUTE_TASK, attempt.id, countdown=countdown)


def _result(
    attempt: PaymentAttempt, *, repeated: bool = False, client_secret: str | None = None
) -> AttemptResult:
    status = {
        AttemptStatus.SUCCEEDED: IntentStatus.SUCCEEDED,
        AttemptStatus.FAILED: IntentStatus.FAILED,
    }.get(attempt.status)
    if status is None:
        waiting = attempt.provider != sandbox.NAME and client_secret is not None
        status = IntentStatus.REQUIRES_ACTION if waiting else IntentStatus.PROCESSING
    return AttemptResult(
        attempt_id=attempt.id,
        case_id=attempt.case_id,
        intent_id=attempt.intent_id,
        provider=attempt.provider,
        amount=Money(attempt.amount_minor, attempt.currency),
        method=attempt.method,
        status=status,
        client_secret=client_secret,
        failure=attempt.failure,
        failure_code=attempt.failure_code,
        payment_id=attempt.payment_id,
        repeated=repeated,
    )
