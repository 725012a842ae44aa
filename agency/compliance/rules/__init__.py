"""The rules, one class per rule id (docstrings name the regulation and section).

``base`` holds what a rule sees (``Context``, ``Moment``) and the shared verdicts;
``us_federal``, ``us_states`` and ``other`` the rules themselves; ``..packs`` decides which
apply to whom.
"""

from agency.compliance.rules.base import NEVER, Context, Moment, Rule, Verdict
from agency.compliance.rules.other import (
    AgencyPreferences,
    AuAcccFreq,
    AuAcccHours,
    CaOnFreq,
    CaOnHours,
    CaQcHours,
    UkConcPolicy,
)
from agency.compliance.rules.us_federal import (
    AgencyElectronicCap,
    FdcpaMiniMiranda,
    RegF7DayConvo,
    RegF7in7,
    RegFAttorney,
    RegFCease,
    RegFDisputeHold,
    RegFEOptOut,
    RegFInconvenient,
    RegFMedium,
    RegFPassive,
    RegFTime,
    RegFTimeBarred,
    RegFValidation,
    RegFWorkplace,
    TcpaConsent,
    TcpaRevoke,
)
from agency.compliance.rules.us_states import MaCalls, NycFreq, NyDfs, WaFreq

__all__ = [
    "NEVER",
    "AgencyElectronicCap",
    "AgencyPreferences",
    "AuAcccFreq",
    "AuAcccHours",
    "CaOnFreq",
    "CaOnHours",
    "CaQcHours",
    "Context",
    "FdcpaMiniMiranda",
    "MaCalls",
    "Moment",
    "NyDfs",
    "NycFreq",
    "RegF7DayConvo",
    "RegF7in7",
    "RegFAttorney",
    "RegFCease",
    "RegFDisputeHold",
    "RegFEOptOut",
    "RegFInconvenient",
    "RegFMedium",
    "RegFPassive",
    "RegFTime",
    "RegFTimeBarred",
    "RegFValidation",
    "RegFWorkplace",
    "Rule",
    "TcpaConsent",
    "TcpaRevoke",
    "UkConcPolicy",
    "Verdict",
    "WaFreq",
]
