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


# Possible same people kept per account: enough to ask about, and bounded when a number
# (a switchboard, a shelter) is shared by thousands.
MAX_PAIRS = 5

Owner = int | str
Other = Holder | Candidate


class _Known:
    """The people seen with one phone or e-mail, indexed by date of birth and last name,
    so that an account finds the same person among thousands without comparing with
    each of them."""

    def __init__(self) -> None:
        self.everyone: list[tuple[Owner, Other]] = []
        self.by_birth: dict[date, Owner] = {}
        self.by_last: dict[str, list[tuple[Owner, Other]]] = {}

    def add(self, owner: Owner, other: Other) -> None:
        self.everyone.append((owner, other))
        if other.date_of_birth is not None:
            self.by_birth.setdefault(other.date_of_birth, owner)
        self.by_last.setdefault(name_key(other.last_name), []).append((owner, other))

    def same_as(self, person: Person) -> Owner | None:
        """The owner of the first one seen who is ``person`` (``same_person``)."""
        if person.date_of_birth is not None and person.date_of_birth in self.by_birth:
            return self.by_birth[person.date_of_birth]
        for owner, other in self.by_last.get(name_key(person.last_name), []):
            if names_agree(person.first_name, person.last_name, other.first_name, other.last_name):
                return owner
        return None


def match_accounts(
    accounts: Sequence[Placing],
    contacts: Sequence[Sequence[tuple[str, str]]],
    by_national_id: dict[tuple[str, date | None], int],
    by_contact: dict[str, list[Holder]],
) -> list[Match]:
    """The consumer of each account, in order.  ``contacts[i]`` are account i's
    (channel, value) pairs; ``by_contact`` the holders of each value among this client's
    cases.  Linear in the batch: a look-up per contact, not a comparison per pair."""
    known: dict[str, _Known] = {}
    for value, holders in by_contact.items():
        index = known[value] = _Known()
        for holder in holders:
            index.add(holder.consumer_id, holder)
    identities: dict[tuple[str, date | None], Owner] = {}
    matches: list[Match] = []
    for row, account in enumerate(accounts):
        identity = (
            (account.national_id_hash, account.date_of_birth) if account.national_id_hash else None
        )
        found: Owner | None = None
        if identity is not None:
            found = by_national_id.get(identity, identities.get(identity))
        for _, value in contacts[row]:
            if found is None and value in known:
                found = known[value].same_as(account)
        pairs: list[tuple[Other, str]] = []
        if found is None:  # a person of its own: whoever shares a contact is someone else
            found = str(row)
            pairs = _strangers(contacts[row], known)
        if identity is not None:
            identities.setdefault(identity, found)
        seen = Candidate(row, account.first_name, account.last_name, account.date_of_birth)
        for _, value in contacts[row]:
            known.setdefault(value, _Known()).add(found, seen)
        matches.append(Match(found, pairs))
    return matches


def _strangers(
    contacts: Sequence[tuple[str, str]], known: dict[str, _Known]
) -> list[tuple[Other, str]]:
    """The first ``MAX_PAIRS`` other people who share one of ``contacts``, one each."""
    pairs: list[tuple[Other, str]] = []
    owners: set[Owner] = set()
    for channel, value in contacts:
        for owner, other in known[value].everyone if value in known else []:
            if len(pairs) == MAX_PAIRS:
                return pairs
            if owner not in owners:
                owners.add(owner)
                pairs.append((other, channel))
    return pairs
