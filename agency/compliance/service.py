"""The compliance domain's public face: what other domains call
(``from agency.compliance import service as compliance``) and the value types that cross
the boundary with it.  Nothing is defined here; each name lives in the module that holds
it, and callers inside compliance import from there:

- ``gate``: the gate (``gate``, its batch form ``gate_many`` for the strategy runner,
  ``what_if``, ``what_if_each``) — every sending path —
  and ``recheck``, the gate asked again just before a queued message leaves;
- ``rehearsal``: ``Rehearsal``, the gate's decisions for a run of contacts to come,
  written nowhere (a strategy's dry run);
- ``recording``: outcomes, inbound contacts and facts appended to the ledger, and an
  allowed attempt taken back before it left (``withdraw``);
- ``templates``: ``Template``, the traits of a message the rules read (a stored
  template's, derived from its text, cross the boundary as one);
- ``policies``: client policies and their versions;
- ``retention``: ``purge_expired``;
- ``gather``: ``consumer_zones``, the consumer's candidate zones as the gate reads them;
- ``collection``: what the facts say about collecting a debt (dispute hold, the rule a
  case is held under, what still stops collection, when its validation notice went);
- ``repository``: the ledger a case page shows, whether a consumer has any, and
  ``calls_barred`` (a contact point's "no calls here" in SQL, for a query that orders or
  filters contact points);
- ``point_flags``: the contact points' flags (``flags_of``, ``flag_words``), and those a
  placement gives its new points (``set_at_placement``);
- ``masking``, ``catalogue``, ``names``: a contact value masked, a rule
  described, who acted on the ledger.
"""

from __future__ import annotations

from agency.compliance.catalogue import RuleDescription, describe
from agency.compliance.collection import (
    dispute_hold,
    hold_rule,
    standing_stops,
    validation_sent_at,
)
from agency.compliance.errors import ComplianceError
from agency.compliance.facts import AttemptChannel, Decision, Outcome
from agency.compliance.gate import (
    GateAsk,
    GateResult,
    Recheck,
    gate,
    gate_many,
    recheck,
    recheck_many,
    what_if,
    what_if_each,
)
from agency.compliance.gather import consumer_zones
from agency.compliance.masking import mask_contact
from agency.compliance.models import EntryKind, FactKind, LedgerEntry, Source
from agency.compliance.names import who
from agency.compliance.point_flags import Flags, flag_words, flags_of, set_at_placement
from agency.compliance.policies import (
    DEFAULT_POLICY,
    current_policy,
    parse_policy_values,
    policy_from_values,
    set_policy,
)
from agency.compliance.recording import (
    CALL_CONSENT_DAYS,
    record_fact,
    record_inbound,
    record_outcome,
    withdraw,
)
from agency.compliance.rehearsal import Rehearsal
from agency.compliance.replies import classify_reply
from agency.compliance.repository import (
    attempt,
    attempt_has_outcome,
    calls_barred,
    case_ledger,
    has_contact_history,
)
from agency.compliance.retention import purge_expired
from agency.compliance.templates import TRAITS, Template

__all__ = [
    "CALL_CONSENT_DAYS",
    "DEFAULT_POLICY",
    "TRAITS",
    "AttemptChannel",
    "ComplianceError",
    "Decision",
    "EntryKind",
    "FactKind",
    "Flags",
    "GateAsk",
    "GateResult",
    "LedgerEntry",
    "Outcome",
    "Recheck",
    "Rehearsal",
    "RuleDescription",
    "Source",
    "Template",
    "attempt",
    "attempt_has_outcome",
    "calls_barred",
    "case_ledger",
    "classify_reply",
    "consumer_zones",
    "current_policy",
    "describe",
    "dispute_hold",
    "flag_words",
    "flags_of",
    "gate",
    "gate_many",
    "has_contact_history",
    "hold_rule",
    "mask_contact",
    "parse_policy_values",
    "policy_from_values",
    "purge_expired",
    "recheck",
    "recheck_many",
    "record_fact",
    "record_inbound",
    "record_outcome",
    "set_at_placement",
    "set_policy",
    "standing_stops",
    "validation_sent_at",
    "what_if",
    "what_if_each",
    "who",
    "withdraw",
]
