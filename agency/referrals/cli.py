"""``agency referrals ...``: referral intake from the command line.

    agency referrals import PATH --client CODE [--layout NAME] [--dry-run] [--json]

``import`` places the accounts of a file in this process (the same placement, batches
and accounting as an upload, ``referrals.runner``) and prints every rejected row with its
reasons; ``--dry-run`` does everything inside a transaction it rolls back.  Exit 0 when
the file was read (even with rejected rows), 1 when it could not be read or is beyond the
limits of a referral file, 2 for a usage error (unknown client or layout).
"""

from __future__ import annotations

from pathlib import Path

import typer

from agency.kit.cli import fail, require_migrated

# Each command imports what it uses: the ``agency`` command must start fast
# (bench/cli_start.py).

app = typer.Typer(help="Referral intake: place accounts from files.", no_args_is_help=True)


@app.command("import")
def import_command(
    path: Path = typer.Argument(..., help="a CSV or XLSX referral file"),
    client: str = typer.Option(..., help="the client's code"),
    layout: str = typer.Option(None, help="the client's saved layout to read the file with"),
    dry_run: bool = typer.Option(False, "--dry-run", help="check everything, write nothing"),
    as_json: bool = typer.Option(False, "--json", help="print the result as JSON"),
) -> None:
    """Place the accounts of a file: every row is accepted or rejected with its reasons.

    Exit status: 0 when the file was read (even with rejected rows), 1 when it could not
    be read at all or is beyond the limits of a referral file (docs/referrals.md), 2 for a
    usage error (unknown client or layout).
    """
    import json

    from agency.clients import service as clients_service
    from agency.db import get_sessionmaker, session_scope
    from agency.referrals import file_placements, outcomes, repository
    from agency.referrals.errors import IntakeError, Unreadable
    from agency.referrals.models import PlacementSource
    from agency.referrals.tasks import run_placement

    require_migrated()
    if not path.is_file():
        fail(f"{path}: no such file")
    db = get_sessionmaker()()
    try:
        found = clients_service.get_client_by_code(db, code=client)
        if found is None:
            fail(f"no client with code {client!r}", code=2)
        chosen = None
        if layout:
            chosen = repository.layout(db, found.id, name=layout)
            if chosen is None:
                fail(f"{found.code} has no layout named {layout!r}", code=2)
        if dry_run:
            outcome = outcomes.dry_run(db, client=found, path=path, layout=chosen)
            db.rollback()
        else:
            db.rollback()  # hold no transaction open while the placement runs
            with session_scope() as scope:
                placement, created = file_placements.open_file_placement(
                    scope,
                    client=found,
                    path=path,
                    file_name=path.name,
                    source=PlacementSource.CLI,
                    layout=chosen,
                    user_id=None,
                )
                if created:
                    file_placements.mark_queued_here(scope, placement=placement)
                placement_id = placement.id
            if created:
                run_placement(placement_id)
            with session_scope() as scope:
                placement_row = repository.placement(scope, placement_id)
                assert placement_row is not None
                outcome = outcomes.outcome_of(scope, placement_row)
                failure = placement_row.failure
            if outcome.status == "failed":  # refused once read through (the limits)
                fail(f"{path.name}: {failure}")
    except Unreadable as exc:
        fail(f"{path.name}: {exc}")
    except IntakeError as exc:
        fail(str(exc))
    except typer.Exit:  # a usage error or a refused file, already said
        raise
    except Exception as exc:  # a fault, not the file: say so in one line, log no data
        fail(
            f"the placement stopped on an internal error ({type(exc).__name__}); whole "
            "batches already placed stay, and the worker resumes the rest"
        )
    finally:
        db.close()
    if as_json:
        typer.echo(json.dumps(outcome.as_json()))
        return
    typer.echo(
        f"{'dry run: ' if outcome.dry_run else ''}{outcome.accepted} accepted, "
        f"{outcome.rejected} rejected, {outcome.replaced} re-placements updated"
        + (f" (placement {outcome.placement_id}, {outcome.status})" if outcome.placement_id else "")
    )
    detail = (
        outcome.file_format
        if outcome.file_format != "csv"
        else (f"csv, {outcome.encoding}, {outcome.as_json()['delimiter']}-separated")
    )
    typer.echo(f"read as {detail}")
    for error in outcome.errors:
        column = f", {error.column}" if error.column else ""
        typer.echo(f"  row {error.row}{column}: {error.message}")
    if outcome.pairs:
        typer.echo("possible same person (staff confirm or keep apart on the placement's page):")
    for reference, other, shared in outcome.pairs:
        typer.echo(
            f"  {reference} shares {'an e-mail' if shared == 'email' else 'a phone'} with {other}"
        )
