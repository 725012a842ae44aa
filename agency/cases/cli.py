"""``agency cases ...``: reviews of the cases domain from the command line.

    agency cases suspicious-links

``suspicious-links`` lists the consumers whose cases were placed under names that
disagree (intake's matching rule, ``cases.matching``): wrong links that matching on a
phone or e-mail alone made before issue 13, for staff to review.  One line per
consumer: its id, then each case's client code, reference and name as placed, nothing
more.  Exit 0 when there is none, 1 when some are listed.
"""

from __future__ import annotations

import typer

app = typer.Typer(help="Consumers and cases: reviews.", no_args_is_help=True)


@app.command("suspicious-links")
def suspicious_links() -> None:
    """List the consumers whose cases carry the names of different people."""
    from agency.cases import pairs
    from agency.clients import service as clients_service
    from agency.db import session_scope

    with session_scope() as db:
        codes = {client.id: client.code for client in clients_service.all_clients(db)}
        lines = [
            f"consumer {link.consumer_id}: "
            + "; ".join(
                f"{codes.get(client_id, client_id)} {reference} ({name})"
                for client_id, reference, name in link.cases
            )
            for link in pairs.suspicious_links(db)
        ]
    for line in lines:
        typer.echo(line)
    typer.echo(f"{len(lines)} consumer{'s' if len(lines) != 1 else ''} to review")
    if lines:
        raise typer.Exit(1)
