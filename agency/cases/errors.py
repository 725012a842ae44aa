"""``CaseError``: a case action refused, with the field it is about in the words of the
sentence a person reads, and the case page's control each such field belongs on."""

from __future__ import annotations

from agency.kit.forms import FormError

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


class CaseError(FormError):
    """A case action that cannot be done: ``subject`` is what is wrong as the sentence
    names it ("date"), ``message`` why ("cannot be in the past").

    ``str()`` is the two as one line ("date: cannot be in the past"); ``errors`` holds that
    line as a sentence for the whole form ("Date: cannot be in the past") and ``message``
    on the subject's control (``due_date``) when the case page has one.
    """

    def __init__(self, subject: str, message: str) -> None:
        self.subject = subject
        self.message = message
        line = f"{subject}: {message}"
        errors = {"__all__": line[:1].upper() + line[1:]}
        if subject in CONTROLS:
            errors[CONTROLS[subject]] = message
        super().__init__(errors)

    def __str__(self) -> str:
        return f"{self.subject}: {self.message}"

    @classmethod
    def worded(cls, line: str) -> CaseError:
        """Another domain's refusal worded "subject: message" (a ``ComplianceError``'s),
        as the case page shows its own."""
        subject, _, message = line.partition(":")
        return cls(subject.strip(), message.strip())
