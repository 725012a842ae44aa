"""Python enums stored as short strings with a CHECK constraint, on every backend."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Enum


def db_enum(enum: type[StrEnum], name: str) -> Enum:
    """A portable column type for ``enum``: VARCHAR + CHECK, storing the values."""
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(member.value) for member in enum),
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )
