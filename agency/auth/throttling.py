"""Login throttling: the limits on recent failed sign-ins, and how long a pause lasts.

Three limits, each a sliding window over ``login_failures``:

- one account from one address: ``login_max_failures`` (5) in
  ``login_failure_window_minutes`` (15) pauses that pair only, so nobody elsewhere can
  lock the real user out with a few tries;
- one account from every address: ``login_max_failures_per_account`` (50) in
  ``login_account_window_minutes`` (60), the slower global cap on a guesser spread over
  many addresses;
- one address, any account: ``login_max_failures_per_ip`` (50) in the short window
  (password spraying).

The sign-in writes its attempt first and counts it with the failures before it, under
the locks of ``repository.lock_sign_in``, so attempts made at the same moment are
counted one after another and never more passwords are checked than the limits allow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from agency.auth import repository
from agency.config import get_settings


@dataclass(frozen=True, slots=True)
class Limit:
    """At most ``most`` failures in ``window``, of one account and/or from one address."""

    most: int
    window: timedelta
    account_key: str | None = None
    client_ip: str | None = None


def limits(*, account_key: str, client_ip: str) -> list[Limit]:
    settings = get_settings()
    short = timedelta(minutes=settings.login_failure_window_minutes)
    return [
        Limit(settings.login_max_failures, short, account_key=account_key, client_ip=client_ip),
        Limit(
            settings.login_max_failures_per_account,
            timedelta(minutes=settings.login_account_window_minutes),
            account_key=account_key,
        ),
        Limit(settings.login_max_failures_per_ip, short, client_ip=client_ip),
    ]


def longest_window() -> timedelta:
    """How long a failure can matter: older ones are purged."""
    settings = get_settings()
    minutes = max(settings.login_failure_window_minutes, settings.login_account_window_minutes)
    return timedelta(minutes=minutes)


def pause(db: Session, *, account_key: str, client_ip: str, now: datetime) -> int | None:
    """Seconds until an attempt of this account from this address may be checked, or None
    when it may be checked now.  The attempt itself is already written, and counted."""
    longest: int | None = None
    for limit in limits(account_key=account_key, client_ip=client_ip):
        since = now - limit.window
        who = {"account_key": limit.account_key, "client_ip": limit.client_ip}
        counted = repository.count_failures(db, since, **who)
        if counted <= limit.most:
            continue
        # Allowed again once enough of the oldest have left the window that fewer than
        # ``most`` remain before this attempt.
        expiring = repository.nth_oldest_failure(db, since, counted - limit.most, **who)
        ends = (expiring or now) + limit.window
        seconds = max(1, math.ceil((ends - now).total_seconds()))
        longest = max(longest or 0, seconds)
    return longest
