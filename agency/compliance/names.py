"""How the compliance workspace names what an entry or a fact refers to by id: a rule
(its title, citation and plain words, from the catalogue), a user (their full name), and
who acted (a user, or the consumer, the system or the contact strategy)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from agency.compliance import repository
from agency.compliance.catalogue import describe
from agency.compliance.models import Source


@dataclass(frozen=True, slots=True)
class RuleText:
    id: str
    title: str
    citation: str
    plain: str


def rule_texts(rule_ids: Sequence[str]) -> tuple[RuleText, ...]:
    """Each rule id with its title, citation and plain words (from the catalogue)."""
    found = []
    for rule_id in rule_ids:
        rule = describe(rule_id)
        found.append(
            RuleText(id=rule.id, title=rule.title, citation=rule.citation, plain=rule.plain)
        )
    return tuple(found)


def user_names(db: Session, user_ids: Sequence[int | None]) -> dict[int, str]:
    """The full name of each user id given (``None`` and unknown ids are left out)."""
    users = repository.users_by_id(db, sorted({u for u in user_ids if u is not None}))
    return {user_id: user.full_name for user_id, user in users.items()}


def who(names: Mapping[int, str], actor_id: int | None, source: Source | str | None = None) -> str:
    """Who acted: the user's name from ``names``, else the source in words (no source:
    the system)."""
    if actor_id is not None:
        return names.get(actor_id, f"user {actor_id}")
    if source is None:
        return "the system"
    value = source.value if isinstance(source, Source) else source
    return {"consumer": "the consumer", "system": "the system", "strategy": "contact strategy"}.get(
        value, value
    )
