"""``agency cases suspicious-links``: the consumers whose cases carry the names of
different people (wrong links phone-only matching made), listed for review."""

from __future__ import annotations

from sqlalchemy import Engine
from typer.testing import CliRunner

from agency.cli import app
from agency.db import session_scope
from tests.fixtures.factories import ClientFactory, ConsumerFactory, bind, case_for


def test_consumers_with_cases_of_different_people_are_listed(bound_engine: Engine) -> None:
    with session_scope() as db:
        bind(db)
        acme, bravo = ClientFactory(code="ACME"), ClientFactory(code="BRAVO")
        wrong = ConsumerFactory(first_name="Jane", last_name="Doe")
        case_for(acme, consumer=wrong, client_reference="A1")
        case_for(acme, consumer=wrong, client_reference="A2", first_name="John", last_name="Smith")
        case_for(bravo, consumer=wrong, client_reference="B1", first_name="J.", last_name="doe")
        right = ConsumerFactory(first_name="José", last_name="Núñez")
        case_for(acme, consumer=right, client_reference="A3")
        case_for(acme, consumer=right, client_reference="A4", first_name="J", last_name="NUNEZ")
        wrong_id = wrong.id

    result = CliRunner().invoke(app, ["cases", "suspicious-links"])

    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines() == [
        f"consumer {wrong_id}: ACME A1 (Jane Doe); ACME A2 (John Smith); BRAVO B1 (J. doe)",
        "1 consumer to review",
    ]


def test_none_to_review_exits_0(bound_engine: Engine) -> None:
    with session_scope() as db:
        bind(db)
        case_for(ClientFactory(code="ACME"), client_reference="A1")

    result = CliRunner().invoke(app, ["cases", "suspicious-links"])

    assert (result.exit_code, result.stdout) == (0, "0 consumers to review\n")
