"""``agency payments ...``: payment arrangements from the command line.

    agency payments schedule FILE.json

``schedule`` computes one scenario of ``payment-schedules.md`` without a database and
prints the schedule as one JSON object (exit 0).  A file that cannot be read or is not a
valid scenario prints one line on standard error naming the path of what is wrong
(``offer.count: must be a whole number from 1 to 120``) and exits 2.  The schedule code
(and with it SQLAlchemy's enums and the holiday tables) is imported only when the
command runs, so ``agency`` itself starts quickly.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from agency.kit.cli import read_scenario_file, refuse

app = typer.Typer(help="Payments: arrangements computed from scenario files.", no_args_is_help=True)


@app.command("schedule")
def schedule_command(
    scenario: Path = typer.Argument(..., help="a scenario JSON file (payment-schedules.md)"),
) -> None:
    """Compute a promise, plan or settlement and print its schedule as JSON."""
    from agency.kit.json_input import JsonInputError
    from agency.payments.schedule.scenario import MAX_SCENARIO_BYTES, read_document, run_scenario
    from agency.payments.schemas import PaymentError

    raw = read_scenario_file(scenario, MAX_SCENARIO_BYTES)
    try:
        output = run_scenario(read_document(raw))
    except JsonInputError as exc:
        refuse(exc.path or str(scenario), exc.reason)
    except PaymentError as exc:
        refuse(exc.field or str(scenario), exc.message)
    typer.echo(json.dumps(output))
