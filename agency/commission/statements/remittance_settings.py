"""How a client is remitted and how often its statements come: a statement a period
for the whole client (weekly, fortnightly, monthly), paid by ACH credit to its bank
account or by cheque.  A change of frequency applies from the next period opened; the
open period keeps its end.  For ACH, the account as the bank must have it: a name the
file can carry, a routing number whose check digit holds, the account number; its
screens show the account masked.  Flushes, never commits."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from agency.commission.kinds import AccountType, Frequency, RemittanceMethod
from agency.commission.models import ClientRemittance
from agency.commission.nacha import SEC_CODES, routing_number_valid
from agency.commission.refusals import StatementRefused
from agency.kit.masking import last_four

_E = TypeVar("_E", Frequency, RemittanceMethod, AccountType)
_NAME = re.compile(r"[A-Za-z0-9 .,\-/&'()#*+:;?!@$%]{1,22}")
_ACCOUNT = re.compile(r"[0-9A-Za-z-]{1,17}")


@dataclass(frozen=True, slots=True)
class RemittanceInput:
    frequency: str
    method: str
    account_name: str = ""
    routing_number: str = ""
    account_number: str = ""
    account_type: str = AccountType.CHECKING.value
    sec_code: str = "CCD"
    cheque_payee: str = ""
    cheque_address: str = ""


def settings_of(db: Session, client_id: int) -> ClientRemittance | None:
    return db.scalar(select(ClientRemittance).where(ClientRemittance.client_id == client_id))


def masked_account(number: str) -> str:
    return last_four(number, "••••")


def save_settings(
    db: Session, *, client_id: int, values: RemittanceInput, by_user_id: int | None
) -> ClientRemittance:
    """Save the client's settings, refused whole at the first field that is wrong.
    An ACH account number left empty on a change keeps the one saved (the form never
    shows it whole)."""
    frequency = _choice("frequency", values.frequency, Frequency)
    method = _choice("method", values.method, RemittanceMethod)
    current = settings_of(db, client_id)
    fields: dict[str, object] = {"frequency": frequency, "method": method}
    if method is RemittanceMethod.ACH:
        name = " ".join(values.account_name.split())
        if not _NAME.fullmatch(name):
            raise StatementRefused(
                "account_name",
                "is the account holder's name as the bank has it: 1 to 22 letters, digits, "
                "spaces and common punctuation",
            )
        routing = values.routing_number.strip()
        if not routing_number_valid(routing):
            raise StatementRefused(
                "routing_number", "must be 9 digits with a valid check digit (an ABA number)"
            )
        account = values.account_number.strip().replace(" ", "")
        if not account and current is not None and current.account_number:
            account = current.account_number
        if not _ACCOUNT.fullmatch(account):
            raise StatementRefused(
                "account_number", "must be 1 to 17 digits or letters (hyphens allowed)"
            )
        if values.sec_code not in SEC_CODES:
            raise StatementRefused(
                "sec_code", "must be CCD (a business account) or PPD (a personal account)"
            )
        fields |= {
            "account_name": name.upper(),
            "routing_number": routing,
            "account_number": account.upper(),
            "account_type": _choice("account_type", values.account_type, AccountType),
            "sec_code": values.sec_code,
        }
    else:
        payee = " ".join(values.cheque_payee.split())
        address = values.cheque_address.strip()
        if not 1 <= len(payee) <= 120:
            raise StatementRefused("cheque_payee", "is required: who the cheque is made out to")
        if not 1 <= len(address) <= 300:
            raise StatementRefused("cheque_address", "is required: where the cheque is mailed")
        fields |= {"cheque_payee": payee, "cheque_address": address}
    row = current or ClientRemittance(client_id=client_id)
    for name, value in fields.items():
        setattr(row, name, value)
    row.updated_by_id = by_user_id
    db.add(row)
    db.flush()
    return row


def _choice(field: str, value: str, kind: type[_E]) -> _E:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise StatementRefused(field, f"must be one of {allowed}") from None
