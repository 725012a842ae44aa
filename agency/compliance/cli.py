"""``agency compliance ...``: the rule engine from the command line (no database), and
the ledger's integrity.

    agency compliance evaluate SCENARIO.json [MORE.json ...]
    agency compliance verify-ledger
    agency compliance acknowledge-alarm ID --by OFFICER-EMAIL --reason "..."

``evaluate`` prints each file's decision as one line of JSON, in the order given (exit
0); a file that cannot be read, is larger than 10 MB, is not JSON (or JSON beyond
``kit.json_input``'s bounds: numbers, nesting, NUL and lone surrogates) or is not a
valid scenario exits 2 with a one-line reason on standard error (the files before it
have their lines; none after it is read).  It needs no database and imports only the
engine, so it starts in a fraction of a second (bench/cli_start.py).  ``verify-ledger``
verifies the ledger's chains against the newest checkpoint and exits 1 while any alarm
is unacknowledged; ``acknowledge-alarm`` sets an alarm aside in a compliance officer's
name.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import NoReturn

import typer

from agency.compliance.engine import evaluate
from agency.compliance.facts import Facts
from agency.compliance.scenario import (
    MAX_SCENARIO_BYTES,
    ScenarioError,
    decision_to_json,
    load_scenario,
)
from agency.kit.json_input import JsonInputError, load_json

# A scenario is one attempt and its history: a few kilobytes; the largest real histories
# are well under a megabyte.

app = typer.Typer(
    help="Contact compliance: what-if questions to the rule engine; ledger checks.",
    no_args_is_help=True,
)


def _usage_error(message: str) -> NoReturn:
    typer.echo(f"agency: {message}", err=True)
    raise typer.Exit(2)


@app.command("evaluate")
def evaluate_command(
    scenarios: list[Path] = typer.Argument(
        ..., help="scenario JSON files (see compliance-rules.md)"
    ),
) -> None:
    """Evaluate scenarios and print each decision as one line of JSON, in order."""
    for scenario in scenarios:
        typer.echo(json.dumps(decision_to_json(evaluate(_scenario_facts(scenario)))))


def _scenario_facts(scenario: Path) -> Facts:
    """The facts of one scenario file, or exit 2 naming the file and what is wrong."""
    try:
        with scenario.open("rb") as stream:
            raw = stream.read(MAX_SCENARIO_BYTES + 1)
    except OSError as exc:
        _usage_error(f"{scenario}: cannot read: {exc.strerror or exc}")
    if len(raw) > MAX_SCENARIO_BYTES:
        _usage_error(f"{scenario}: larger than {MAX_SCENARIO_BYTES // 2**20} MB")
    try:
        return load_scenario(load_json(raw))
    except (JsonInputError, ScenarioError) as exc:
        _usage_error(f"{scenario}: {exc}")


@app.command("verify-ledger")
def verify_ledger_command() -> None:
    """Verify every chain of the contact ledger against the newest checkpoint.

    Exit 0 when intact, 1 when not or while any alarm is unacknowledged (the run is
    recorded for the workspace, and a checkpoint written, either way).
    """
    from agency.compliance import alarms, integrity  # the database part: only these need it
    from agency.db import session_scope

    with session_scope() as db:
        run = integrity.verify_ledger(db)
        raised = [
            f"alarm {alarm.id}, raised {alarm.raised_at:%Y-%m-%d %H:%M:%S} UTC, "
            f"not acknowledged: {alarm.message}"
            for alarm in alarms.load_alarms(db).unacknowledged
        ]
        ok, message, checkpoint = run.ok, run.message, run.checkpoint
    typer.echo(f"ledger {'intact' if ok else 'NOT intact'}: {message}")
    for line in raised:
        typer.echo(line)
    typer.echo(f"checkpoint written: {checkpoint}")
    if not ok:
        typer.echo(
            'acknowledge with: agency compliance acknowledge-alarm ID --by EMAIL --reason "..."'
        )
        raise typer.Exit(1)


@app.command("acknowledge-alarm")
def acknowledge_alarm_command(
    alarm_id: int = typer.Argument(..., help="the alarm's number (verify-ledger names it)"),
    by: str = typer.Option(..., "--by", help="the e-mail of the compliance officer"),
    reason: str = typer.Option(..., "--reason", help="why the alarm can be set aside"),
) -> None:
    """Acknowledge a ledger alarm with a reason; a fresh checkpoint records the state."""
    from agency.auth import service as auth_service
    from agency.auth.models import Role
    from agency.compliance import alarms
    from agency.compliance.errors import ComplianceError
    from agency.db import session_scope
    from agency.kit.errors import NotFound

    with session_scope() as db:
        officer = auth_service.user_with_email(db, email=by)
        if officer is None or officer.role is not Role.COMPLIANCE or not officer.is_active:
            _usage_error(f"--by: {by} is not an active compliance officer")
            return
        try:
            ack = alarms.acknowledge_alarm(
                db, alarm_id=alarm_id, officer_id=officer.id, reason=reason
            )
        except NotFound:
            _usage_error(f"alarm: there is no alarm {alarm_id}")
            return
        except ComplianceError as exc:
            _usage_error(str(exc))
            return
        checkpoint = ack.checkpoint
    typer.echo(f"alarm {alarm_id} acknowledged; checkpoint written: {checkpoint}")
