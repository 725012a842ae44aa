"""What the statements', remittances' and trust account's operations refuse."""

from __future__ import annotations


class StatementRefused(ValueError):
    """Nothing changed: ``field`` names what, ``message`` says why, in words."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
