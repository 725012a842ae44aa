"""The payments domain's enumerations, apart from the ORM models so that the schedule
command (which needs no database) starts without SQLAlchemy."""

from __future__ import annotations

from enum import StrEnum


class PlanKind(StrEnum):
    PROMISE = "promise"  # the consumer promised one payment on a date
    PLAN = "plan"  # the whole balance in installments
    SETTLEMENT = "settlement"  # less than the balance, accepted in full settlement


class PlanStatus(StrEnum):
    PENDING = "pending"  # beyond the client's authority: waiting for a supervisor
    ACTIVE = "active"
    KEPT = "kept"
    BROKEN = "broken"
    CANCELLED = "cancelled"
    REFUSED = "refused"  # a supervisor refused it (with a reason)


class Frequency(StrEnum):
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    MONTHLY = "monthly"


class InstallmentStatus(StrEnum):
    DUE = "due"
    PAID = "paid"
    MISSED = "missed"
    CANCELLED = "cancelled"


class PaymentMethod(StrEnum):
    CARD = "card"
    ACH = "ach"  # a US bank account debit
    BANK_TRANSFER = "bank_transfer"
    CHEQUE = "cheque"
    CASH = "cash"
    DIRECT = "direct"  # the consumer paid the client, who reported it


class ReversalKind(StrEnum):
    NSF = "nsf"  # the cheque or debit bounced: not sufficient funds
    RETURNED_ACH = "returned_ach"
    CHARGEBACK = "chargeback"  # a card dispute lost
    CORRECTION = "correction"  # staff posted it in error


class AttemptStatus(StrEnum):
    PROCESSING = "processing"  # created at the provider, waiting for its answer
    SUCCEEDED = "succeeded"  # posted as ``payment_id``
    FAILED = "failed"  # declined, insufficient funds, cancelled
