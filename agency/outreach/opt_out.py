"""The e-mail opt-out link (Reg F 1006.6(e): every e-mail states a simple way to opt
out): a signed URL naming the contact point, which records the opt-out when followed —
one click in a mail program (RFC 8058's POST) or a button on the page it opens."""

from __future__ import annotations

from sqlalchemy.orm import Session

from agency.compliance import service as compliance
from agency.config import get_settings
from agency.kit import signed

PURPOSE = "email-opt-out"
PATH = "/opt-out"


def opt_out_url(*, consumer_id: int, contact_point_id: int) -> str:
    token = signed.sign(PURPOSE, {"c": consumer_id, "p": contact_point_id})
    return f"{get_settings().public_url.rstrip('/')}{PATH}/{token}"


def point_of(token: str) -> tuple[int, int]:
    """(consumer id, contact point id) of a link; ValueError when it is not ours."""
    payload = signed.unsign(PURPOSE, token)
    consumer_id, point_id = payload.get("c"), payload.get("p")
    if not isinstance(consumer_id, int) or not isinstance(point_id, int):
        raise ValueError("the link is not valid")
    return consumer_id, point_id


def opt_out(db: Session, token: str) -> None:
    """Record the opt-out the link asks for (again is harmless: the point stays out)."""
    consumer_id, point_id = point_of(token)
    compliance.record_fact(
        db,
        consumer_id=consumer_id,
        kind=compliance.FactKind.OPT_OUT,
        actor_id=None,
        source=compliance.Source.CONSUMER,
        contact_point_id=point_id,
        detail={"note": "opted out with the e-mail's link"},
    )
