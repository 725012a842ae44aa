"""Every rule id of the rule set, in words a person understands.

Screens show a blocked attempt's rule ids through ``describe(rule_id)``: a short title, the
citation, and one plain sentence an agent can act on.  The ids are stable (the ledger
stores them); ``engine.RULE_SET`` names the version of what they mean.
"""

from __future__ import annotations

from dataclasses import dataclass

from agency.compliance.packs import retention_years

__all__ = ["CATALOGUE", "RuleDescription", "describe", "retention_years"]


@dataclass(frozen=True, slots=True)
class RuleDescription:
    id: str
    title: str
    citation: str
    plain: str
    known: bool = True


def _d(id: str, title: str, citation: str, plain: str) -> RuleDescription:
    return RuleDescription(id=id, title=title, citation=citation, plain=plain)


CATALOGUE: dict[str, RuleDescription] = {
    d.id: d
    for d in (
        _d(
            "US-REGF-TIME",
            "Convenient hours",
            "12 CFR 1006.6(b)(1)(i), (b)(4)",
            "Calls, texts, e-mails and letters are only allowed between 08:00 and 21:00 "
            "where the consumer is; if we are unsure where that is, in every place they "
            "may be.",
        ),
        _d(
            "US-REGF-INCONVENIENT",
            "Times the consumer said are inconvenient",
            "12 CFR 1006.6(b)(1), comment 6(b)(1)-1",
            "The consumer told us this time does not suit them; wait until the time they "
            "gave is over.",
        ),
        _d(
            "US-REGF-7IN7",
            "Seven calls in seven days",
            "12 CFR 1006.14(b)(2)(i)(A), (b)(3)",
            "This debt has already had 7 call attempts in the last 7 days; an 8th call "
            "would be presumed harassment.",
        ),
        _d(
            "US-REGF-7DAY-CONVO",
            "Seven days after a conversation",
            "12 CFR 1006.14(b)(2)(i)(B), (b)(3)",
            "We spoke with the consumer about this debt in the last 7 days; no call about "
            "it until the 8th day.",
        ),
        _d(
            "US-REGF-CEASE",
            "Cease communication",
            "12 CFR 1006.6(c); FDCPA 805(c)",
            "The consumer asked in writing that we stop (or refused to pay); only a notice "
            "that collection is ending or that a specific remedy will be used may be sent.",
        ),
        _d(
            "US-REGF-MEDIUM",
            "A medium the consumer asked us not to use",
            "12 CFR 1006.14(h)",
            "The consumer asked us not to use this number or address (or not to call it); "
            "use another way to reach them.",
        ),
        _d(
            "US-REGF-ATTORNEY",
            "Consumer represented by an attorney",
            "12 CFR 1006.6(b)(2); FDCPA 805(a)(2)",
            "The consumer has an attorney for this debt; contact the attorney, not the consumer.",
        ),
        _d(
            "US-REGF-WORKPLACE",
            "Workplace contact",
            "12 CFR 1006.6(b)(3), 1006.22(f)(3)",
            "The employer forbids contact at this workplace, or this is a work e-mail "
            "address the consumer has not used with us.",
        ),
        _d(
            "US-REGF-EOPTOUT",
            "Electronic opt-out",
            "12 CFR 1006.6(e)",
            "The consumer opted out of texts or e-mails at this number or address, or the "
            "message does not tell them how to opt out.",
        ),
        _d(
            "US-REGF-VALIDATION",
            "Validation notice overdue",
            "12 CFR 1006.34(a)",
            "The validation notice had to be sent within 5 days of the first "
            "communication about this debt; send the validation notice first.",
        ),
        _d(
            "US-REGF-DISPUTE-HOLD",
            "Dispute hold",
            "FDCPA 809(b); 12 CFR 1006.38(d)",
            "The consumer disputed this debt in writing during the validation period; "
            "collection stops until the verification has been sent.",
        ),
        _d(
            "US-REGF-TIMEBARRED",
            "Time-barred debt",
            "12 CFR 1006.26(b)",
            "This debt is past its statute of limitations; no message may threaten a lawsuit.",
        ),
        _d(
            "US-REGF-PASSIVE",
            "No passive credit reporting",
            "12 CFR 1006.30(a)",
            "We may only report this debt to a credit bureau after speaking with the "
            "consumer about it, or 14 days after a letter or e-mail that was not returned.",
        ),
        _d(
            "US-FDCPA-MINIMIRANDA",
            "Debt collector disclosures",
            "FDCPA 807(11); 12 CFR 1006.18(e)",
            "This message lacks the required statement that it is from a debt collector "
            "(and, the first time, that it is an attempt to collect a debt).",
        ),
        _d(
            "US-TCPA-CONSENT",
            "Automated calls and texts need consent",
            "47 USC 227(b)(1)(A)",
            "Autodialed or prerecorded calls and automated texts to a mobile number need "
            "the consumer's prior express consent on that number.",
        ),
        _d(
            "US-TCPA-REVOKE",
            "Consent revoked",
            "FCC 24-24; 47 CFR 64.1200(a)(10)-(12)",
            "The consumer revoked consent for this number (e.g. replied STOP); no texts or "
            "automated calls, except one confirmation text.",
        ),
        _d(
            "US-REGF-RECORDS",
            "Record retention",
            "12 CFR 1006.100",
            "Contact records are kept 3 years after the last collection activity on the "
            "debt (4 years in Washington).",
        ),
        _d(
            "AGENCY-ELECTRONIC-CAP",
            "Text and e-mail cap",
            "12 CFR 1006.14(a); client policy",
            "This debt has had as many texts (or e-mails) this week as the client's policy allows.",
        ),
        _d(
            "US-MA-CALLS",
            "Massachusetts call limit",
            "940 CMR 7.04(1)(f)",
            "Massachusetts allows 2 calls that reached the consumer (or texts) per debt in "
            "7 days to personal numbers, and 2 in 30 days to work numbers.",
        ),
        _d(
            "US-WA-FREQ",
            "Washington contact limits",
            "RCW 19.16.250(13)",
            "Washington allows 3 contacts a week per person, 1 a week at work, 2 calls or "
            "texts a day to a mobile, and calls to a home only from 07:30 to 21:00.",
        ),
        _d(
            "US-NY-DFS",
            "New York call limit and written consent",
            "23 NYCRR 1.6",
            "New York allows 3 call attempts or 1 conversation per debt in 7 days, and "
            "texts or e-mails only with the consumer's written consent.",
        ),
        _d(
            "US-NYC-FREQ",
            "New York City contact limit",
            "6 RCNY 5-77(h)",
            "In New York City more than 2 communications per debt in 7 days are presumed "
            "excessive (legally required notices excepted).",
        ),
        _d(
            "AU-ACCC-FREQ",
            "Australian contact limit",
            "ACCC/ASIC Debt collection guideline, part 2 s.7",
            "Australia allows 3 contacts per account a week and 10 a month.",
        ),
        _d(
            "AU-ACCC-HOURS",
            "Australian contact hours",
            "ACCC/ASIC Debt collection guideline, part 2 s.7",
            "In Australia calls and texts are allowed 07:30-21:00 on weekdays and "
            "09:00-21:00 at weekends, and no calls, texts or e-mails on national public "
            "holidays.",
        ),
        _d(
            "CA-ON-FREQ",
            "Ontario notice wait and contact limit",
            "Collection and Debt Settlement Services Act, O. Reg. 74/95 s.22",
            "In Ontario no contact until 6 days after the written notice was mailed, and "
            "after the first conversation at most 3 contacts in 7 days without consent.",
        ),
        _d(
            "CA-ON-HOURS",
            "Ontario contact hours",
            "O. Reg. 74/95 s.22",
            "In Ontario contact is allowed Monday-Saturday 07:00-21:00 and Sunday "
            "13:00-17:00, never on statutory holidays.",
        ),
        _d(
            "CA-QC-HOURS",
            "Quebec contact hours",
            "Act respecting the collection of certain debts, CQLR c R-2.2 s.3",
            "In Quebec contact is allowed Monday-Saturday 08:00-20:00, never on Sundays or "
            "statutory holidays.",
        ),
        _d(
            "UK-CONC-POLICY",
            "UK fair contact policy",
            "FCA CONC 7.9, 7.3",
            "In the UK we contact only within the client's hours and weekly limit, and "
            "respect every contact preference the customer gave us.",
        ),
        _d(
            "AGENCY-PREFERENCES",
            "Consumer's contact preferences (agency policy)",
            "Agency policy",
            "Outside the US we honour, as our own policy, the consumer's opt-outs, do-not-"
            "call and do-not-use requests, cease requests, representation by an attorney "
            "and times they said are inconvenient.",
        ),
    )
}


def describe(rule_id: str) -> RuleDescription:
    """The title, citation and plain sentence of a rule id.

    An id this rule set does not know (an old ledger entry, a typo) gets a neutral entry
    with ``known=False`` rather than an error, so a screen always has something to show.
    """
    found = CATALOGUE.get(rule_id)
    if found is not None:
        return found
    return RuleDescription(
        id=rule_id,
        title=rule_id,
        citation="",
        plain="This rule id is not part of the current rule set.",
        known=False,
    )
