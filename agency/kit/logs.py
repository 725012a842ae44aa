"""Logging with no personal data: one configuration for the CLI, the server (every
uvicorn process) and the Celery worker.

Exception messages quote what failed: PostgreSQL's errors name the row (``Failing row
contains (…)``, a COPY's ``CONTEXT`` line), SQLAlchemy appends the statement's
parameters, Celery repeats the exception in its own message.  So a logged exception
keeps its types and frames (file, line, function, source line: where it failed) but
never its message, and a record that third-party code logs with an exception keeps only
its logger name: its message is built from the same values.  Our own ``agency.*``
messages are written without personal data and are kept.
"""

from __future__ import annotations

import logging
import traceback
from types import TracebackType
from typing import Any

WITHHELD = "(message withheld: it may quote personal data)"


def _exception_types(exc: BaseException | None, tb: TracebackType | None) -> list[str]:
    lines: list[str] = []
    seen: set[int] = set()
    chain: list[tuple[BaseException, TracebackType | None]] = []
    while exc is not None and id(exc) not in seen:  # the chain, innermost cause first
        seen.add(id(exc))
        chain.append((exc, tb))
        nxt = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
        exc, tb = nxt, nxt.__traceback__ if nxt is not None else None
    for index, (item, item_tb) in enumerate(reversed(chain)):
        if index:
            lines.append("\nwhich led to:\n")
        lines.append("Traceback (most recent call last):\n")
        lines.extend(traceback.format_list(traceback.extract_tb(item_tb)))
        kind = type(item)
        lines.append(f"{kind.__module__}.{kind.__qualname__} {WITHHELD}\n")
    return lines


class RedactingFormatter(logging.Formatter):
    """Tracebacks with frames and exception types only (no exception messages)."""

    def formatException(self, ei: Any) -> str:  # noqa: N802 (logging's name)
        _kind, exc, tb = ei
        return "".join(_exception_types(exc, tb)).rstrip("\n")

    def formatStack(self, stack_info: str) -> str:  # noqa: N802 (logging's name)
        return stack_info  # code only, no values


class WithholdForeignMessages(logging.Filter):
    """A record logged with an exception by code that is not ours keeps only its
    logger's name: uvicorn, Starlette, SQLAlchemy and Celery build such messages from
    the exception or the request."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and not record.name.startswith("agency"):
            record.msg = f"an error was logged {WITHHELD}"
            record.args = None
        return True


def config(level: str) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` document: one stderr handler for everything."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"withhold": {"()": WithholdForeignMessages}},
        "formatters": {
            "redacting": {
                "()": RedactingFormatter,
                "format": "%(asctime)s %(levelname)s %(name)s: %(message)s",
            }
        },
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "redacting",
                "filters": ["withhold"],
            }
        },
        "root": {"level": level.upper(), "handlers": ["stderr"]},
        # Everything propagates to the one handler.  SQLAlchemy stays at WARNING: at INFO
        # it would log every statement and its parameters.
        "loggers": {
            "uvicorn": {"level": level.upper()},
            "uvicorn.error": {"level": level.upper()},
            "uvicorn.access": {"level": "WARNING"},
            "celery": {"level": level.upper()},
            "sqlalchemy": {"level": "WARNING"},
            "alembic": {"level": "WARNING"},
        },
    }
