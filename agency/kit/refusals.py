"""The one shape of a refusal every domain raises for bad input: ``field`` names what
(a form field, or a path such as ``credits[2].routing``), ``message`` says why, in
words.  Each domain names its own subclass (``PaymentError``, ``StatementRefused`` …)
so callers catch what they expect.  No imports: the pure modules use it too."""

from __future__ import annotations


class FieldRefused(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
