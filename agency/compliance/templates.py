"""The message templates the gate knows, with the traits the rules check.

A template is what an SMS, e-mail or letter (or a prerecorded call) says; the rules do not
read its text, they read these traits: which channels it is for, whether it carries the
full mini-Miranda ("this is an attempt to collect a debt and any information obtained will
be used for that purpose", FDCPA 807(11)) or at least the "from a debt collector" line,
whether it tells how to opt out (Reg F 1006.6(e)), whether it threatens suit
(1006.26(b)), and whether it is one of the notices the rules except: a cease exception
(1006.6(c): collection is ending / a specific remedy will be used), the validation notice
(1006.34) or the debt verification (FDCPA 809(b)).

Every collector template that carries the debt-collector line also carries the full
mini-Miranda, so that adding history (turning a "first communication" into a later one)
can never turn a US-FDCPA-MINIMIRANDA block into an allow.
"""

from __future__ import annotations

from dataclasses import dataclass

from agency.compliance.facts import AttemptChannel


@dataclass(frozen=True, slots=True)
class Template:
    id: str
    title: str
    channels: frozenset[AttemptChannel]
    full_mini_miranda: bool = True
    debt_collector_line: bool = True
    opt_out_instruction: bool = False
    threatens_suit: bool = False
    cease_exception: bool = False
    validation_notice: bool = False
    debt_verification: bool = False
    opt_out_confirmation: bool = False

    def traits(self) -> dict[str, bool]:
        """The traits the rules read, by name (what the ledger keeps of a stored template)."""
        return {name: getattr(self, name) for name in TRAITS}


TRAITS = (
    "full_mini_miranda",
    "debt_collector_line",
    "opt_out_instruction",
    "threatens_suit",
    "cease_exception",
    "validation_notice",
    "debt_verification",
    "opt_out_confirmation",
)


def _t(id: str, title: str, *channels: AttemptChannel, **traits: bool) -> Template:
    return Template(id=id, title=title, channels=frozenset(channels), **traits)


TEMPLATES: dict[str, Template] = {
    t.id: t
    for t in (
        _t(
            "validation-notice",
            "Validation notice (Model Form B-1)",
            "letter",
            "email",
            opt_out_instruction=True,
            validation_notice=True,
        ),
        _t(
            "payment-reminder-sms",
            "Payment reminder (text)",
            "sms",
            opt_out_instruction=True,
        ),
        _t(
            "payment-reminder-email",
            "Payment reminder (e-mail)",
            "email",
            opt_out_instruction=True,
        ),
        _t(
            "prerecorded-reminder",
            "Prerecorded payment reminder (voice)",
            "call",
        ),
        _t(
            "cease-confirmation",
            "Confirmation that collection is ending",
            "letter",
            "email",
            opt_out_instruction=True,
            cease_exception=True,
        ),
        _t(
            "remedy-notice",
            "Notice that a specific remedy will be used",
            "letter",
            cease_exception=True,
        ),
        _t(
            "debt-verification",
            "Verification of the debt",
            "letter",
            "email",
            opt_out_instruction=True,
            debt_verification=True,
        ),
        _t(
            "opt-out-confirmation",
            "Confirmation of an opt-out (text or e-mail)",
            "sms",
            "email",
            opt_out_instruction=True,
            opt_out_confirmation=True,
        ),
        _t(
            "suit-notice",
            "Notice of intent to sue",
            "letter",
            threatens_suit=True,
        ),
        # Kept so screens can show why it may no longer be sent: no mini-Miranda, no
        # opt-out instruction.
        _t(
            "callback-request-sms",
            "Legacy call-back request (text; non-compliant)",
            "sms",
            full_mini_miranda=False,
            debt_collector_line=False,
        ),
    )
}


def get(template_id: str) -> Template | None:
    """The template with this id, or None when there is none."""
    return TEMPLATES.get(template_id)


def known_ids() -> tuple[str, ...]:
    return tuple(sorted(TEMPLATES))
