"""One consumer's evidence bundle as a PDF, and the small pure helpers it shares with the
officers' screens (masking contact values, checking one consumer's chain).

``build_pdf`` takes plain data and touches no database: the view gathers the consumer,
the contact points, the cases, the facts and the timeline, checks the chain with
``chain_status`` over the consumer's ledger entries in id order, and compares it with
the newest checkpoint with ``checkpoint_match``.  Contact values are
masked everywhere in the bundle: it is evidence of what we did, not a contact sheet.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from agency.compliance.chain import Head, link_problem
from agency.compliance.checkpoints import Checkpoint
from agency.compliance.models import LedgerEntry
from agency.compliance.names import RuleText

HASH_PREFIX = 12


# ---- masking ----------------------------------------------------------------------------


# ---- one consumer's chain ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChainLink:
    entry_id: int
    hash_prefix: str
    ok: bool
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class ChainStatus:
    links: tuple[ChainLink, ...]
    first_bad_entry_id: int | None
    message: str

    @property
    def intact(self) -> bool:
        return self.first_bad_entry_id is None


def chain_status(entries: Sequence[LedgerEntry], secrets: Mapping[str, bytes]) -> ChainStatus:
    """Recompute one consumer's chain (``entries`` in id order) under the ledger keys
    ``secrets``: each entry's seal must hold, and each must be the next after the one
    before it.  The chain's first entry points at nothing (retention starts a chain
    anew)."""
    links: list[ChainLink] = []
    first_bad: tuple[int, str] | None = None
    previous: Head | None = None
    for entry in entries:
        problem = link_problem(entry, previous, secrets)
        if problem and first_bad is None:
            first_bad = (entry.id, problem)
        links.append(
            ChainLink(
                entry_id=entry.id,
                hash_prefix=(entry.hash or "")[:HASH_PREFIX],
                ok=problem is None,
                problem=problem,
            )
        )
        previous = Head(seq=entry.seq, hash=entry.hash)
    if first_bad is not None:
        message = f"broken: entry {first_bad[0]} {first_bad[1]}"
    elif links:
        message = f"intact: {len(links)} entries verify"
    else:
        message = "intact: no entries yet"
    return ChainStatus(
        links=tuple(links),
        first_bad_entry_id=None if first_bad is None else first_bad[0],
        message=message,
    )


@dataclass(frozen=True, slots=True)
class CheckpointMatch:
    """The checkpoint a chain was compared with, and whether the chain still holds the
    head it recorded (None: the checkpoint recorded nothing of this chain)."""

    name: str
    taken_at: datetime
    key_id: str
    recorded: Head | None
    matched: bool | None

    @property
    def message(self) -> str:
        where = (
            f"checkpoint {self.name} (taken {_when(self.taken_at)}, signed with key {self.key_id})"
        )
        if self.recorded is None:
            return f"Compared with {where}: it predates this consumer's chain."
        ending = self.recorded.hash[:HASH_PREFIX]
        seen = f"it recorded {self.recorded.seq} entries ending in {ending}"
        if self.matched:
            return f"Compared with {where}: {seen}; the chain still holds them."
        return f"Compared with {where}: {seen}; the chain does NOT hold them."


def checkpoint_match(
    entries: Sequence[LedgerEntry], consumer_id: int, checkpoint: Checkpoint | None
) -> CheckpointMatch | None:
    """How one consumer's chain compares with ``checkpoint`` (None: there is none yet)."""
    if checkpoint is None:
        return None
    recorded = checkpoint.heads.get(consumer_id)
    matched = None
    if recorded is not None:
        matched = any(e.seq == recorded.seq and e.hash == recorded.hash for e in entries)
    return CheckpointMatch(
        name=checkpoint.name,
        taken_at=checkpoint.taken_at,
        key_id=checkpoint.key_id,
        recorded=recorded,
        matched=matched,
    )


# ---- the bundle's data ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PointRow:
    id: int
    channel: str
    kind: str
    masked: str
    flags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CaseRow:
    id: int
    reference: str
    client: str
    status: str


@dataclass(frozen=True, slots=True)
class FactRow:
    id: int
    kind: str
    effective_at: datetime
    recorded_by: str
    source: str
    about: str
    details: str
    in_force: bool


@dataclass(frozen=True, slots=True)
class TimelineRow:
    """One ledger entry, in words; outcomes are listed under their attempt."""

    entry_id: int
    at: datetime
    kind: str
    what: str
    who: str
    source: str
    decision: str  # "allowed", "blocked", or "" for entries that are not decisions
    rules: tuple[RuleText, ...] = ()
    next_allowed_at: datetime | None = None
    rule_set: str | None = None
    outcomes: tuple[TimelineRow, ...] = ()


@dataclass(frozen=True, slots=True)
class EvidenceBundle:
    consumer_id: int
    consumer_name: str
    location: str
    zones: tuple[str, ...]
    generated_at: datetime
    generated_by: str
    rule_set: str
    points: tuple[PointRow, ...]
    cases: tuple[CaseRow, ...]
    facts: tuple[FactRow, ...]
    timeline: tuple[TimelineRow, ...]  # newest first
    chain: ChainStatus
    checkpoint: CheckpointMatch | None = None
    rule_sets_seen: tuple[str, ...] = field(default=())


# ---- the PDF ------------------------------------------------------------------------------


def _when(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M:%S UTC")


class _Styles:
    def __init__(self) -> None:
        base = getSampleStyleSheet()
        self.title = ParagraphStyle("title", parent=base["Title"])
        self.h2 = ParagraphStyle("h2", parent=base["Heading2"])
        self.body = ParagraphStyle("body", parent=base["BodyText"])
        self.small = ParagraphStyle("small", parent=base["BodyText"], fontSize=8, leading=10)
        self.cell = ParagraphStyle("cell", parent=base["BodyText"], fontSize=8, leading=10)
        self.bad = ParagraphStyle("bad", parent=self.body, textColor=colors.HexColor("#b42318"))
        self.ok = ParagraphStyle("ok", parent=self.body, textColor=colors.HexColor("#1e7a46"))


def _words(value: str) -> str:
    """A stored value as a person reads it: ``call_consent`` -> "Call consent"."""
    text = value.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


class _NumberedCanvas(Canvas):
    """Puts "Evidence bundle, consumer 7 · page 2 of 5" at the foot of every page: the
    pages are kept until the last is laid out, so each knows how many there are."""

    def __init__(self, *args: object, footer: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._footer = footer
        self._pages: list[dict[str, object]] = []

    def showPage(self) -> None:  # noqa: N802 (ReportLab's name)
        self._pages.append(dict(self.__dict__))
        self._startPage()  # type: ignore[attr-defined]  # ReportLab's own page reset

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self.setFont("Helvetica", 8)
            self.setFillColor(colors.HexColor("#5b6470"))
            self.drawRightString(
                A4[0] - 14 * mm, 8 * mm, f"{self._footer} · page {number} of {total}"
            )
            super().showPage()
        super().save()


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


_GRID = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#d9dee4")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f4f6f8")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
)


def _table(
    header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float], s: _Styles
) -> Table:
    data = [[_p(h, s.cell) for h in header]]
    data.extend([_p(cell, s.cell) for cell in row] for row in rows)
    table = Table(data, colWidths=list(widths), repeatRows=1)
    table.setStyle(_GRID)
    return table


def _timeline_cells(row: TimelineRow, indent: str = "") -> list[str]:
    decision = row.decision
    if row.rules:
        decision += "\n" + "\n".join(
            f"{rule.id}: {rule.title} ({rule.citation}). {rule.plain}" for rule in row.rules
        )
    if row.next_allowed_at is not None:
        decision += f"\nnext allowed {_when(row.next_allowed_at)}"
    if row.rule_set:
        decision += f"\nrule set {row.rule_set}"
    return [
        f"{indent}{row.entry_id}",
        _when(row.at),
        f"{indent}{_words(row.kind)}",
        row.what,
        f"{row.who} ({row.source.replace('_', ' ')})",
        decision.strip(),
    ]


def _checkpoint_text(match: CheckpointMatch | None) -> str:
    if match is None:
        return "No checkpoint yet: the chain has not been compared with one."
    return match.message


def build_pdf(bundle: EvidenceBundle) -> bytes:
    """The evidence bundle as PDF bytes (A4, ReportLab platypus)."""
    s = _Styles()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=14 * mm,
        rightMargin=14 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=f"Evidence bundle, consumer {bundle.consumer_id}",
        author="agency",
        subject="Contact compliance evidence",
    )
    width = doc.width
    story: list[Flowable] = [
        _p(f"Evidence bundle: consumer {bundle.consumer_id}", s.title),
        _p(f"Generated at {_when(bundle.generated_at)} by {bundle.generated_by}.", s.body),
        _p(
            f"Rule set {bundle.rule_set}"
            + (
                f"; rule sets in this record: {', '.join(bundle.rule_sets_seen)}"
                if bundle.rule_sets_seen
                else ""
            )
            + ".",
            s.body,
        ),
        Spacer(1, 4 * mm),
        _p("Consumer", s.h2),
        _table(
            ["Name", "Location", "Time zones"],
            [[bundle.consumer_name, bundle.location, ", ".join(bundle.zones) or "none known"]],
            [width * 0.3, width * 0.3, width * 0.4],
            s,
        ),
        _p("Contact points (masked)", s.h2),
        _table(
            ["Id", "Channel", "Kind", "Value", "State"],
            [
                [str(p.id), _words(p.channel), _words(p.kind), p.masked, ", ".join(p.flags) or "—"]
                for p in bundle.points
            ]
            or [["—", "", "", "", "no contact points"]],
            [width * 0.08, width * 0.14, width * 0.14, width * 0.2, width * 0.44],
            s,
        ),
        _p("Cases", s.h2),
        _table(
            ["Id", "Reference", "Client", "Status"],
            [[str(c.id), c.reference, c.client, _words(c.status)] for c in bundle.cases]
            or [["—", "", "", "no cases"]],
            [width * 0.1, width * 0.3, width * 0.4, width * 0.2],
            s,
        ),
        _p("Compliance facts", s.h2),
        _table(
            ["Id", "Kind", "Effective", "Recorded by", "About", "Details", "State"],
            [
                [
                    str(f.id),
                    _words(f.kind),
                    _when(f.effective_at),
                    f"{f.recorded_by} ({f.source.replace('_', ' ')})",
                    f.about,
                    f.details,
                    "in force" if f.in_force else "withdrawn",
                ]
                for f in bundle.facts
            ]
            or [["—", "", "", "", "", "no facts recorded", ""]],
            [w * width for w in (0.06, 0.14, 0.16, 0.16, 0.14, 0.22, 0.12)],
            s,
        ),
        _p("Timeline (newest first)", s.h2),
    ]
    rows: list[list[str]] = []
    for row in bundle.timeline:
        rows.append(_timeline_cells(row))
        rows.extend(_timeline_cells(outcome, "» ") for outcome in row.outcomes)
    story.append(
        _table(
            ["Entry", "When", "Kind", "What", "Who", "Decision"],
            rows or [["—", "", "", "no ledger entries", "", ""]],
            [w * width for w in (0.07, 0.15, 0.1, 0.22, 0.14, 0.32)],
            s,
        )
    )
    chain = bundle.chain
    verdict = (
        f"Chain intact: all {len(chain.links)} entries of this consumer verify."
        if chain.intact
        else f"Chain broken: the first bad entry is {chain.first_bad_entry_id} ({chain.message})."
    )
    story.append(
        KeepTogether(
            [
                _p("Chain status", s.h2),
                _p(verdict, s.ok if chain.intact else s.bad),
                _p(
                    _checkpoint_text(bundle.checkpoint),
                    s.bad if bundle.checkpoint and bundle.checkpoint.matched is False else s.body,
                ),
                _p(
                    "Each entry's seal (HMAC-SHA256 under the ledger key it names) was "
                    "recomputed from its content, its position in the chain and the hash of "
                    "the entry before it; the checkpoint, kept outside "
                    "the database and signed with a ledger key, records how far each chain "
                    "had got.",
                    s.small,
                ),
            ]
        )
    )
    story.append(
        _table(
            ["Entry", "Hash (prefix)", "Verifies"],
            [
                [str(link.entry_id), link.hash_prefix, "yes" if link.ok else f"NO: {link.problem}"]
                for link in chain.links
            ]
            or [["—", "", "no entries"]],
            [width * 0.15, width * 0.35, width * 0.5],
            s,
        )
    )
    footer = f"Evidence bundle, consumer {bundle.consumer_id}"
    doc.build(story, canvasmaker=partial(_NumberedCanvas, footer=footer))
    return buffer.getvalue()
