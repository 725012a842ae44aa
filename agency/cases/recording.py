"""What the consumer said, recorded from the case page's Record forms: each form to its
action (``agency.cases.actions``), and the sentence that confirms it."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from agency.cases import actions
from agency.cases.errors import CaseError
from agency.cases.models import Case, CaseStatus
from agency.cases.schemas import (
    ActionForm,
    AttorneyForm,
    BankruptcyForm,
    CallbackForm,
    CeaseForm,
    DeceasedForm,
    DisputeForm,
    InconvenientTimeForm,
    PhoneForm,
    PointForm,
    read_action,
)
from agency.compliance import service as compliance

# What the consumer said, by the ``kind`` its form posts.
RECORD_FORMS: dict[str, type[ActionForm]] = {
    "callback": CallbackForm,
    "dispute": DisputeForm,
    "cease": CeaseForm,
    "attorney": AttorneyForm,
    "inconvenient_time": InconvenientTimeForm,
    "workplace": PointForm,
    "wrong_number": PhoneForm,
    "deceased": DeceasedForm,
    "bankruptcy": BankruptcyForm,
}


def record(db: Session, *, case: Case, actor_id: int, values: Mapping[str, object]) -> str:
    """Record what the posted ``values`` say about ``case`` (their ``kind``: which form);
    the confirmation, in words."""
    kind = str(values.get("kind", ""))
    if kind not in RECORD_FORMS:
        raise CaseError("kind", f"choose one of {', '.join(RECORD_FORMS)}")
    form = read_action(
        RECORD_FORMS[kind],
        values,
        currency=case.currency,
        zones=lambda: compliance.consumer_zones(db, consumer=case.consumer),
    )
    return _record(db, case=case, actor_id=actor_id, form=form)


def _record(db: Session, *, case: Case, actor_id: int, form: ActionForm) -> str:
    match form:
        case CallbackForm():
            actions.record_callback(
                db,
                case=case,
                actor_id=actor_id,
                due_at=form.at,
                contact_point_id=form.contact_point_id,
            )
            return f"Callback set for {form.due_at:%Y-%m-%d %H:%M} ({form.zone})."
        case DisputeForm(written=written, received=received):
            new = actions.record_dispute(
                db, case=case, actor_id=actor_id, written=written, received=received
            )
            if new == CaseStatus.HOLD.value:
                return (
                    "Dispute recorded within the validation period: the case is on hold "
                    "until verification is sent."
                )
            return f"Dispute recorded; the case is {new}."
        case CeaseForm(received=received):
            actions.record_cease(db, case=case, actor_id=actor_id, received=received)
            return "Cease request recorded; the case is on hold."
        case AttorneyForm():
            actions.record_attorney(
                db,
                case=case,
                actor_id=actor_id,
                name=form.attorney_name,
                phone=form.attorney_phone,
                email=form.attorney_email,
                address=form.attorney_address,
            )
            return "Attorney recorded; the case is on hold."
        case InconvenientTimeForm():
            actions.record_inconvenient_time(
                db, case=case, actor_id=actor_id, start=form.start, end=form.end, days=form.days
            )
            return "Inconvenient times recorded."
        case PointForm(contact_point_id=point_id):
            actions.record_workplace_restriction(
                db, case=case, actor_id=actor_id, contact_point_id=point_id
            )
            return "Workplace restriction recorded."
        case PhoneForm(contact_point_id=point_id):
            actions.record_wrong_number(db, case=case, actor_id=actor_id, contact_point_id=point_id)
            return "Wrong number recorded; it will not be called again."
        case DeceasedForm():
            actions.record_deceased(db, case=case, actor_id=actor_id)
            return "Recorded as deceased; the case is closed."
        case BankruptcyForm():
            actions.record_bankruptcy(db, case=case, actor_id=actor_id)
            return "Bankruptcy recorded; the case is closed."
    raise TypeError(f"not a Record form: {type(form).__name__}")
