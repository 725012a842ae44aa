"""``agency commission ...``: contingency commission from the command line.

    agency commission evaluate FILE.json
    agency commission check

``evaluate`` computes one scenario of ``commission-scenarios.md`` without a database:
one commission entry per payment and reversal and the period's statement, printed as
one JSON object (exit 0).  A file that cannot be read or is not a valid scenario prints
one line on standard error naming the path of what is wrong
(``contract.tiers[1].rate: must be a percentage from 0 to 100 …``) and exits 2.  The
rules are imported only when the command runs, so ``agency`` itself starts quickly.

``check`` checks the statements' invariant against the ledger (as the nightly job does):
each breach on its own line, exit 1 when there is one, 0 when all hold.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from agency.kit.cli import read_scenario_file, refuse, require_migrated

app = typer.Typer(
    help="Commission: fee schedules evaluated from scenario files; statements checked.",
    no_args_is_help=True,
)


@app.command("evaluate")
def evaluate_command(
    scenario: Path = typer.Argument(..., help="a scenario JSON file (commission-scenarios.md)"),
) -> None:
    """Rate each payment and reversal and print the entries and the statement as JSON."""
    from agency.commission.scenario import MAX_SCENARIO_BYTES, read_document, run_scenario
    from agency.kit.json_input import JsonInputError

    raw = read_scenario_file(scenario, MAX_SCENARIO_BYTES)
    try:
        output = run_scenario(read_document(raw))
    except JsonInputError as exc:
        refuse(exc.path or str(scenario), exc.reason)
    typer.echo(json.dumps(output))


@app.command("check")
def check_command() -> None:
    """Check every current statement against the ledger; exit 1 on any breach."""
    from agency.commission.statements.invariants import check
    from agency.db import session_scope

    require_migrated()
    with session_scope() as db:
        breaches = check(db)
    for breach in breaches:
        where = (
            f"statement {breach.statement}" if breach.statement else f"client {breach.client_id}"
        )
        typer.echo(f"{where}: {breach.what}")
    if breaches:
        raise typer.Exit(1)
    typer.echo("every statement holds: remitted, commission and invoiced agree with the ledger")
