"""A statement's PDF and CSV as a streamed response body.  The body is read after the
request's session has closed, so it reads the lines through a session of its own, a
chunk at a time; the PDF is written to a spooled temporary file (memory up to 8 MiB,
then disk) and sent from it."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from agency.commission.statements.csv_file import csv_chunks
from agency.commission.statements.lines import printed_lines
from agency.commission.statements.pdf_file import write_pdf
from agency.commission.statements.summary import Summary

SPOOL_BYTES = 8 * 1024 * 1024
READ_BYTES = 256 * 1024


def csv_body(engine: Engine, statement_id: int, summary: Summary) -> Iterator[bytes]:
    with Session(engine) as db:
        for text in csv_chunks(summary, printed_lines(db, statement_id, summary.currency)):
            yield text.encode("utf-8")


def pdf_body(engine: Engine, statement_id: int, summary: Summary) -> Iterator[bytes]:
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        with Session(engine) as db:
            write_pdf(spool, summary, printed_lines(db, statement_id, summary.currency))  # type: ignore[arg-type]
        spool.seek(0)
        while chunk := spool.read(READ_BYTES):
            yield chunk
