"""Cases as intake and the lists see them: placing accounts, the client's maintenance
instructions, and the scoped case list and totals.

- Placing (``place_accounts``): each account's consumer matched or made
  (``agency.cases.matching``), its contact points, its new case and the possible same
  people it raises, written in bulk (``agency.kit.bulk``); the preview of those pairs
  (``possible_pairs``).
- Maintenance (``apply_maintenance``): recall, update or adjust an open case; a recall
  closes the case through the status machine (``agency.cases.status``).  Direct
  payments are the payments domain's (``agency.payments.posting.direct``).
- Lists: the cases a viewer may see (one case, a page of them) and their totals (scoped
  in the repository); and ``refresh_statistics``, for the planner while a large
  placement grows the tables.

Working a case lives elsewhere: the agent's actions in ``agency.cases.actions``, the
status machine in ``agency.cases.status``, assignment in ``agency.cases.assignment``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.auth.permissions import Viewer
from agency.cases import actions, matching, queue, repository, status
from agency.cases.models import (
    AdjustmentKind,
    BalanceAdjustment,
    Case,
    CaseStatus,
    Channel,
    Consumer,
    ConsumerPair,
    ContactPoint,
)
from agency.cases.repository import Totals, holders
from agency.cases.repository import placing as placing_repo
from agency.cases.schemas import (
    Account,
    CaseFilters,
    Maintenance,
    Placed,
    PossiblePair,
    RowError,
)
from agency.compliance import service as compliance
from agency.kit import clock
from agency.kit.bulk import insert_rows
from agency.kit.money import Money, largest, max_minor
from agency.kit.pagination import Page, PageRequest
from agency.worker import enqueue


@dataclass(frozen=True, slots=True)
class Holder:
    """A contact point holding a number or address, its consumer and their open cases."""

    contact_point_id: int
    consumer_id: int
    open_case_ids: tuple[int, ...]


def holders_of(db: Session, *, channel: Channel, value: str) -> list[Holder]:
    """Every contact point with this exact (normalized) value: a reply from a number is
    about each consumer who gave it (a household may share one)."""
    points = holders.points_with_value(db, channel, value)
    cases = holders.open_cases_of(db, sorted({p.consumer_id for p in points}))
    return [
        Holder(
            contact_point_id=point.id,
            consumer_id=point.consumer_id,
            open_case_ids=tuple(c.id for c in cases if c.consumer_id == point.consumer_id),
        )
        for point in points
    ]


def case_for_update(db: Session, *, viewer: Viewer, case_id: int) -> Case | None:
    """The case an action on it changes, its row locked until the transaction ends
    (PostgreSQL), or None when it does not exist for this viewer: two clicks of one
    action wait for each other."""
    return repository.case_for_update(db, viewer, case_id)


def references_of(db: Session, case_ids: Sequence[int]) -> dict[int, str]:
    """Each case's client reference (the merchant's account number), by case id."""
    return repository.references_of(db, case_ids)


def phone_number(db: Session, *, contact_point_id: int) -> str | None:
    """The number a phone contact point holds (None: no such phone)."""
    point = db.get(ContactPoint, contact_point_id)
    return point.value if point is not None and point.channel is Channel.PHONE else None


def needs_agent(db: Session, *, case_id: int) -> None:
    """Bring an open case before its agent now (the consumer wrote to us): due now, and
    workable now whatever wait it was in."""
    case = repository.case_by_id(db, case_id)
    if not case.status.is_open:
        return
    now = clock.now()
    if case.next_action_at is None or case.next_action_at > now:
        case.next_action_at = now
    case.workable_at = min(case.workable_at, now)


def list_cases(
    db: Session, *, viewer: Viewer, filters: CaseFilters, page: PageRequest
) -> Page[Case]:
    """The cases ``viewer`` may see that match ``filters``, one page of them."""
    return repository.list_cases(db, viewer, filters, page)


def case_for_viewer(db: Session, *, viewer: Viewer, case_id: int) -> Case | None:
    """The case as the case page loads it, or None when it does not exist *for this
    viewer* (a merchant: another client's case): the same scoping for the pages that
    hang off the case page (outreach's messages)."""
    return repository.case_for_viewer(db, viewer, case_id)


def may_work(db: Session, *, viewer: Viewer, case: Case) -> bool:
    """Whether ``viewer`` may act on ``case`` as the case page lets them (its actions
    panel): admins and supervisors any case, agents their own, their lease and their
    team's pool; compliance officers and merchants only read."""
    team_id = repository.agent_team_id(db, viewer.user_id) if viewer.role is Role.AGENT else None
    return actions.may_work(case, user_id=viewer.user_id, role=viewer.role, team_id=team_id)


def totals(db: Session, *, viewer: Viewer, client_id: int | None = None) -> Totals:
    """Placed and open totals over what ``viewer`` may see."""
    return repository.totals(db, viewer, client_id=client_id)


def refresh_statistics(db: Session) -> None:
    """Let the planner see how big the consumer and case tables have become."""
    repository.refresh_statistics(db)


def place_accounts(
    db: Session,
    *,
    client_id: int,
    contract_id: int,
    placement_id: int | None,
    accounts: Sequence[Account],
    update_open: bool = False,
) -> list[Placed]:
    """Create or link the consumer and create the case of each valid account of a batch.

    - A reference repeated in the placement: the first accepted occurrence wins, later
      ones are rejected as duplicates (also across batches, through ``placement_row``).
    - A reference already open for the client is a re-placement: rejected, or, when
      ``update_open``, its balance, contact data and the consumer as placed are updated
      (only for the same person, see ``_update_open_case``).
    - The consumer is matched by national-id hash + date of birth (any client: the link is
      never shown to another merchant), then by exact phone or e-mail within this client,
      then within the batch, a phone or e-mail only for the same person by name or date
      of birth (``cases.matching``); otherwise a new consumer is made, with a
      ``ConsumerPair`` for each other person it shares a phone or e-mail with.  Each case
      keeps the consumer's name, location and language as this client placed them.
    New cases start as ``new`` and unassigned.  Returns one outcome per account, in row
    order.
    """
    results: list[Placed] = []
    first_row: dict[str, int] = {}
    fresh: list[Account] = []
    for account in accounts:
        earlier = first_row.get(account.client_reference)
        if earlier is not None:
            results.append(_rejected(account, f"duplicate of row {earlier} in this placement"))
            continue
        first_row[account.client_reference] = account.row
        fresh.append(account)

    open_cases = placing_repo.open_cases_by_reference(
        db, client_id, [a.client_reference for a in fresh]
    )
    new_accounts: list[Account] = []
    for account in fresh:
        existing = open_cases.get(account.client_reference)
        if existing is None:
            new_accounts.append(account)
        elif placement_id is not None and existing.placement_id == placement_id:
            results.append(
                _rejected(account, f"duplicate of row {existing.placement_row} in this placement")
            )
        elif update_open:
            problem = _update_open_case(db, existing.id, account, client_id)
            results.append(
                _rejected(account, problem)
                if problem
                else Placed(account.row, account.client_reference, "replaced", existing.id)
            )
        else:
            results.append(
                _rejected(
                    account,
                    f"account {account.client_reference} is already open with us (placed "
                    f"{existing.placed_at:%Y-%m-%d}); re-placements are rejected for this client",
                )
            )

    created = _create_cases(db, client_id, contract_id, placement_id, new_accounts)
    results.extend(created)
    if placement_id is not None and created:  # assignment runs once this batch commits
        enqueue(db, "agency.cases.tasks.assign_new_cases", placement_id)
    results.sort(key=lambda placed: placed.row)
    return results


def _rejected(account: Account, message: str) -> Placed:
    error = RowError(account.row, "client_reference", message)
    return Placed(account.row, account.client_reference, "rejected", None, (error,))


def _contact_values(account: Account) -> list[tuple[Channel, str]]:
    values = [(Channel.PHONE, phone.e164) for phone in account.phones]
    if account.email:
        values.append((Channel.EMAIL, account.email))
    return values


def _contact_rows(
    account: Account, consumer_id: int, client_id: int, skip: set[tuple[int, str, str]]
) -> list[tuple[dict[str, Any], bool]]:
    """New contact points of ``account`` (those ``skip`` lacks), all of one shape, each
    with whether the placement gives consent to automated contact there."""
    now = clock.now()
    points: list[tuple[Channel, str, str, str | None, bool]] = [
        (Channel.PHONE, phone.kind, phone.e164, phone.line_type, phone.consent)
        for phone in account.phones
    ]
    if account.email:
        points.append((Channel.EMAIL, "personal", account.email, None, False))
    if account.address:
        points.append((Channel.ADDRESS, "home", account.address, None, False))
    return [
        (
            {
                "consumer_id": consumer_id,
                "channel": channel,
                "kind": kind,
                "value": value,
                "line_type": line_type,
                "source_client_id": client_id,
                "created_at": now,
            },
            consent,
        )
        for channel, kind, value, line_type, consent in points
        if (consumer_id, channel.value, value) not in skip
    ]


def _insert_points(db: Session, points: Sequence[tuple[dict[str, Any], bool]]) -> None:
    """Insert new contact points (``_contact_rows``) in bulk, and hand compliance the
    consent their placement gives (its flags, ``compliance.set_at_placement``)."""
    ids = insert_rows(db, ContactPoint, [row for row, _ in points], return_ids=True)
    compliance.set_at_placement(
        db,
        flags={
            point_id: compliance.Flags(consent=True, consent_at=row["created_at"])
            for point_id, (row, consent) in zip(ids, points, strict=True)
            if consent
        },
    )


def _create_cases(
    db: Session, client_id: int, contract_id: int, placement_id: int | None, accounts: list[Account]
) -> list[Placed]:
    if not accounts:
        return []
    matches = _match(db, client_id, accounts)
    owners = [match.owner for match in matches]
    new_consumers: list[Account] = []
    new_index: dict[str, int] = {}
    for index, (account, owner) in enumerate(zip(accounts, owners, strict=True)):
        if owner == str(index):
            new_index[owner] = len(new_consumers)
            new_consumers.append(account)

    now = clock.now()
    new_ids = insert_rows(
        db,
        Consumer,
        return_ids=True,
        rows=[
            {
                "first_name": a.first_name,
                "last_name": a.last_name,
                "date_of_birth": a.date_of_birth,
                "national_id_hash": a.national_id_hash,
                "country": a.country,
                "region": a.region,
                "postal_code": a.postal_code,
                "language": a.language,
                "timezones": list(a.timezones),
                "created_at": now,
            }
            for a in new_consumers
        ],
    )
    consumer_ids = [new_ids[new_index[o]] if isinstance(o, str) else o for o in owners]

    held = placing_repo.contact_values_of(
        db, sorted({cid for o, cid in zip(owners, consumer_ids, strict=True) if isinstance(o, int)})
    )
    contact_rows: list[tuple[dict[str, Any], bool]] = []
    for account, consumer_id in zip(accounts, consumer_ids, strict=True):
        rows = _contact_rows(account, consumer_id, client_id, held)
        held.update((consumer_id, str(row["channel"]), row["value"]) for row, _ in rows)
        contact_rows.extend(rows)
    _insert_points(db, contact_rows)
    _widen_timezones(db, accounts, owners, consumer_ids)

    case_ids = insert_rows(
        db,
        Case,
        return_ids=True,
        rows=[
            {
                "client_id": client_id,
                "contract_id": contract_id,
                "consumer_id": consumer_id,
                "client_reference": a.client_reference,
                **as_placed(a),
                "currency": a.currency,
                "principal_minor": a.principal,
                "interest_minor": a.interest,
                "fees_minor": a.fees,
                "placed_minor": a.balance,
                "itemization_date": a.itemization_date,
                "itemization_type": a.itemization_type,
                "itemization_amount_minor": a.amount_at_itemization,
                "interest_since_minor": a.interest_since,
                "fees_since_minor": a.fees_since,
                "payments_since_minor": a.payments_since,
                "credits_since_minor": a.credits_since,
                "original_creditor": a.original_creditor,
                "current_creditor": a.current_creditor,
                "product": a.product,
                "delinquency_date": a.delinquency_date,
                "charge_off_date": a.charge_off_date,
                "last_payment_date": a.last_payment_date,
                "open_date": a.open_date,
                "statute_of_limitations_date": a.statute_of_limitations_date,
                "notes": a.notes,
                "status": CaseStatus.NEW,
                "placement_id": placement_id,
                "placement_row": a.row,
                "placed_at": now,
                # Written by COPY on PostgreSQL: no Python-side defaults apply.
                "workable_at": now,
                "hold_rules": [],
                "priority": queue.rank(a.balance, never_contacted=True),
                "updated_at": now,
            }
            for a, consumer_id in zip(accounts, consumer_ids, strict=True)
        ],
    )
    _record_pairs(db, client_id, placement_id, matches, case_ids)
    return [
        Placed(a.row, a.client_reference, "accepted", case_id)
        for a, case_id in zip(accounts, case_ids, strict=True)
    ]


def _match(db: Session, client_id: int, accounts: Sequence[Account]) -> list[matching.Match]:
    """Each account's consumer (``cases.matching``), from two look-ups for the batch."""
    by_national_id = placing_repo.consumers_by_national_id(
        db,
        sorted(
            {(a.national_id_hash, a.date_of_birth) for a in accounts if a.national_id_hash},
            key=str,
        ),
    )
    contacts = [_contact_values(a) for a in accounts]
    by_contact = placing_repo.holders_by_contact(
        db, client_id, sorted({value for values in contacts for _, value in values})
    )
    return matching.match_accounts(accounts, contacts, by_national_id, by_contact)


def _record_pairs(
    db: Session,
    client_id: int,
    placement_id: int | None,
    matches: list[matching.Match],
    case_ids: list[int],
) -> None:
    """The possible same people of the new consumers, for staff to decide."""
    now = clock.now()
    rows = [
        {
            "client_id": client_id,
            "placement_id": placement_id,
            "case_id": case_id,
            "other_case_id": (
                other.case_id if isinstance(other, matching.Holder) else case_ids[other.index]
            ),
            "channel": str(channel),
            "decision": None,
            "decided_by_id": None,
            "decided_at": None,
            "created_at": now,
        }
        for match, case_id in zip(matches, case_ids, strict=True)
        for other, channel in match.pairs
    ]
    insert_rows(db, ConsumerPair, rows)


def possible_pairs(
    db: Session, *, client_id: int, accounts: Sequence[Account]
) -> list[PossiblePair]:
    """The "possible same person" pairs placing ``accounts`` would make (a preview:
    nothing is written)."""
    pairs: list[PossiblePair] = []
    for account, match in zip(accounts, _match(db, client_id, accounts), strict=True):
        for other, channel in match.pairs:
            pairs.append(
                PossiblePair(
                    row=account.row,
                    client_reference=account.client_reference,
                    name=f"{account.first_name} {account.last_name}",
                    other_row=(
                        accounts[other.index].row if isinstance(other, matching.Candidate) else None
                    ),
                    other_reference=(
                        other.client_reference
                        if isinstance(other, matching.Holder)
                        else accounts[other.index].client_reference
                    ),
                    other_name=f"{other.first_name} {other.last_name}",
                    channel=str(channel),
                )
            )
    return pairs


def as_placed(person: Account | Consumer) -> dict[str, str | None]:
    """The consumer's name, location and language as a placement gives them, for the
    case to keep (``Case.first_name`` …): from an account, or from the consumer row when
    a case is made from one (demo data, benchmarks)."""
    return {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "country": person.country,
        "region": person.region,
        "postal_code": person.postal_code,
        "language": person.language,
    }


def _widen_timezones(
    db: Session, accounts: list[Account], owners: list[int | str], consumer_ids: list[int]
) -> None:
    """A matched consumer's zones grow by what the new placement tells us."""
    extra: dict[int, set[str]] = {}
    for account, owner, consumer_id in zip(accounts, owners, consumer_ids, strict=True):
        if isinstance(owner, int):
            extra.setdefault(consumer_id, set()).update(account.timezones)
    changed = {}
    for consumer_id, zones in placing_repo.zones_of(db, sorted(extra)).items():
        widened = sorted(set(zones) | extra[consumer_id])
        if widened != zones:
            changed[consumer_id] = widened
    placing_repo.set_zones(db, changed)


def _update_open_case(db: Session, case_id: int, account: Account, client_id: int) -> str | None:
    """A re-placement under the "update" policy: new balance, contact data, and the
    consumer's name, location and language as the client now places them (on the case:
    the consumer row, shared with other clients, keeps its own).

    Only for the same person (``cases.matching``: the case's name as placed or the
    date of birth, or the national id with it): a row naming someone else would put that
    person's phone and e-mail on another's record; the message says why it is refused.
    """
    case = repository.case_by_id(db, case_id)
    consumer = repository.consumer_of(db, case)
    identity = (consumer.national_id_hash, consumer.date_of_birth)
    placed = matching.Named(case.first_name, case.last_name, consumer.date_of_birth)
    if not (
        account.national_id_hash and (account.national_id_hash, account.date_of_birth) == identity
    ) and not matching.same_person(account, placed):
        return (
            f"account {account.client_reference} is open with us for another person (the "
            "names and dates of birth disagree), so nothing was updated; recall it and "
            "place it again"
        )
    for name, value in as_placed(account).items():
        setattr(case, name, value)
    case.principal_minor = account.principal
    case.interest_minor = account.interest
    case.fees_minor = account.fees
    case.itemization_date = account.itemization_date or case.itemization_date
    case.itemization_amount_minor = account.amount_at_itemization
    held = placing_repo.contact_values_of(db, [case.consumer_id])
    _insert_points(db, _contact_rows(account, case.consumer_id, client_id, held))
    db.flush()
    return None


def apply_maintenance(
    db: Session,
    *,
    client_id: int,
    placement_id: int | None,
    items: Sequence[Maintenance],
) -> list[Placed]:
    """Recall, update or adjust the client's open cases.

    - recall: the client takes the account back; the case is closed as ``recalled``.
    - update: new phones, e-mail or address are added to the consumer (never a name).
    - adjust: the balance changes by a signed amount (principal first; never below 0),
      kept as a BalanceAdjustment row.
    A direct payment is a payment: the payments domain posts it
    (``agency.payments.posting.direct``; intake routes it there, ``referrals.maintaining``).
    """
    cases = {
        case.client_reference: case
        for case in placing_repo.open_cases_for_update(
            db, client_id, sorted({item.client_reference for item in items})
        )
    }
    results: list[Placed] = []
    now = clock.now()
    for item in items:
        case = cases.get(item.client_reference)
        if case is None:
            results.append(
                _refused(
                    item,
                    f"no open account {item.client_reference} for this "
                    "client (unknown, or already closed)",
                )
            )
            continue
        problem = _apply(db, case, item, client_id, placement_id, now)
        if problem:
            results.append(_refused(item, problem, "amount"))
            continue
        if not case.status.is_open:
            del cases[item.client_reference]
        results.append(Placed(item.row, item.client_reference, "accepted", case.id))
    db.flush()
    return results


def _refused(item: Maintenance, message: str, column: str = "client_reference") -> Placed:
    return Placed(
        item.row, item.client_reference, "rejected", None, (RowError(item.row, column, message),)
    )


def _apply(
    db: Session,
    case: Case,
    item: Maintenance,
    client_id: int,
    placement_id: int | None,
    now: datetime,
) -> str | None:
    """Carry out one instruction on ``case``; a message when it cannot be done."""
    if item.action == "recall":
        status.change(
            db, case=case, to=CaseStatus.RECALLED, reason="recalled by the client", by_user_id=None
        )
        return None
    if item.action == "update":
        assert item.contact is not None
        held = placing_repo.contact_values_of(db, [case.consumer_id])
        _insert_points(db, _contact_rows(item.contact, case.consumer_id, client_id, held))
        return None
    if item.action != "adjust":
        raise ValueError("a direct payment is a payment: agency.payments.posting.direct posts it")
    assert item.amount is not None
    balance = case.principal_minor + case.interest_minor + case.fees_minor
    if case.principal_minor + item.amount < 0:
        return (
            f"an adjustment of {Money(item.amount, case.currency)} would take the "
            f"principal below zero (it is {Money(case.principal_minor, case.currency)})"
        )
    if balance + item.amount > max_minor(case.currency):
        return (
            f"an adjustment of {Money(item.amount, case.currency)} would take the "
            f"balance above {largest(case.currency)}, the largest balance accepted"
        )
    case.principal_minor += item.amount
    db.add(
        BalanceAdjustment(
            case_id=case.id,
            kind=AdjustmentKind.ADJUST,
            amount_minor=item.amount,
            currency=case.currency,
            effective_date=item.effective_date or now.date(),
            reason=item.reason,
            placement_id=placement_id,
        )
    )
    return None
