"""The consumer picker: find a consumer by name, client reference, phone or e-mail
instead of typing a numeric id, on every form that needs one (the ledger search, "what
if").

A form holds the search text (``consumer``) and, once one is picked, the consumer's id
(``consumer_id``, hidden).  As the user types, htmx fetches the matches
(``/consumers/suggestions``); each is a submit button (``pick=<id>``), so picking works
the same with or without JavaScript, and without it a plain search of one match picks
it.  Which wins, in order: the button pressed (``pick``); the hidden id while the text
still shows that consumer's name (or is empty, as links give it); else the text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from agency.auth.permissions import Viewer
from agency.cases import repository
from agency.cases.models import Consumer

SUGGESTIONS = 8
MAX_QUERY = 100
_MAX_ID = 2**62


@dataclass(frozen=True, slots=True)
class Suggestion:
    consumer: Consumer
    references: tuple[str, ...]

    @property
    def label(self) -> str:
        """What the list shows: the name, where they live, their cases' references."""
        place = " ".join(filter(None, [self.consumer.region, self.consumer.country]))
        refs = ", ".join(self.references[:3]) + ("…" if len(self.references) > 3 else "")
        return " · ".join(filter(None, [self.consumer.display_name, place, refs]))


@dataclass(frozen=True, slots=True)
class Picked:
    """The outcome of a form's picker: the consumer, or an error (and the matches to
    choose from when the text matched several)."""

    text: str
    consumer: Consumer | None = None
    error: str | None = None
    choices: list[Suggestion] = field(default_factory=list)


def suggestions(db: Session, viewer: Viewer, q: str) -> list[Suggestion]:
    """The matches for ``q`` that ``viewer`` may see, by name (at most SUGGESTIONS)."""
    consumers = repository.find_consumers(db, viewer, q[:MAX_QUERY], limit=SUGGESTIONS)
    references = repository.references_by_consumer(db, viewer, [c.id for c in consumers])
    return [Suggestion(c, tuple(references.get(c.id, ()))) for c in consumers]


def _id(raw: str) -> int | None:
    """A row id as a form or link gives it (ASCII digits within the 64-bit keys)."""
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 19):
        return None
    return int(raw) if 0 < int(raw) <= _MAX_ID else None


def resolve(db: Session, viewer: Viewer, values: Mapping[str, object]) -> Picked:
    """The consumer a submitted form names (see the module's docstring for the order);
    an error, saying what to do, when it names none or several.  An empty form picks
    nobody and is no error (the caller decides whether a consumer is required)."""
    text = str(values.get("consumer") or "").strip()
    for key in ("pick", "consumer_id"):
        raw = str(values.get(key) or "").strip()
        if not raw:
            continue
        wanted = _id(raw)
        consumer = repository.consumer_for_viewer(db, viewer, wanted) if wanted else None
        if key == "consumer_id" and text and (consumer is None or text != consumer.display_name):
            break  # the text was edited since the pick: search it
        if consumer is None:
            return Picked(
                text,
                error=f"Consumer: there is no consumer with id “{raw[:20]}”; search by name, "
                "reference, phone or e-mail.",
            )
        return Picked(consumer.display_name, consumer)
    if not text:
        return Picked("")
    if len(text) > MAX_QUERY:
        return Picked(text[:MAX_QUERY], error=f"Consumer: at most {MAX_QUERY} characters.")
    found = suggestions(db, viewer, text)
    if not found:
        return Picked(
            text,
            error=f"Consumer: no consumer matches “{text}” by name, reference, phone or e-mail.",
        )
    if len(found) > 1:
        return Picked(
            text,
            error=f"Consumer: {'at least ' if len(found) == SUGGESTIONS else ''}"
            f"{len(found)} consumers match “{text}”; pick one from the list.",
            choices=found,
        )
    return Picked(found[0].consumer.display_name, found[0].consumer)
