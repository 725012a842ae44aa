"""The commission domain's enumerations, apart from any ORM model so that
``agency commission evaluate`` (which needs no database) starts without SQLAlchemy."""

from __future__ import annotations

from enum import StrEnum


class Remittance(StrEnum):
    NET = "net"  # we keep our commission and remit the rest
    GROSS = "gross"  # we remit everything and invoice our commission


class Stage(StrEnum):
    EARLY = "early"  # taken before default, at the first failed payment
    COLLECTION = "collection"


class PaidTo(StrEnum):
    AGENCY = "agency"  # the consumer paid us
    CLIENT = "client"  # the consumer paid the client directly (a direct payment)


class ReversalReason(StrEnum):
    NSF = "nsf"
    CHARGEBACK = "chargeback"
    ERROR = "error"


class Frequency(StrEnum):
    """How often a client's statements come: a period's length."""

    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    MONTHLY = "monthly"


class RemittanceMethod(StrEnum):
    ACH = "ach"  # an ACH credit to the client's bank account (a NACHA file)
    CHEQUE = "cheque"  # a cheque in the cheque run


class AccountType(StrEnum):
    CHECKING = "checking"
    SAVINGS = "savings"


class PeriodStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class LineRole(StrEnum):
    """Why an entry is on a statement."""

    PERIOD = "period"  # its day is in the statement's period
    ADJUSTMENT = "adjustment"  # its day is in a period closed before it was posted
    RELEASED = "released"  # listed earlier, uncleared then; its money has cleared now


class RemittanceStatus(StrEnum):
    DUE = "due"
    SENT = "sent"  # in an ACH file or a cheque run, not yet confirmed by the bank
    PAID = "paid"
    WITHDRAWN = "withdrawn"  # its statement was re-opened before it was paid


class TrustKind(StrEnum):
    """A movement of the trust account: money in is positive, out negative."""

    PAYMENT_IN = "payment_in"  # a consumer paid us
    REVERSAL_OUT = "reversal_out"  # that payment came back (NSF, chargeback, error)
    REMITTANCE_OUT = "remittance_out"  # paid to the client
    TO_OPERATING = "to_operating"  # our commission, moved to the operating account
