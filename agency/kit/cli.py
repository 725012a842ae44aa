"""What the ``agency`` command's parts share: the one-line error a command ends with, and
the refusal to run on a database that is not migrated."""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import typer


def fail(message: str, *, code: int = 1) -> NoReturn:
    """Say ``agency: message`` in red on standard error and exit with ``code``."""
    typer.secho(f"agency: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def require_migrated() -> None:
    """Stop (exit 1) when the database is behind the newest migration."""
    from agency.db import pending_migrations

    if pending_migrations():
        fail("the database is not migrated; run `agency migrate` first")


def refuse(path: str, message: str) -> NoReturn:
    """One line on standard error naming the path of a scenario's bad value, and exit 2
    (the scenario commands' contract: other tools read that line)."""
    typer.echo(f"{path}: {message}", err=True)
    raise typer.Exit(2)


def read_scenario_file(path: Path, max_bytes: int) -> bytes:
    """A scenario file's bytes, at most one more than ``max_bytes`` (the reader refuses
    a larger one), or the one-line refusal when it cannot be read."""
    try:
        with path.open("rb") as stream:
            return stream.read(max_bytes + 1)
    except OSError as exc:
        refuse(str(path), f"cannot read: {exc.strerror or exc}")
