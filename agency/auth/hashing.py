"""How many password hashes a server process computes at once.

An argon2 hash costs about 64 MiB and a core for tens of milliseconds, by design. A
burst of sign-ins (forty at once, or an attacker's) would otherwise take every core and
gigabytes of memory, and every thread of the pool, while other users' pages wait.  So a
route that hashes first takes a slot: at most ``AGENCY_PASSWORD_HASH_CONCURRENCY`` per
process.  The wait for a slot happens on the event loop, holding no thread; a request
that cannot get one within ``WAIT_SECONDS`` is answered 503 with ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends

from agency.config import get_settings

WAIT_SECONDS = 30.0
_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


class HashingBusy(Exception):
    """No hashing slot came free in time (503)."""


def _semaphore() -> asyncio.Semaphore:
    """This event loop's slots (one loop per server process; tests run several)."""
    loop = asyncio.get_running_loop()
    if loop not in _slots:
        _slots[loop] = asyncio.Semaphore(get_settings().password_hash_concurrency)
    return _slots[loop]


async def _slot() -> AsyncIterator[None]:
    semaphore = _semaphore()
    try:
        await asyncio.wait_for(semaphore.acquire(), timeout=WAIT_SECONDS)
    except TimeoutError:
        raise HashingBusy from None
    try:
        yield
    finally:
        semaphore.release()


# scope="function": the slot is given back when the endpoint returns, not after the
# response has been sent.
HashingSlot = Annotated[None, Depends(_slot, scope="function")]
