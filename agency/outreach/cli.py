"""``agency outreach ...``: outreach from the command line.

    agency outreach validation-notice DESCRIPTION.json --out notice.pdf
    agency outreach bounce MESSAGE-ID --reason "550 mailbox unavailable"
    agency outreach returned-mail MESSAGE-ID --reason "moved, left no address"

``validation-notice`` renders the Reg F validation notice (Model Form B-1) described in
``shared/validation-notice.md``, writes the PDF to ``--out`` and prints one line of JSON:
``{"validation_end": "YYYY-MM-DD", "total_due": "987.00", "pages": 1}`` (``total_due``
a plain decimal in the currency's digits).  A file that cannot be read, is larger than
64 KB, is not JSON or is not a valid description exits 2 with one line on standard error
naming the path; so does an ``--out`` that cannot be written.  It needs no database, and
the parser and ReportLab are imported only when the command runs, so ``agency`` starts
as fast as before.

``bounce`` records that an e-mail came back (from a bounce mailbox's parser, or by hand):
the message is undelivered and its address is not used again.  An unknown Message-ID
exits 2.  ``returned-mail`` records the same of a letter that came back in the post (by
the outbox id the print manifest lists as ``message_id``); an unknown id, or a letter not
yet printed, exits 2.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from agency.kit.cli import fail

app = typer.Typer(help="Outreach: the messages that leave agency.", no_args_is_help=True)


@app.command("validation-notice")
def validation_notice_command(
    description: Path = typer.Argument(
        ..., help="the notice's JSON description (shared/validation-notice.md)"
    ),
    out: Path = typer.Option(..., "--out", help="where to write the PDF"),
) -> None:
    """Render the Reg F validation notice to a PDF and print its figures as JSON."""
    # Imported here, not above: `agency` (every other command) does not pay for them.
    from agency.kit.money import Money
    from agency.outreach.notice_input import MAX_NOTICE_BYTES, NoticeInputError, read_notice

    try:
        with description.open("rb") as stream:
            raw = stream.read(MAX_NOTICE_BYTES + 1)
    except OSError as exc:
        fail(f"{description}: cannot read: {exc.strerror or exc}", code=2)
    try:
        desc = read_notice(raw)
    except NoticeInputError as exc:
        fail(f"{description}: {exc}", code=2)

    from agency.outreach.notice import render_notice  # ReportLab: only once the input is good

    notice = render_notice(desc)
    _write(out, notice.pdf)
    total = Money(notice.total_due_minor, desc.debt.currency).major
    typer.echo(
        json.dumps(
            {
                "validation_end": notice.validation_end.isoformat(),
                "total_due": format(total, "f"),
                "pages": notice.pages,
            }
        )
    )


def _write(out: Path, pdf: bytes) -> None:
    """Write ``pdf`` to ``out`` whole or not at all: into a file beside it, then renamed
    over it, so a failed write never leaves half a notice."""
    temporary = out.with_name(f".{out.name}.tmp")
    try:
        temporary.write_bytes(pdf)
        temporary.replace(out)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        fail(f"--out: cannot write {out}: {exc.strerror or exc}", code=2)


@app.command("bounce")
def bounce_command(
    message_id: str = typer.Argument(..., help="the bounced e-mail's Message-ID"),
    reason: str = typer.Option(..., "--reason", help="why it bounced (the server's words)"),
) -> None:
    """Record a bounced e-mail: undelivered, and its address marked "do not use"."""
    from agency.db import session_scope
    from agency.kit.cli import require_migrated
    from agency.outreach.outbox import NoSuchMessage, record_bounce

    require_migrated()
    try:
        with session_scope() as db:
            message = record_bounce(db, message_id=message_id, reason=reason)
            typer.echo(f"message {message.id}: {message.status.value}; address set to do not use")
    except NoSuchMessage as exc:
        fail(str(exc), code=2)


@app.command("returned-mail")
def returned_mail_command(
    message_id: int = typer.Argument(
        ..., min=1, max=2**63 - 1, help="the letter's id (the manifest's message_id)"
    ),
    reason: str = typer.Option(..., "--reason", help="why it came back (the post's words)"),
) -> None:
    """Record a letter returned by the post: undelivered, its address "do not use"."""
    from agency.compliance.models import Source
    from agency.db import session_scope
    from agency.kit.cli import require_migrated
    from agency.outreach.outbox import NoSuchMessage, NotReturnable, record_returned

    require_migrated()
    try:
        with session_scope() as db:
            message = record_returned(
                db, message_id=message_id, reason=reason, actor_id=None, source=Source.SYSTEM
            )
            typer.echo(f"letter {message.id}: {message.status.value}; address set to do not use")
    except (NoSuchMessage, NotReturnable) as exc:
        fail(str(exc), code=2)
