"""The fee schedule editor through the app, as an admin uses it: the form as rendered
(every field, blank rows included) changed and posted; refusals named by their field or
as the overlaps and gaps; a sample payment explained; other roles kept out."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.commission.models import FeeScheduleVersion
from tests.fixtures.factories import ContractFactory, UserFactory
from tests.fixtures.forms import rendered_form
from tests.fixtures.web import post_form, sign_in


def _editor(client: TestClient, contract_id: int, client_id: int) -> tuple[str, str]:
    url = f"/admin/clients/{client_id}/contracts/{contract_id}/fees"
    page = client.get(url)
    assert page.status_code == 200, page.text
    return url, page.text


def test_an_admin_publishes_a_tiered_schedule_from_the_rendered_form(
    client: TestClient, db: Session
) -> None:
    contract = ContractFactory()
    sign_in(client, db, UserFactory(role=Role.ADMIN, full_name="Ada Admin"))
    url, page = _editor(client, contract.id, contract.client_id)
    assert "every payment earns the contract's flat rate of 25.000 %" in page
    action, fields, options = rendered_form(page, "fee-form")
    assert fields["tier-1-rate"] == "25.000" and fields["tier-2-rate"] == ""  # blank rows
    assert options["tier-1-stage"] == ["", "early", "collection"]
    fields.pop("csrf_token")
    filled = {
        **fields,
        "tier-1-rate": "20", "tier-1-age_to": "90",
        "tier-2-rate": "25", "tier-2-age_from": "91",
        "legal_rate": "40", "reason": "addendum 3",
        "clearing_card_days": "3",
        "action": "publish",
    }  # fmt: skip
    published = post_form(client, action or url, filled)
    assert published.status_code == 303
    version = db.scalars(select(FeeScheduleVersion)).one()
    assert (fields["clearing_ach_days"], version.clearing_card_days, version.clearing_ach_days) == (
        "5",
        3,
        5,
    )
    assert version.tiers == [
        {"rate": "20", "placement_age_days": [0, 90]},
        {"rate": "25", "placement_age_days": [91, None]},
    ]
    _, again = _editor(client, contract.id, contract.client_id)
    assert "addendum 3" in again and "by Ada Admin" in again and "Publish version 2" in again
    _, fields, _ = rendered_form(again, "fee-form")
    assert (fields["tier-2-age_from"], fields["tier-2-age_to"]) == (
        "91",
        "",
    )  # the next starts here


def test_overlaps_and_gaps_are_refused_by_name(client: TestClient, db: Session) -> None:
    contract = ContractFactory()
    sign_in(client, db, UserFactory(role=Role.ADMIN))
    url, page = _editor(client, contract.id, contract.client_id)
    action, fields, _ = rendered_form(page, "fee-form")
    fields.pop("csrf_token")
    overlapping = {
        **fields,
        "tier-1-rate": "20", "tier-1-age_to": "100",
        "tier-3-rate": "25", "tier-3-age_from": "91", "tier-3-age_to": "x",
        "reason": "new", "action": "publish",
    }  # fmt: skip
    refused = post_form(client, action or url, overlapping)
    assert refused.status_code == 422
    assert "must be a whole number of days" in refused.text
    overlapping["tier-3-age_to"] = ""
    refused = post_form(client, action or url, overlapping)
    assert refused.status_code == 422
    assert "tiers 1 and 2 overlap: both cover placement age 91–100 days" in refused.text
    gapped = {**overlapping, "tier-1-age_to": "80"}
    refused = post_form(client, action or url, gapped)
    assert "no tier covers placement age 81–90 days" in refused.text
    assert db.scalars(select(FeeScheduleVersion)).all() == []


def test_a_sample_payment_is_explained_without_publishing(client: TestClient, db: Session) -> None:
    contract = ContractFactory()
    sign_in(client, db, UserFactory(role=Role.ADMIN))
    url, page = _editor(client, contract.id, contract.client_id)
    action, fields, _ = rendered_form(page, "fee-form")
    fields.pop("csrf_token")
    sample = {
        **fields,
        "tier-1-rate": "20", "tier-1-age_to": "90",
        "tier-2-rate": "25", "tier-2-age_from": "91",
        "sample_age": "103", "sample_balance": "1200.00", "sample_amount": "12.34",
        "action": "explain",
    }  # fmt: skip
    explained = post_form(client, action or url, sample)
    assert explained.status_code == 200
    assert (
        "25.000 %: tier 2, placement age 91 days or more; payment on day 103: "
        "commission 3.09 USD." in explained.text
    )
    assert db.scalars(select(FeeScheduleVersion)).all() == []


def test_only_admins_open_the_editor(client: TestClient, db: Session) -> None:
    contract = ContractFactory()
    sign_in(client, db, UserFactory(role=Role.SUPERVISOR))
    answer = client.get(f"/admin/clients/{contract.client_id}/contracts/{contract.id}/fees")
    assert answer.status_code == 403


def test_clearing_days_out_of_range_are_refused_at_their_field(
    client: TestClient, db: Session
) -> None:
    contract = ContractFactory()
    sign_in(client, db, UserFactory(role=Role.ADMIN))
    url, page = _editor(client, contract.id, contract.client_id)
    action, fields, _ = rendered_form(page, "fee-form")
    fields.pop("csrf_token")
    filled = {**fields, "clearing_ach_days": "31", "reason": "r", "action": "publish"}
    refused = post_form(client, action or url, filled)
    assert refused.status_code == 422
    assert "must be a whole number of business days, 0 to 30" in refused.text
    assert (
        'id="f-clearing_ach_days" name="clearing_ach_days" type="text" value="31"' in refused.text
    )
    assert db.scalar(select(func.count()).select_from(FeeScheduleVersion)) == 0
