"""The rows of a ledger search (each entry with its consumer, cases, masked contact
point, who acted and the rules that blocked it) and the same search as CSV, streamed
page by page in a session of its own."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from agency.compliance import repository
from agency.compliance.masking import mask_contact
from agency.compliance.models import LedgerEntry
from agency.compliance.names import RuleText, rule_texts, user_names, who
from agency.kit.spreadsheets import excel_safe

if TYPE_CHECKING:
    from agency.cases.models import Consumer

CSV_BATCH = 1_000
CSV_COLUMNS = (
    "id",
    "at",
    "recorded_at",
    "kind",
    "source",
    "consumer_id",
    "consumer_name",
    "case_ids",
    "case_references",
    "channel",
    "direction",
    "contact_point_id",
    "contact_point",
    "actor_id",
    "actor",
    "allowed",
    "blocked_by",
    "next_allowed_at",
    "rule_set",
    "policy_version",
    "timezones",
    "automated",
    "template",
    "attempt_id",
    "outcome",
    "fact_id",
    "detail",
    "prev_hash",
    "hash",
)


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """One entry of the search, with what the table shows beside it."""

    entry: LedgerEntry
    consumer: Consumer | None
    cases: list[tuple[int, str]]
    point: str
    actor: str
    rules: tuple[RuleText, ...]


def ledger_rows(db: Session, entries: Sequence[LedgerEntry]) -> list[LedgerRow]:
    """The entries with what the search shows beside each, in a few queries."""
    ids = [e.id for e in entries]
    cases = repository.cases_of_entries(db, ids)
    consumers = repository.consumers_by_id(
        db, sorted({e.consumer_id for e in entries if e.consumer_id is not None})
    )
    points = repository.contact_points_by_id(
        db, sorted({e.contact_point_id for e in entries if e.contact_point_id is not None})
    )
    names = user_names(db, [e.actor_id for e in entries])
    rows = []
    for entry in entries:
        point = points.get(entry.contact_point_id) if entry.contact_point_id else None
        rows.append(
            LedgerRow(
                entry=entry,
                consumer=consumers.get(entry.consumer_id) if entry.consumer_id else None,
                cases=cases.get(entry.id, []),
                point=mask_contact(point.channel.value, point.value) if point else "",
                actor=who(names, entry.actor_id, entry.source),
                rules=rule_texts(entry.blocked_by),
            )
        )
    return rows


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    if hasattr(value, "value"):
        return str(value.value)
    return str(value)


def _csv_record(row: LedgerRow) -> list[str]:
    entry = row.entry
    record = {
        **{f: getattr(entry, f) for f in CSV_COLUMNS if hasattr(entry, f)},
        "consumer_name": row.consumer.display_name if row.consumer else "",
        "case_references": [reference for _, reference in row.cases],
        "contact_point": row.point,
        "actor": row.actor,
    }
    return [excel_safe(_csv_cell(record.get(name))) for name in CSV_COLUMNS]


def ledger_csv_lines(bind: Engine | Connection, filters: repository.LedgerFilter) -> Iterator[str]:
    """The search as CSV lines, page by page over the keyset (never all rows at once).

    Runs in its own read-only session on ``bind``: the request's session has committed
    and closed by the time a streamed body is read.  Cells are neutralized for
    spreadsheets the way the referral rejected-rows file is.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(cells: Sequence[str]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(cells)
        return buffer.getvalue()

    yield "\ufeff" + line(CSV_COLUMNS)
    with Session(bind=bind, expire_on_commit=False) as db:
        before: int | None = None
        while True:
            entries, before = repository.page_of(db, filters, before_id=before, size=CSV_BATCH)
            for row in ledger_rows(db, entries):
                yield line(_csv_record(row))
            db.expunge_all()
            if before is None:
                return
