"""Every ORM model, imported once so that metadata (Alembic, tests) sees all tables."""

from agency.auth.models import LoginFailure, User, UserSession
from agency.cases.models import BalanceAdjustment, Case, Consumer, ContactPoint
from agency.clients.models import ApiKey, Client, Contract
from agency.compliance.models import (
    ClientPolicy,
    ComplianceFact,
    LedgerCase,
    LedgerEntry,
    LedgerRuleHit,
    LedgerVerification,
)
from agency.db import Base
from agency.referrals.models import Layout, Placement, PlacementRejection

__all__ = [
    "ApiKey",
    "BalanceAdjustment",
    "Base",
    "Case",
    "Client",
    "ClientPolicy",
    "ComplianceFact",
    "Consumer",
    "ContactPoint",
    "Contract",
    "Layout",
    "LedgerCase",
    "LedgerEntry",
    "LedgerRuleHit",
    "LedgerVerification",
    "LoginFailure",
    "Placement",
    "PlacementRejection",
    "User",
    "UserSession",
]
