"""Which consumer a placed account belongs to: the one rule of intake's matching.

- National id hash + date of birth: the strongest match, whatever the names.
- A shared phone or e-mail links the account to a consumer only when it is the same
  person: the names agree (last name normalised for case, accents, punctuation and
  spacing; first name equal, or one is the other's initial) or the dates of birth agree.
  A phone shared by two different people (a household, a recycled number) must never
  tell one person's debt to the other, nor add one person's e-mail to the other's record.
- A shared phone or e-mail with disagreeing names makes a new consumer and a "possible
  same person" pair, for staff to confirm or keep apart (``ConsumerPair``).

Pure functions over what the caller fetched once per batch: no query per row.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol


class Person(Protocol):
    @property
    def first_name(self) -> str: ...
    @property
    def last_name(self) -> str: ...
    @property
    def date_of_birth(self) -> date | None: ...


@dataclass(frozen=True, slots=True)
class Named:
    """A person as a case was placed: its name, its consumer's date of birth."""

    first_name: str
    last_name: str
    date_of_birth: date | None


@dataclass(frozen=True, slots=True)
class Holder:
    """A case of this client whose consumer holds a phone or e-mail: the consumer, its
    date of birth, and the name as this client placed the case."""

    consumer_id: int
    case_id: int
    client_reference: str
    first_name: str
    last_name: str
    date_of_birth: date | None


@dataclass(frozen=True, slots=True)
class Candidate:
    """An account of the same batch that an earlier account shares a contact with."""

    index: int  # of the account in the batch
    first_name: str
    last_name: str
    date_of_birth: date | None


@dataclass
class Match:
    """An account's consumer: an existing id (int) or the batch index of the account
    whose new consumer it is or shares (``"3"``); and, for an account that is a new
    consumer of its own, the possible same people it was kept apart from, with the
    contact channel they share."""

    owner: int | str
    pairs: list[tuple[Holder | Candidate, str]] = field(default_factory=list)


def name_key(text: str) -> str:
    """A name for comparing: accents, case, punctuation and spacing removed."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isalnum()).casefold()


def names_agree(first_a: str, last_a: str, first_b: str, last_b: str) -> bool:
    """Same normalised last name, and the same first name or one the other's initial."""
    if name_key(last_a) != name_key(last_b) or not name_key(last_a):
        return False
    a, b = name_key(first_a), name_key(first_b)
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    return len(short) == 1 and long.startswith(short)


def same_person(a: Person, b: Person) -> bool:
    if a.date_of_birth is not None and a.date_of_birth == b.date_of_birth:
        return True
    return names_agree(a.first_name, a.last_name, b.first_name, b.last_name)


class Placing(Person, Protocol):
    @property
    def national_id_hash(self) -> str | None: ...


def match_accounts(
    accounts: Sequence[Placing],
    contacts: Sequence[Sequence[tuple[str, str]]],
    by_national_id: dict[tuple[str, date | None], int],
    by_contact: dict[str, list[Holder]],
) -> list[Match]:
    """The consumer of each account, in order.  ``contacts[i]`` are account i's
    (channel, value) pairs; ``by_contact`` the holders of each value among this client's
    cases."""
    matches: list[Match] = []
    identities: dict[tuple[str, date | None], str] = {}
    earlier: dict[str, list[Candidate]] = {}
    owner_of: dict[int, str] = {}
    for index, account in enumerate(accounts):
        identity = (
            (account.national_id_hash, account.date_of_birth) if account.national_id_hash else None
        )
        found: int | str | None = None
        if identity is not None:
            found = by_national_id.get(identity)
            if found is None:
                found = identities.get(identity)
        apart: dict[int | str, tuple[Holder | Candidate, str]] = {}
        for channel, value in contacts[index]:
            others: list[tuple[int | str, Holder | Candidate]] = [
                (holder.consumer_id, holder) for holder in by_contact.get(value, [])
            ]
            others += [(owner_of[c.index], c) for c in earlier.get(value, [])]
            for owner, other in others:
                if not same_person(account, other):
                    apart.setdefault(owner, (other, channel))
                elif found is None:
                    found = owner
        if found is None:
            found = str(index)
        # pairs only for an account that is a new consumer of its own; a linked one is no
        # stranger to anyone
        pairs = list(apart.values()) if found == str(index) else []
        if isinstance(found, str):
            owner_of[index] = found
            if identity is not None:
                identities.setdefault(identity, found)
            seen = Candidate(index, account.first_name, account.last_name, account.date_of_birth)
            for _, value in contacts[index]:
                earlier.setdefault(value, []).append(seen)
        matches.append(Match(found, pairs))
    return matches
