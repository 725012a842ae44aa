"""Accounts sent by clients' machines as JSON (the API): ``push_accounts`` places up to
10,000 accounts in one transaction, idempotent by key; ``account_action`` is one
maintenance instruction for one open account.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agency.cases.schemas import Placed, RowError
from agency.clients.models import Client
from agency.kit import clock
from agency.kit.json_input import bad_character
from agency.referrals import maintaining, repository
from agency.referrals.fields import BY_NAME, HeaderMapping
from agency.referrals.models import (
    Layout,
    Placement,
    PlacementKind,
    PlacementSource,
    PlacementStatus,
    ReplacementPolicy,
)
from agency.referrals.placing import pairs_of, place_rows
from agency.referrals.rows import Row, rules_for, validator_for
from agency.referrals.schemas import PlacementSummary
from agency.referrals.validation import validate_maintenance


class IdempotencyConflict(Exception):
    """The Idempotency-Key was used for another request, or that request is running."""


_API_MAPPING = HeaderMapping(
    columns={f.name: index for index, f in enumerate(BY_NAME.values())},
    labels={name: name for name in BY_NAME},
)


def _json_text(value: Any) -> str | None:
    """A JSON value as the text a file cell would hold; None if it cannot be one.

    A number is written out in full only within 40 digits of the point: ``1e1000000000``
    stays ``1E+1000000000`` (which no parser takes for an amount), never a billion digits.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        in_reach = value.is_finite() and -_JSON_DIGITS < value.adjusted() < _JSON_DIGITS
        return format(value, "f") if in_reach else str(value)
    if isinstance(value, int | str):
        return str(value).strip()
    return None


_JSON_DIGITS = 40


def _json_row(number: int, account: Any) -> Row | RowError:
    if not isinstance(account, dict):
        return RowError(number, "", "each account must be a JSON object")
    values: dict[str, str] = {}
    for key, value in account.items():
        if key not in BY_NAME or key == "action":
            return RowError(number, str(key)[:60], "is not a referral field")
        text = _json_text(value)
        if text is None:
            return RowError(number, key, "must be a string, a number, true/false or null")
        problem = bad_character(text)
        if problem:
            return RowError(number, key, problem)
        values[key] = text
    return Row(number, dict(values), values)


def _placed_json(placed: Placed) -> dict[str, Any]:
    return {
        "row": placed.row,
        "client_reference": placed.client_reference,
        "status": placed.status,
        "case_id": placed.case_id,
        "errors": [{"column": e.column, "message": e.message} for e in placed.errors],
    }


def push_accounts(
    db: Session,
    *,
    client: Client,
    api_key_id: int,
    accounts: list[Any],
    idempotency_key: str | None,
    request_hash: str,
    layout: Layout | None,
) -> tuple[dict[str, Any], bool]:
    """Place accounts sent as JSON, in this transaction; the answer and whether it is new.

    With an Idempotency-Key, asking again returns the first answer and writes nothing;
    the same key with a different request is refused (IdempotencyConflict).
    """
    if idempotency_key is not None:
        existing = repository.placement_by_idempotency_key(db, client.id, idempotency_key)
        if existing is not None:
            if existing.request_hash != request_hash or existing.response is None:
                raise IdempotencyConflict(
                    "this Idempotency-Key was already used for a different request"
                )
            return existing.response, False
    rules, contract_id = rules_for(db, client, layout)
    now = clock.now()
    placement = Placement(
        client_id=client.id,
        kind=PlacementKind.PLACEMENT,
        source=PlacementSource.API,
        status=PlacementStatus.RUNNING,
        idempotency_key=idempotency_key,
        request_hash=request_hash,
        api_key_id=api_key_id,
        file_format="json",
        total_rows=len(accounts),
        started_at=now,
        heartbeat_at=now,
        mapping={},
        layout_id=layout.id if layout else None,
    )
    try:
        with db.begin_nested():
            db.add(placement)
    except IntegrityError as exc:  # the same key, racing in another request
        raise IdempotencyConflict(
            "a request with this Idempotency-Key is being handled; retry shortly"
        ) from exc
    rows = [_json_row(number, account) for number, account in enumerate(accounts, start=1)]
    outcomes = place_rows(
        db,
        placement=placement,
        rows=rows,
        mapping=_API_MAPPING,
        validator=validator_for(_API_MAPPING, rules),
        contract_id=contract_id,
        update_open=bool(layout and layout.replacement_policy is ReplacementPolicy.UPDATE),
    )
    placement.rows_done = len(rows)
    placement.status = PlacementStatus.COMPLETED
    placement.finished_at = clock.now()
    db.flush()
    response = {
        "placement": PlacementSummary.model_validate(placement).model_dump(mode="json"),
        "results": [_placed_json(placed) for placed in outcomes],
        "possible_same_person": [
            {"client_reference": a, "other_client_reference": b, "shares": shared}
            for a, b, shared in pairs_of(db, placement.id)
        ],
    }
    placement.response = response
    db.flush()
    return response, True


def account_action(
    db: Session,
    *,
    client: Client,
    action: str,
    client_reference: str,
    body: dict[str, Any],
) -> Placed:
    """One maintenance instruction for one open account, from the API."""
    rules, _ = rules_for(db, client, None)
    values = {"client_reference": client_reference, "action": action}

    def refused(column: str, message: str) -> Placed:
        return Placed(1, client_reference, "rejected", None, (RowError(1, column, message),))

    if problem := bad_character(client_reference):
        return refused("client_reference", problem)
    for key, value in body.items():
        text = _json_text(value)
        if key not in BY_NAME or key in ("client_reference", "action") or text is None:
            return refused(str(key)[:60], "is not a field of this action")
        if problem := bad_character(text):
            return refused(key, problem)
        values[key] = text
    result = validate_maintenance(validator_for(_API_MAPPING, rules), 1, values)
    if isinstance(result, list):
        return Placed(1, client_reference, "rejected", None, tuple(result))
    return maintaining.apply(db, client_id=client.id, placement_id=None, items=[result])[0]
