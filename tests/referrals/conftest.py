"""Fixtures of the referral tests: a client with a contract, and a way to import a file
through the real command line."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from agency.cases.models import Case, CaseStatus, StatusChange
from agency.cli import app
from agency.db import session_scope
from tests.fixtures.factories import ClientFactory, ContractFactory, bind

Place = Callable[..., tuple[int, dict[str, Any]]]


def status_moves(db: Session) -> list[tuple[str, CaseStatus, str]]:
    """Every recorded status change, oldest first: (case reference, new status, reason)."""
    moves = db.execute(
        select(Case.client_reference, StatusChange.to_status, StatusChange.reason)
        .join(Case, Case.id == StatusChange.case_id)
        .order_by(StatusChange.id)
    ).all()
    return [(reference, to, reason) for reference, to, reason in moves]


@pytest.fixture
def acme(bound_engine: Engine) -> str:
    with session_scope() as db:
        bind(db)
        client = ClientFactory(code="ACME", name="Acme Media", legal_name="Acme Media Inc.")
        ContractFactory(client=client, currency="USD", effective_from=date(2020, 1, 1))
    return "ACME"


@pytest.fixture
def place(acme: str, tmp_path: Path) -> Iterator[Callable[..., tuple[int, dict[str, Any]]]]:
    runner = CliRunner()

    def run(
        content: bytes | str, name: str = "accounts.csv", *extra: str
    ) -> tuple[int, dict[str, Any]]:
        path = tmp_path / name
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        result = runner.invoke(
            app, ["referrals", "import", str(path), "--client", acme, "--json", *extra]
        )
        if result.exit_code != 0:
            return result.exit_code, {"message": (result.stderr or result.output).strip()}
        return 0, json.loads(result.stdout)

    yield run
