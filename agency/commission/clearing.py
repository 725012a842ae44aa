"""Cleared funds: money we took is remitted to the client only once it has cleared,
its method's clearing days after it was received, counted in business days of the
bank's country (weekends and public holidays skipped).  Uncleared money waits for the
next statement.  Direct payments never pass through us, so they have nothing to clear."""

from __future__ import annotations

from datetime import date

from agency.kit.business_days import add_business_days

# The contract's defaults (commission-scenarios issue): card 2 business days, ACH 5;
# cheque, cash and bank transfer as ACH, the slowest of what we take.
DEFAULT_CLEARING_DAYS = {"card": 2, "ach": 5, "cheque": 5, "cash": 0, "bank_transfer": 5}


def clears_on(
    received_on: date, clearing_days: int, country: str, region: str | None = None
) -> date:
    """The day money received on ``received_on`` has cleared: ``clearing_days``
    business days later (the day itself for 0)."""
    return add_business_days(received_on, clearing_days, country, region)


def remittable(received_on: date, clearing_days: int, statement_end: date, country: str) -> bool:
    """Whether the money has cleared by the statement's last day."""
    return clears_on(received_on, clearing_days, country) <= statement_end
