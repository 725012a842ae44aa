"""The gate and the case page read the consumer's time zones with one rule
(``compliance.consumer_zones``): where the location signals disagree, both show and use
every zone the consumer may be in."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.compliance import service as compliance
from agency.kit import clock
from tests.fixtures.compliance import OFFICE_HOURS, Debtor, make_debtor
from tests.fixtures.factories import UserFactory
from tests.fixtures.web import sign_in

LOS_ANGELES_PHONE = "+12135550100"  # a geographical number: Pacific time


def _page_zones(client: TestClient, debtor: Debtor) -> list[str]:
    """The zones of the case page's "Local time" line."""
    response = client.get(f"/cases/{debtor.case.id}")
    assert response.status_code == 200
    line = re.search(r'<dd class="local-times">(.*?)</dd>', response.text, re.S)
    assert line is not None
    return re.findall(r"\d\d:\d\d ([A-Za-z_/]+)</span>", line.group(1))


def _gate_zones(db: Session, debtor: Debtor) -> list[str]:
    decision = compliance.what_if(
        db,
        consumer_id=debtor.consumer.id,
        channel="call",
        contact_point_id=debtor.phone.id,
        case_ids=[debtor.case.id],
        at=OFFICE_HOURS,
    )
    return list(decision.timezones)


@pytest.mark.parametrize(
    ("stored", "stated", "expected"),
    [
        # Zones stored at intake (Chicago) and a stated zone (New York): both.
        (["America/Chicago"], "America/New_York", ["America/Chicago", "America/New_York"]),
        # None stored: the Chicago ZIP code and the Los Angeles phone, both.
        ([], None, ["America/Chicago", "America/Los_Angeles"]),
    ],
)
def test_the_gate_and_the_case_page_agree_when_the_signals_disagree(
    client: TestClient,
    db: Session,
    stored: list[str],
    stated: str | None,
    expected: list[str],
) -> None:
    sign_in(client, db, UserFactory(role=Role.ADMIN))
    debtor = make_debtor(phone=LOS_ANGELES_PHONE)
    debtor.consumer.timezones = stored
    debtor.consumer.stated_timezone = stated
    db.flush()
    with clock.frozen(OFFICE_HOURS):
        assert _gate_zones(db, debtor) == expected
        assert list(compliance.consumer_zones(db, consumer=debtor.consumer)) == expected
        assert _page_zones(client, debtor) == expected
