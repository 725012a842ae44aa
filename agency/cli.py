"""The ``agency`` command: serve, worker, migrate, demo, create-user; referrals,
compliance and cases subcommands."""

from __future__ import annotations

import getpass
import logging.config
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from agency.cases import cli as cases_cli
from agency.compliance import cli as compliance_cli
from agency.config import ROOT, VAR, get_settings
from agency.kit import logs

if TYPE_CHECKING:
    from alembic.config import Config

# Each command imports what it uses: `agency compliance evaluate` (no database) must not
# pay for Alembic, SQLAlchemy and the web app at start (bench/cli_start.py).

app = typer.Typer(help="agency: the back office of a collection agency.", no_args_is_help=True)


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["configure_logging"] = False  # keep the CLI's own logging setup
    return config


def pending_migrations() -> bool:
    """True when the database is behind the newest migration."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from agency.db import get_engine

    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    with get_engine().connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    return current != heads


def _fail(message: str) -> None:
    typer.secho(f"agency: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


@app.command()
def migrate() -> None:
    """Bring the database schema up to date (creates the SQLite file if needed)."""
    if not pending_migrations():
        typer.echo("database is up to date")
        return
    from alembic import command

    command.upgrade(alembic_config(), "head")
    typer.echo("database migrated to the newest schema")


@app.command()
def demo() -> None:
    """Load the demo clients, users and ~2,000 cases (does nothing if already loaded)."""
    from agency import demo as demo_data
    from agency.db import session_scope

    if pending_migrations():
        _fail("the database is not migrated; run `agency migrate` first")
    with session_scope() as db:
        loaded = demo_data.load(db)
    typer.echo("demo data loaded" if loaded else "demo data already present: nothing to do")
    typer.echo(f"demo logins (password {demo_data.DEMO_PASSWORD!r}):")
    for email, _name, role, client in demo_data.DEMO_USERS:
        typer.echo(f"  {role.value:<11} {email}" + (f"  ({client})" if client else ""))


@app.command()
def serve(
    host: str = typer.Option(None, help="interface to bind (default AGENCY_HOST)"),
    port: int = typer.Option(None, help="port (default AGENCY_PORT, 8000)"),
    reload: bool = typer.Option(False, help="restart on code changes (development)"),
    workers: int = typer.Option(1, min=1, help="server processes (one per core in production)"),
) -> None:
    """Serve the web application; with in-process jobs, also run the periodic jobs."""
    import uvicorn

    from agency.worker import EmbeddedBeat

    settings = get_settings()
    if reload and workers > 1:
        _fail("--reload restarts one process; leave out --workers")
    if pending_migrations():
        _fail("the database is not migrated; run `agency migrate` first")
    beat = None
    if settings.jobs_in_process:
        beat = EmbeddedBeat()
        beat.start()
    try:
        uvicorn.run(
            "agency.main:serving_app",
            factory=True,
            host=host or settings.host,
            port=port or settings.port,
            reload=reload,
            workers=workers,
            log_level=settings.log_level.lower(),
            log_config=logs.config(settings.log_level),  # in every worker process too
            proxy_headers=True,  # X-Forwarded-For/-Proto, believed from trusted proxies only
            forwarded_allow_ips=settings.trusted_proxies,
            access_log=False,  # ours (agency.access) leaves out query strings
            timeout_graceful_shutdown=settings.shutdown_grace_seconds,
        )
    finally:
        if beat is not None:
            beat.stop()


@app.command()
def worker(
    concurrency: int = typer.Option(2, help="worker processes"),
    beat: bool = typer.Option(True, help="also run the periodic-job scheduler"),
) -> None:
    """Run a Celery worker (needs AGENCY_BROKER_URL, e.g. redis://127.0.0.1:6379/0)."""
    from agency.worker import celery_app

    if get_settings().jobs_in_process:
        _fail("set AGENCY_BROKER_URL to a real broker; without one jobs run inside `serve`")
    argv = ["worker", f"--concurrency={concurrency}", f"--loglevel={get_settings().log_level}"]
    if beat:
        VAR.mkdir(parents=True, exist_ok=True)  # beat keeps its schedule state there
        argv.append("--beat")
    celery_app.worker_main(argv)


@app.command("create-user")
def create_user(
    email: str = typer.Argument(..., help="sign-in e-mail"),
    role: str = typer.Option(..., help="admin, supervisor, agent, compliance or merchant"),
    name: str = typer.Option(..., help="full name"),
    client: str = typer.Option(None, help="client code (merchant users only)"),
    password_stdin: bool = typer.Option(False, help="read the password from standard input"),
) -> None:
    """Create a user; asks for the password (twice) unless --password-stdin."""
    from agency.auth import service as auth_service
    from agency.auth.schemas import NewUserForm
    from agency.clients import service as clients_service
    from agency.db import session_scope
    from agency.kit.forms import FormError, parse

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            _fail("the passwords differ")
    with session_scope() as db:
        client_id = ""
        if client:
            found = clients_service.get_client_by_code(db, code=client)
            if found is None:
                _fail(f"no client with code {client!r}")
                return
            client_id = str(found.id)
        try:
            data = parse(
                NewUserForm,
                {
                    "email": email,
                    "full_name": name,
                    "role": role,
                    "client_id": client_id,
                    "is_active": "true",
                    "password": password,
                },
            )
            user = auth_service.create_user(db, data=data)
        except FormError as exc:
            _fail("; ".join(f"{field}: {message}" for field, message in exc.errors.items()))
            return
        typer.echo(f"created {user.role.value} {user.email} (id {user.id})")


referrals_app = typer.Typer(
    help="Referral intake: place accounts from files.", no_args_is_help=True
)
app.add_typer(referrals_app, name="referrals")
app.add_typer(compliance_cli.app, name="compliance")
app.add_typer(cases_cli.app, name="cases")


@referrals_app.command("import")
def referrals_import(
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
    from agency.referrals import file_placements, outcomes
    from agency.referrals import repository as referrals_repository
    from agency.referrals.errors import IntakeError
    from agency.referrals.models import PlacementSource
    from agency.referrals.reading import Unreadable
    from agency.referrals.tasks import run_placement

    if pending_migrations():
        _fail("the database is not migrated; run `agency migrate` first")
    if not path.is_file():
        _fail(f"{path}: no such file")
    db = get_sessionmaker()()
    try:
        found = clients_service.get_client_by_code(db, code=client)
        if found is None:
            typer.secho(f"agency: no client with code {client!r}", fg=typer.colors.RED, err=True)
            raise typer.Exit(2)
        chosen = None
        if layout:
            chosen = referrals_repository.layout(db, found.id, name=layout)
            if chosen is None:
                typer.secho(
                    f"agency: {found.code} has no layout named {layout!r}",
                    fg=typer.colors.RED,
                    err=True,
                )
                raise typer.Exit(2)
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
                placement_row = referrals_repository.placement(scope, placement_id)
                assert placement_row is not None
                outcome = outcomes.outcome_of(scope, placement_row)
                failure = placement_row.failure
            if outcome.status == "failed":  # refused once read through (the limits)
                _fail(f"{path.name}: {failure}")
                return
    except Unreadable as exc:
        _fail(f"{path.name}: {exc}")
        return
    except IntakeError as exc:
        _fail(str(exc))
        return
    except typer.Exit:  # a usage error or a refused file, already said
        raise
    except Exception as exc:  # a fault, not the file: say so in one line, log no data
        _fail(
            f"the placement stopped on an internal error ({type(exc).__name__}); whole "
            "batches already placed stay, and the worker resumes the rest"
        )
        return
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


def main() -> None:
    logging.config.dictConfig(logs.config(get_settings().log_level))
    app()


if __name__ == "__main__":
    main()
