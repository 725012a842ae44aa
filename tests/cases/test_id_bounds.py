"""Ids in forms and filters are within the 64-bit keys: a larger number is a field error,
not a 500 when SQLite cannot bind it (or PostgreSQL a DataError)."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from agency.cases.schemas import (
    AgentProfileForm,
    CaseFilters,
    RebalanceForm,
    RuleForm,
)
from agency.kit.forms import FormError, parse

BEYOND = str(2**63)


@pytest.mark.parametrize(
    ("schema", "values", "field"),
    [
        (RuleForm, {"name": "r", "strategy": "least_count", "client_id": BEYOND}, "client_id"),
        (RuleForm, {"name": "r", "strategy": "least_count", "team_id": BEYOND}, "team_id"),
        (AgentProfileForm, {"team_id": BEYOND}, "team_id"),
        (RebalanceForm, {"from_agent_id": BEYOND, "reason": "holiday"}, "from_agent_id"),
        (CaseFilters, {"client_id": BEYOND}, "client_id"),
    ],
)
def test_an_id_beyond_64_bits_is_a_field_error(
    schema: type[BaseModel], values: dict[str, str], field: str
) -> None:
    with pytest.raises(FormError) as refused:
        parse(schema, values)
    assert field in refused.value.errors


def test_lists_of_ids_are_bounded_too() -> None:
    with pytest.raises(ValidationError):
        RuleForm.model_validate({"name": "r", "strategy": "least_count", "agent_ids": [2**63]})
    assert RuleForm.model_validate(
        {"name": "r", "strategy": "least_count", "agent_ids": [2**63 - 1]}
    ).agent_ids == [2**63 - 1]
