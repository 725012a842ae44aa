"""``agency reporting ...``: the partner reports' aggregates from the command line.

    agency reporting refresh [--full]

``refresh`` rebuilds the vintages that changed since the last run (every vintage on the
first run, or with ``--full``) and prints how many, as the minute's job does."""

from __future__ import annotations

import typer

app = typer.Typer(help="Reporting: the partner reports' aggregates.", no_args_is_help=True)


@app.command("refresh")
def refresh_command(
    full: bool = typer.Option(False, "--full", help="rebuild every vintage from the base tables"),
) -> None:
    """Bring the reports' figures up to date."""
    from agency.db import session_scope
    from agency.reporting import refresh

    with session_scope() as db:
        run = refresh.rebuild_all(db) if full else refresh.refresh(db)
        if run is None:
            typer.echo("another refresh is running; nothing done", err=True)
            raise typer.Exit(1)
        kind = "every vintage" if run.full else "the vintages that changed"
        typer.echo(f"rebuilt {run.vintages} vintage(s) ({kind})")
