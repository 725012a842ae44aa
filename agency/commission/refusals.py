"""What the statements', remittances' and trust account's operations refuse."""

from __future__ import annotations

from agency.kit.refusals import FieldRefused


class StatementRefused(FieldRefused):
    """Nothing changed: ``field`` names what, ``message`` says why, in words."""
