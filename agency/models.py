"""Every ORM model, imported once so that metadata (Alembic, tests) sees all tables."""

from agency.auth.models import LoginFailure, User, UserSession
from agency.cases.models import (
    AgentProfile,
    AssignmentChange,
    AssignmentRule,
    BalanceAdjustment,
    Callback,
    Case,
    CaseNote,
    Consumer,
    ConsumerPair,
    ContactPoint,
    StatusChange,
    Team,
)
from agency.clients.models import ApiKey, Client, Contract
from agency.compliance.models import (
    ClientPolicy,
    ComplianceFact,
    LedgerAlarm,
    LedgerAlarmAck,
    LedgerCase,
    LedgerEntry,
    LedgerRuleHit,
    LedgerVerification,
)
from agency.db import Base
from agency.outreach.models import (
    ClientSender,
    InboundMessage,
    MessageTemplate,
    OutboxEvent,
    OutboxMessage,
    TemplateVersion,
)
from agency.payments.models import Installment, PaymentPlan
from agency.referrals.models import Layout, Placement, PlacementRejection

__all__ = [
    "AgentProfile",
    "ApiKey",
    "AssignmentChange",
    "AssignmentRule",
    "BalanceAdjustment",
    "Base",
    "Callback",
    "Case",
    "CaseNote",
    "Client",
    "ClientPolicy",
    "ClientSender",
    "ComplianceFact",
    "Consumer",
    "ConsumerPair",
    "ContactPoint",
    "Contract",
    "InboundMessage",
    "Installment",
    "Layout",
    "LedgerAlarm",
    "LedgerAlarmAck",
    "LedgerCase",
    "LedgerEntry",
    "LedgerRuleHit",
    "LedgerVerification",
    "LoginFailure",
    "MessageTemplate",
    "OutboxEvent",
    "OutboxMessage",
    "PaymentPlan",
    "Placement",
    "PlacementRejection",
    "StatusChange",
    "Team",
    "TemplateVersion",
    "User",
    "UserSession",
]
