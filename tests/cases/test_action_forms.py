"""The case page's action forms: each refuses in the page's words, the first refusal in
the form's order, and a refusal is a ``CaseError`` naming its field and control."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from agency.cases import schemas
from agency.cases.errors import CaseError
from agency.cases.models import CaseStatus
from agency.kit.forms import FormError

ZONES = ["America/Chicago", "America/New_York"]


def refusal(form: type[schemas.ActionForm], values: dict[str, object], **context: object) -> str:
    with pytest.raises(CaseError) as refused:
        schemas.read_action(form, values, **context)
    return str(refused.value)


def test_a_case_error_shows_on_the_control_of_its_subject() -> None:
    error = CaseError("date", "cannot be in the past")
    assert isinstance(error, FormError)
    assert str(error) == "date: cannot be in the past"
    assert error.errors["due_date"] == "cannot be in the past"
    # A subject the case page has no control for: the sentence only.
    assert CaseError("case", "it is not in a team pool").errors == {
        "__all__": "Case: it is not in a team pool"
    }


def test_compliance_wording_reads_as_a_case_error() -> None:
    error = CaseError.worded("attorney name: required")
    assert (error.subject, error.message) == ("attorney name", "required")
    assert error.errors["attorney_name"] == "required"


@pytest.mark.parametrize(
    ("form", "values", "message"),
    [
        (schemas.CallForm, {"contact_point_id": "x"}, "phone: choose one"),
        (schemas.CallForm, {"contact_point_id": "1" * 19}, "phone: choose one"),
        (schemas.OutcomeForm, {"attempt_id": "", "outcome": "no_answer"}, "attempt: choose one"),
        (
            schemas.CallbackForm,
            {"zone": "Europe/Paris", "due_at": "x"},
            "time: choose one of the consumer's time zones",
        ),
        (schemas.CallbackForm, {"due_at": "soon"}, "time: a date and time, YYYY-MM-DD HH:MM"),
        (
            schemas.CallbackForm,
            {"due_at": "2026-12-05T10:00+01:00"},
            "time: give the consumer's local time",
        ),
        (schemas.DisputeForm, {"received": ""}, "received: a date, YYYY-MM-DD"),
        (
            schemas.InconvenientTimeForm,
            {"from": "09:00", "to": "10:00", "days": ["1", "Tue"]},
            "inconvenient time: days are Monday to Sunday",
        ),
        (schemas.PointForm, {}, "contact point: choose one"),
        (schemas.PhoneForm, {"contact_point_id": "-3"}, "phone: choose one"),
        (schemas.StatusForm, {"to": "done"}, "status: choose the new status"),
        (schemas.StatusForm, {"to": "closed", "close_reason": "bored"}, "close reason: choose one"),
    ],
)
def test_each_form_refuses_in_the_pages_words(
    form: type[schemas.ActionForm], values: dict[str, object], message: str
) -> None:
    assert refusal(form, values, currency="USD", zones=lambda: ZONES) == message


def test_blank_controls_are_no_value() -> None:
    call = schemas.read_action(schemas.CallForm, {"contact_point_id": " "})
    assert call.contact_point_id is None
    status = schemas.read_action(schemas.StatusForm, {"to": "closed", "close_reason": ""})
    assert (status.to, status.close_reason) == (CaseStatus.CLOSED, None)
    attorney = schemas.read_action(
        schemas.AttorneyForm, {"attorney_name": "Lee", "attorney_phone": "", "attorney_email": "x"}
    )
    assert (attorney.attorney_phone, attorney.attorney_address) == (None, None)


def test_forms_read_what_the_actions_take() -> None:
    callback = schemas.read_action(
        schemas.CallbackForm, {"zone": "", "due_at": "2026-12-05T10:00"}, zones=lambda: ZONES
    )
    assert callback.zone == ZONES[0]
    assert callback.at == datetime.fromisoformat("2026-12-05T10:00-06:00")
    times = schemas.read_action(
        schemas.InconvenientTimeForm, {"from": "21:00", "to": "08:00", "days": ["5", "6"]}
    )
    assert (times.start, times.end, times.days) == ("21:00", "08:00", [5, 6])
    dispute = schemas.read_action(schemas.DisputeForm, {"written": "on", "received": "2026-01-02"})
    assert (dispute.written, dispute.received) == (True, date(2026, 1, 2))
