"""The events a client may subscribe an endpoint to, with what each means."""

from __future__ import annotations

EVENTS: dict[str, str] = {
    "placement.completed": "a placement (file or API push) finished: its counts",
    "account.acknowledged": "an account was accepted and a case opened for it",
    "account.first_contact": "we reached the consumer for the first time",
    "arrangement.made": "a promise, plan or settlement was agreed",
    "arrangement.broken": "an arrangement was broken",
    "payment.posted": "a payment was posted (to us or reported as paid to you)",
    "payment.reversed": "a payment was reversed (NSF, chargeback, error)",
    "dispute.received": "the consumer disputed the debt",
    "account.recalled": "you recalled an account",
    "account.closed": "an account was closed and returned, with the reason",
    "returns.ready": "a day's return file is ready (its accounts closed or recalled that day)",
}
TEST_EVENT = "test"  # "send test event": to one endpoint, whatever it subscribes to
