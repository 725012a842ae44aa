"""The sandbox's "disputed later" card (4000 0000 0000 0259): its payment succeeds and is
posted; once committed, a job with a countdown (``AGENCY_SANDBOX_DISPUTE_AFTER_SECONDS``)
delivers the dispute through the handler of Stripe's webhook, and the payment is
reversed as a chargeback — in process, and through a real broker and worker."""

from __future__ import annotations

import os
import threading

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from sqlalchemy import Engine, select

import agency.worker
from agency.cases.models import Case
from agency.config import get_settings
from agency.db import session_scope
from agency.payments.models import Payment, Reversal, ReversalKind
from agency.payments.providers import charging, sandbox
from agency.payments.providers.base import IntentStatus
from agency.payments.providers.tasks import sandbox_dispute
from agency.worker import drain, make_celery
from tests.fixtures import factories


def committed_case() -> int:
    with session_scope() as db:
        factories.bind(db)
        case = factories.CaseFactory()
        db.flush()
        return case.id


def pay_with(case_id: int, card: str) -> charging.AttemptResult:
    with session_scope() as db:
        return charging.start_payment(
            db,
            case_id=case_id,
            amount_minor=4_000,
            method="card",
            installment_id=None,
            by_consumer=True,
            by_user_id=None,
            test_card=card,
            idempotency_key=charging.new_key(),
        )


def reversals() -> list[tuple[int, ReversalKind, str | None, str]]:
    with session_scope() as db:
        return [
            (r.payment_id, r.kind, r.provider_reference, r.reason)
            for r in db.scalars(select(Reversal))
        ]


def balance(case_id: int) -> int:
    with session_scope() as db:
        case = db.get(Case, case_id)
        assert case is not None
        return case.balance.minor


def test_the_later_dispute_reverses_the_payment_as_a_chargeback(
    bound_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "sandbox_dispute_after_seconds", 0)
    case_id = committed_case()
    paid = pay_with(case_id, "4000000000000259")
    assert paid.status is IntentStatus.SUCCEEDED and paid.payment_id is not None
    drain()
    suffix = paid.intent_id.removeprefix(sandbox.INTENT_PREFIX)
    assert reversals() == [
        (
            paid.payment_id,
            ReversalKind.CHARGEBACK,
            f"dp_sandbox_{suffix}",
            "Card dispute (fraudulent)",
        )
    ]
    assert balance(case_id) == 10_500
    # The job again (a redelivery): the payment is reversed once.
    assert sandbox_dispute.apply(args=(paid.attempt_id,)).get() == "ignored"
    assert len(reversals()) == 1


def test_a_card_that_is_not_disputed_queues_no_dispute(
    bound_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "sandbox_dispute_after_seconds", 0)
    case_id = committed_case()
    paid = pay_with(case_id, "4242424242424242")
    drain()
    assert paid.status is IntentStatus.SUCCEEDED
    assert reversals() == []
    assert balance(case_id) == 10_500 - 4_000


def test_a_payment_rolled_back_sends_no_dispute(
    bound_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "sandbox_dispute_after_seconds", 0)
    case_id = committed_case()
    with pytest.raises(RuntimeError), session_scope() as db:
        charging.start_payment(
            db,
            case_id=case_id,
            amount_minor=4_000,
            method="card",
            installment_id=None,
            by_consumer=True,
            by_user_id=None,
            test_card="4000000000000259",
        )
        raise RuntimeError("the request failed after the payment")
    drain()
    with session_scope() as db:
        assert list(db.scalars(select(Payment))) == []
    assert reversals() == []


@pytest.mark.skipif(
    not os.environ.get("AGENCY_TEST_BROKER_URL"),
    reason="needs AGENCY_TEST_BROKER_URL (Redis); CI sets it",
)
def test_through_a_real_broker_the_dispute_arrives_after_its_countdown(
    bound_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "broker_url", os.environ["AGENCY_TEST_BROKER_URL"])
    monkeypatch.setattr(get_settings(), "sandbox_dispute_after_seconds", 1)
    app = make_celery()
    app.loader.import_default_modules()
    done = threading.Event()
    seen: list[str] = []

    def signal(sender: object = None, retval: object = None, **_: object) -> None:
        if getattr(sender, "name", "") == charging.DISPUTE_TASK:
            seen.append(str(retval))
            done.set()

    task_postrun.connect(signal, weak=False)
    monkeypatch.setattr(agency.worker, "celery_app", app)
    assert not app.conf.task_always_eager
    case_id = committed_case()
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            paid = pay_with(case_id, "4000000000000259")
            assert done.wait(timeout=30), "the worker never ran the dispute"
    finally:
        task_postrun.disconnect(signal)
    assert seen == ["reversed"]
    assert [r[:2] for r in reversals()] == [(paid.payment_id, ReversalKind.CHARGEBACK)]
