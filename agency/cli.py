"""The ``agency`` command: serve, worker, migrate, demo, create-user; the referrals,
compliance and cases domains mount their own subcommands (``<domain>/cli.py``)."""

from __future__ import annotations

import getpass
import logging.config
import sys

import typer

from agency.cases import cli as cases_cli
from agency.commission import cli as commission_cli
from agency.compliance import cli as compliance_cli
from agency.config import VAR, get_settings
from agency.kit import logs
from agency.kit.cli import fail, require_migrated
from agency.outreach import cli as outreach_cli
from agency.payments import cli as payments_cli
from agency.referrals import cli as referrals_cli
from agency.reporting import cli as reporting_cli

# Each command imports what it uses: `agency compliance evaluate` (no database) must not
# pay for Alembic, SQLAlchemy and the web app at start (bench/cli_start.py).

app = typer.Typer(help="agency: the back office of a collection agency.", no_args_is_help=True)


@app.command()
def migrate() -> None:
    """Bring the database schema up to date (creates the SQLite file if needed)."""
    from agency.db import alembic_config, pending_migrations

    if not pending_migrations():
        typer.echo("database is up to date")
        return
    from alembic import command

    command.upgrade(alembic_config(), "head")
    typer.echo("database migrated to the newest schema")


@app.command()
def demo() -> None:
    """Load the demo clients, users, ~2,000 cases, templates and outbox messages (does
    nothing if already loaded)."""
    from agency import demo as demo_data
    from agency.db import session_scope

    require_migrated()
    with session_scope() as db:
        loaded = demo_data.load(db)
    if loaded:
        demo_data.send_outbox()
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
        fail("--reload restarts one process; leave out --workers")
    require_migrated()
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
        fail("set AGENCY_BROKER_URL to a real broker; without one jobs run inside `serve`")
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
            fail("the passwords differ")
    with session_scope() as db:
        client_id = ""
        if client:
            found = clients_service.get_client_by_code(db, code=client)
            if found is None:
                fail(f"no client with code {client!r}")
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
            fail(str(exc))
        typer.echo(f"created {user.role.value} {user.email} (id {user.id})")


app.add_typer(referrals_cli.app, name="referrals")
app.add_typer(compliance_cli.app, name="compliance")
app.add_typer(cases_cli.app, name="cases")
app.add_typer(outreach_cli.app, name="outreach")
app.add_typer(payments_cli.app, name="payments")
app.add_typer(commission_cli.app, name="commission")
app.add_typer(reporting_cli.app, name="reporting")


def main() -> None:
    logging.config.dictConfig(logs.config(get_settings().log_level))
    app()


if __name__ == "__main__":
    main()
