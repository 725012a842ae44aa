"""kit.forms: a refusal about one field, and a blank control read as no value."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel

from agency.kit.forms import BlankIsNone, FieldRefusal, FormError


class _Dates(BaseModel):
    until: Annotated[date | None, BlankIsNone] = None


def test_a_field_refusal_carries_its_field_its_sentence_and_its_control() -> None:
    refusal = FieldRefusal("date", "cannot be in the past", control="due_date")
    assert isinstance(refusal, FormError)
    assert (refusal.subject, refusal.message) == ("date", "cannot be in the past")
    assert str(refusal) == "date: cannot be in the past"
    assert refusal.errors == {
        "__all__": "Date: cannot be in the past",
        "due_date": "cannot be in the past",
    }
    assert FieldRefusal("case", "taken").errors == {"__all__": "Case: taken"}


def test_blank_is_none() -> None:
    assert _Dates.model_validate({"until": "  "}).until is None
    assert _Dates.model_validate({"until": ""}).until is None
    assert _Dates.model_validate({"until": "2026-01-02"}).until == date(2026, 1, 2)
