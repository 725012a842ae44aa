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
