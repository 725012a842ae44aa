"""``CaseError``: a case action refused, naming its field in the words of the sentence a
person reads; and the case page's control each such field belongs on."""

from __future__ import annotations

from agency.kit.forms import FieldRefusal

# The control of the case page's forms that shows a refusal about each subject.
CONTROLS = {
    "amount": "amount",
    "date": "due_date",
    "time": "due_at",
    "phone": "contact_point_id",
    "contact point": "contact_point_id",
    "received": "received",
    "effective date": "received",
    "attorney name": "attorney_name",
    "attorney": "attorney_name",
    "inconvenient time": "from",
    "note": "body",
    "status": "to",
    "reason": "reason",
    "close reason": "close_reason",
    "outcome": "outcome",
    "attempt": "outcome",
    "kind": "kind",
}


class CaseError(FieldRefusal):
    """A case action that cannot be done: ``CaseError("date", "cannot be in the past")``,
    shown on the case page's control for that subject (``CONTROLS``), if it has one."""

    def __init__(self, subject: str, message: str) -> None:
        super().__init__(subject, message, control=CONTROLS.get(subject))

    @classmethod
    def worded(cls, line: str) -> CaseError:
        """Another domain's refusal worded "subject: message" (a ``ComplianceError``'s),
        as the case page shows its own."""
        subject, _, message = line.partition(":")
        return cls(subject.strip(), message.strip())
