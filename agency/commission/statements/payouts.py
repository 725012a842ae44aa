"""Paying the remittances due: an ACH credit file (NACHA) for the clients paid by ACH,
or a cheque run for those paid by cheque.  Writing a file takes the remittances it
pays from due to sent in the same transaction (each row locked), and keeps the file,
so a remittance is never in two files and a file is downloaded again as written.
Marking one paid records the bank's reference (the ACH trace or the cheque number).
Flushes, never commits."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from agency.commission.kinds import RemittanceMethod, RemittanceStatus
from agency.commission.models import ClientRemittance, RemittanceFile, RemittancePayout
from agency.commission.nacha import Credit, NachaError, Originator, ach_credit_file
from agency.commission.refusals import StatementRefused
from agency.commission.trust import ledger as trust
from agency.config import get_settings
from agency.kit.scenarios import format_amount

BANK_REFERENCE_MAX = 60
MAX_IN_FILE = 10_000


@dataclass(frozen=True, slots=True)
class Written:
    files: tuple[RemittanceFile, ...]
    count: int


def due(db: Session, method: RemittanceMethod | None = None) -> list[RemittancePayout]:
    query = select(RemittancePayout).where(
        RemittancePayout.status.in_((RemittanceStatus.DUE, RemittanceStatus.SENT))
    )
    if method is not None:
        query = query.where(RemittancePayout.method == method)
    return list(db.scalars(query.order_by(RemittancePayout.id)))


def _locked_due(
    db: Session, method: RemittanceMethod, payout_ids: Sequence[int]
) -> list[RemittancePayout]:
    if not payout_ids:
        raise StatementRefused("remittances", "choose at least one remittance")
    if len(payout_ids) > MAX_IN_FILE:
        raise StatementRefused("remittances", f"at most {MAX_IN_FILE:,} in one file")
    rows = list(
        db.scalars(
            select(RemittancePayout)
            .where(RemittancePayout.id.in_(sorted(set(payout_ids))))
            .order_by(RemittancePayout.id)
            .with_for_update()
            .execution_options(populate_existing=True)  # as the lock holder sees them
        )
    )
    if len(rows) != len(set(payout_ids)):
        raise StatementRefused("remittances", "some of them no longer exist: reload the list")
    for row in rows:
        if row.status is not RemittanceStatus.DUE:
            raise StatementRefused(
                "remittances",
                f"{row.reference} is {row.status.value} already: it is not paid twice",
            )
        if row.method is not method:
            raise StatementRefused("remittances", f"{row.reference} is paid by {row.method.value}")
    return rows


def _accounts(db: Session, client_ids: set[int]) -> dict[int, ClientRemittance]:
    rows = db.scalars(select(ClientRemittance).where(ClientRemittance.client_id.in_(client_ids)))
    return {row.client_id: row for row in rows}


def _originator() -> Originator:
    settings = get_settings()
    if not settings.ach_odfi_routing:
        raise StatementRefused(
            "ach",
            "no ACH originator is set: set AGENCY_ACH_ODFI_ROUTING, AGENCY_ACH_ODFI_NAME, "
            "AGENCY_ACH_COMPANY_NAME and AGENCY_ACH_COMPANY_ID as the bank gave them",
        )
    return Originator(
        destination_routing=settings.ach_odfi_routing,
        destination_name=settings.ach_odfi_name,
        origin_id=settings.ach_company_id,
        origin_name=settings.ach_company_name,
        company_name=settings.ach_company_name,
        company_id=settings.ach_company_id,
    )


def write_ach(
    db: Session,
    *,
    payout_ids: Sequence[int],
    effective_on: date,
    now: datetime,
    by_user_id: int | None,
) -> Written:
    """One NACHA file a SEC code (CCD to business accounts, PPD to personal ones)."""
    rows = _locked_due(db, RemittanceMethod.ACH, payout_ids)
    if any(row.currency != "USD" for row in rows):
        raise StatementRefused("remittances", "ACH pays US dollars only")
    originator = _originator()
    accounts = _accounts(db, {row.client_id for row in rows})
    by_code: dict[str, list[tuple[RemittancePayout, Credit]]] = {}
    for row in rows:
        account = accounts.get(row.client_id)
        if account is None or account.method is not RemittanceMethod.ACH:
            raise StatementRefused(
                "remittances", f"{row.reference}: the client is no longer paid by ACH"
            )
        credit = Credit(
            name=account.account_name,
            routing=account.routing_number,
            account=account.account_number,
            account_type=account.account_type.value,
            amount_minor=row.amount_minor,
            reference=row.reference,
        )
        by_code.setdefault(account.sec_code, []).append((row, credit))
    files = []
    for modifier, (code, pairs) in zip("ABCDEFGHIJ", sorted(by_code.items()), strict=False):
        try:
            content = ach_credit_file(
                originator,
                [credit for _, credit in pairs],
                sec_code=code,
                effective_date=effective_on,
                created_at=now,
                file_id_modifier=modifier,
            )
        except NachaError as exc:
            raise StatementRefused("ach", f"{exc.field}: {exc.message}") from None
        files.append(
            _keep(
                db, RemittanceMethod.ACH, effective_on, [r for r, _ in pairs], content, by_user_id
            )
        )
    return Written(files=tuple(files), count=len(rows))


CHEQUE_COLUMNS = ("reference", "payee", "address", "amount", "currency", "client_id")


def write_cheque_run(
    db: Session, *, payout_ids: Sequence[int], mailed_on: date, by_user_id: int | None
) -> Written:
    """The cheque run: a CSV of each cheque to print (payee, address, amount, and the
    statement reference for the memo line)."""
    rows = _locked_due(db, RemittanceMethod.CHEQUE, payout_ids)
    accounts = _accounts(db, {row.client_id for row in rows})
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CHEQUE_COLUMNS)
    for row in rows:
        account = accounts.get(row.client_id)
        if account is None or account.method is not RemittanceMethod.CHEQUE:
            raise StatementRefused(
                "remittances", f"{row.reference}: the client is no longer paid by cheque"
            )
        writer.writerow(
            [
                row.reference,
                account.cheque_payee,
                account.cheque_address.replace("\r", "").replace("\n", ", "),
                format_amount(row.amount_minor, row.currency),
                row.currency,
                row.client_id,
            ]
        )
    content = buffer.getvalue().encode("utf-8")
    kept = _keep(db, RemittanceMethod.CHEQUE, mailed_on, rows, content, by_user_id)
    return Written(files=(kept,), count=len(rows))


def _keep(
    db: Session,
    method: RemittanceMethod,
    on: date,
    rows: Sequence[RemittancePayout],
    content: bytes,
    by_user_id: int | None,
) -> RemittanceFile:
    currencies = {row.currency for row in rows}
    kept = RemittanceFile(
        method=method,
        effective_on=on,
        count=len(rows),
        total_minor=sum(row.amount_minor for row in rows),
        currency=currencies.pop() if len(currencies) == 1 else "XXX",
        content=content,
        created_by_id=by_user_id,
    )
    db.add(kept)
    db.flush()
    for row in rows:
        row.status = RemittanceStatus.SENT
        row.file_id = kept.id
    db.flush()
    return kept


def mark_paid(
    db: Session,
    *,
    payout_id: int,
    bank_reference: str,
    paid_on: date,
    today: date,
    by_user_id: int | None,
) -> RemittancePayout:
    reference = " ".join(bank_reference.split())
    if not reference:
        raise StatementRefused("bank_reference", "is required: the ACH trace or cheque number")
    if len(reference) > BANK_REFERENCE_MAX:
        raise StatementRefused("bank_reference", f"must be at most {BANK_REFERENCE_MAX} characters")
    if paid_on > today:
        raise StatementRefused("paid_on", "cannot be in the future")
    row = db.scalar(
        select(RemittancePayout)
        .where(RemittancePayout.id == payout_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise StatementRefused("remittance", "does not exist")
    if row.status not in (RemittanceStatus.DUE, RemittanceStatus.SENT):
        raise StatementRefused("remittance", f"is {row.status.value}: it cannot be marked paid")
    row.status = RemittanceStatus.PAID
    row.bank_reference = reference
    row.paid_on = paid_on
    row.paid_by_id = by_user_id
    trust.remittance_paid(db, row, by_user_id=by_user_id)
    db.flush()
    return row
