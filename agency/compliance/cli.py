"""``agency compliance ...``: the rule engine from the command line (no database).

    agency compliance evaluate SCENARIO.json
    agency compliance verify-ledger

``evaluate`` prints the decision as JSON (exit 0); a file that cannot be read, is
larger than 10 MB, is not JSON (or JSON beyond ``kit.json_input``'s bounds: numbers,
nesting, NUL and lone surrogates) or is not a valid scenario exits 2 with a one-line
reason on standard error; it needs no database.  ``verify-ledger`` recomputes the
ledger's hash chains.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from agency.compliance.engine import evaluate
from agency.compliance.scenario import ScenarioError, decision_to_json, load_scenario
from agency.kit.json_input import JsonInputError, load_json

# A scenario is one attempt and its history: a few kilobytes; the largest real histories
# are well under a megabyte.
MAX_SCENARIO_BYTES = 10 * 2**20

app = typer.Typer(
    help="Contact compliance: what-if questions to the rule engine; ledger checks.",
    no_args_is_help=True,
)


def _usage_error(message: str) -> None:
    typer.echo(f"agency: {message}", err=True)
    raise typer.Exit(2)


@app.command("evaluate")
def evaluate_command(
    scenario: Path = typer.Argument(..., help="a scenario JSON file (see compliance-rules.md)"),
) -> None:
    """Evaluate one scenario and print the decision as JSON."""
    try:
        with scenario.open("rb") as stream:
            raw = stream.read(MAX_SCENARIO_BYTES + 1)
    except OSError as exc:
        _usage_error(f"{scenario}: cannot read: {exc.strerror or exc}")
        return
    if len(raw) > MAX_SCENARIO_BYTES:
        _usage_error(f"{scenario}: larger than {MAX_SCENARIO_BYTES // 2**20} MB")
        return
    try:
        data = load_json(raw)
    except JsonInputError as exc:
        _usage_error(f"{scenario}: {exc}")
        return
    try:
        facts = load_scenario(data)
    except ScenarioError as exc:
        _usage_error(f"{scenario}: {exc}")
        return
    typer.echo(json.dumps(decision_to_json(evaluate(facts))))


@app.command("verify-ledger")
def verify_ledger_command() -> None:
    """Recompute every chain of the contact ledger and name the first bad entry.

    Exit 0 when intact, 1 when not (the result is recorded for the workspace either way).
    """
    from agency.compliance import service  # the database part: only this command needs it
    from agency.db import session_scope

    with session_scope() as db:
        run = service.verify_ledger(db)
        ok, message = run.ok, run.message
    typer.echo(f"ledger {'intact' if ok else 'NOT intact'}: {message}")
    if not ok:
        raise typer.Exit(1)
