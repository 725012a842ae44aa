"""An identifier shown by its last four characters only (a consumer's account reference
on a statement, a client's bank account on a screen)."""

from __future__ import annotations

SHOWN = 4


def last_four(value: str, mark: str = "****") -> str:
    """``ACME-0001234`` is ``****1234``; four characters or fewer show none of them."""
    return mark + (value[-SHOWN:] if len(value) > SHOWN else "")
