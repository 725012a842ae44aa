"""Cleared funds: money we took is remitted to the client only once it has cleared,
its method's clearing days after it was received, counted in business days of the
bank's country (weekends and public holidays skipped).  Uncleared money waits for the
next statement.  Direct payments never pass through us, so they have nothing to clear."""

from __future__ import annotations

from datetime import date

from agency.config import get_settings
from agency.kit.business_days import add_business_days

# The contract's defaults (commission-scenarios issue): card 2 business days, ACH 5;
# cheque, cash and bank transfer as ACH, the slowest of what we take.
CLEARING_DAYS_MAX = 30
DEFAULT_CLEARING_DAYS = {"card": 2, "ach": 5, "cheque": 5, "cash": 0, "bank_transfer": 5}


def clears_on(
    received_on: date, clearing_days: int, country: str, region: str | None = None
) -> date:
    """The day money received on ``received_on`` has cleared: ``clearing_days``
    business days later (the day itself for 0)."""
    return add_business_days(received_on, clearing_days, country, region)


def clearing_days(method: str, card_days: int, ach_days: int) -> int:
    """A method's clearing days under a contract's two settings: card's for cards,
    cash none, ACH's for the rest (ACH, cheque, bank transfer: the slowest we take)."""
    if method == "card":
        return card_days
    if method in ("cash", "direct"):
        return 0
    return ach_days


def payment_clears_on(received_on: date, method: str, card_days: int, ach_days: int) -> date:
    """The day a payment received on ``received_on`` clears, in the trust bank's
    business days (``AGENCY_TRUST_BANK_COUNTRY``)."""
    days = clearing_days(method, card_days, ach_days)
    return clears_on(received_on, days, get_settings().trust_bank_country)


def remittable(received_on: date, clearing_days: int, statement_end: date, country: str) -> bool:
    """Whether the money has cleared by the statement's last day."""
    return clears_on(received_on, clearing_days, country) <= statement_end
