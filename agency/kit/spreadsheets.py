"""Cells for CSV files people open in a spreadsheet."""

from __future__ import annotations

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def excel_safe(cell: str) -> str:
    """Neutralize a cell Excel would run as a formula (OWASP: prefix with a quote)."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell
