"""The case page's arrangements panel through the app: shown to whoever may see the case,
the builder to whoever may work it; its form posted as rendered (every control, blank
ones included) to preview and then to make; refusals next to their control."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agency.auth.models import Role, User
from agency.kit import clock
from agency.payments.models import PaymentPlan, PlanStatus
from tests.fixtures.compliance import OFFICE_HOURS, Debtor
from tests.fixtures.factories import ClientFactory, UserFactory
from tests.fixtures.forms import forms_of, rendered_form
from tests.fixtures.web import post_form, sign_in
from tests.payments.arrangements.conftest import contract_of

PANEL = {"HX-Request": "true", "HX-Target": "case-arrangements"}


@pytest.fixture(autouse=True)
def frozen() -> Any:
    with clock.frozen(OFFICE_HOURS):
        yield


def count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(PaymentPlan)) or 0


def builder(html: str, **changes: str) -> tuple[str, dict[str, str]]:
    """The builder form as rendered, every control, with the user's changes."""
    action, fields, options = rendered_form(html, "arrangement-builder")
    assert set(changes) <= set(fields), sorted(set(changes) - set(fields))
    for name, value in changes.items():
        if name in options:
            assert value in options[name], (name, options[name])
    fields.pop("csrf_token", None)
    return action, {**fields, **changes}


def test_preview_then_make_a_plan_from_the_rendered_form(
    client: TestClient, db: Session, agent: User, debtor: Debtor
) -> None:
    sign_in(client, db, agent)
    case_id = debtor.case.id
    page = client.get(f"/cases/{case_id}/arrangements", headers=PANEL)
    assert page.status_code == 200
    assert 'id="arrangement-none"' in page.text and "<html" not in page.text
    action, values = builder(
        page.text, kind="plan", first_due="2025-06-20", frequency="monthly", count="3"
    )
    assert action == f"/cases/{case_id}/arrangements"
    assert values["total"] == values["installment"] == values["down_amount"] == ""
    preview = post_form(client, f"{action}/preview", values, headers=PANEL)
    assert preview.status_code == 200
    assert "within the client's authority" in preview.text
    assert "2025-07-21" in preview.text and "$35.00" in preview.text
    assert count(db) == 0  # a preview writes nothing
    # Make, from the form the preview rendered: its token and values kept.
    action, again = builder(preview.text)
    assert again["count"] == "3" and again["token"] == values["token"]
    made = post_form(client, action, again, headers=PANEL)
    assert made.status_code == 200
    assert "The plan of $105.00 is active." in made.text
    assert 'id="arrangement-current"' in made.text and "2025-08-20" in made.text
    # The same form posted twice makes one arrangement.
    assert post_form(client, action, again, headers=PANEL).status_code == 200
    assert count(db) == 1
    # Cancelling, from its rendered form: the reason is required.
    [cancel] = [f for f in forms_of(made.text) if f.id == "arrangement-cancel"]
    blank = post_form(client, cancel.action, dict(cancel.pairs) | {"csrf_token": ""})
    assert blank.status_code == 422 and "Reason say why the arrangement is cancelled" in blank.text
    done = post_form(client, cancel.action, {"reason": "paid elsewhere"}, headers=PANEL)
    assert "The plan is cancelled." in done.text
    db.expire_all()
    assert db.scalars(select(PaymentPlan.status)).all() == [PlanStatus.CANCELLED]


def test_a_promise_from_the_panel_and_an_offer_waiting_for_approval(
    client: TestClient, db: Session, agent: User, debtor: Debtor
) -> None:
    contract_of(db, debtor.case).max_months = 1
    sign_in(client, db, agent)
    page = client.get(f"/cases/{debtor.case.id}/arrangements")
    action, values = builder(page.text, kind="promise", total="$50.25", first_due="2025-06-20")
    made = post_form(client, action, values)
    assert made.status_code == 303
    shown = client.get(f"/cases/{debtor.case.id}/arrangements").text
    assert "Promise of $50.25" in shown
    action, values = builder(
        shown, kind="plan", first_due="2025-06-20", frequency="monthly", count="3"
    )
    post_form(client, action, values)
    waiting = client.get(f"/cases/{debtor.case.id}/arrangements").text
    assert "waiting for approval" in waiting and "max_months" in waiting
    assert "Earlier arrangements" not in waiting or "Promise of $50.25" in waiting


@pytest.mark.parametrize(
    ("changes", "control", "message"),
    [
        ({"kind": "plan", "count": "many"}, "count", "must be a whole number from 1 to 120"),
        ({"kind": "promise", "total": "50.255"}, "total", "more than 2 decimal places"),
        ({"kind": "promise", "total": "500"}, "total", "is more than the balance"),
        ({"kind": "promise", "total": "5", "first_due": "soon"}, "first_due", "must be a date"),
        ({"kind": "promise", "total": "5", "first_due": "2025-01-01"}, "first_due", "before today"),
        ({"kind": "plan", "down_amount": "10"}, "down_due", "give both"),
        (
            {"kind": "plan", "count": "3", "first_due": "2025-06-20"},
            "frequency",
            "is needed for more",
        ),
    ],
)
def test_a_bad_value_is_shown_next_to_its_control_and_nothing_is_made(
    client: TestClient,
    db: Session,
    agent: User,
    debtor: Debtor,
    changes: dict[str, str],
    control: str,
    message: str,
) -> None:
    sign_in(client, db, agent)
    page = client.get(f"/cases/{debtor.case.id}/arrangements")
    changes = {"first_due": "2025-06-20", **changes}
    action, values = builder(page.text, **changes)
    for url in (f"{action}/preview", action):
        response = post_form(client, url, values)
        assert response.status_code == 422, response.text
        assert f'id="e-arr-{control}"' in response.text and message in response.text
        swapped = post_form(client, url, values, headers=PANEL)
        assert swapped.status_code == 200 and f'id="e-arr-{control}"' in swapped.text
    assert count(db) == 0


def test_merchants_read_their_own_clients_arrangements_only(
    client: TestClient, db: Session, agent: User, debtor: Debtor
) -> None:
    own = UserFactory(role=Role.MERCHANT, client=debtor.client)
    sign_in(client, db, own)
    page = client.get(f"/cases/{debtor.case.id}/arrangements")
    assert page.status_code == 200 and 'id="arrangement-builder"' not in page.text
    forbidden = post_form(
        client, f"/cases/{debtor.case.id}/arrangements", {"kind": "promise", "token": "x" * 32}
    )
    assert forbidden.status_code in (403, 404)
    other = UserFactory(role=Role.MERCHANT, client=ClientFactory())
    sign_in(client, db, other)
    assert client.get(f"/cases/{debtor.case.id}/arrangements").status_code == 404
    preview = post_form(client, f"/cases/{debtor.case.id}/arrangements/preview", {})
    assert preview.status_code == 404
    assert count(db) == 0


def test_another_agents_case_is_read_only(client: TestClient, db: Session, debtor: Debtor) -> None:
    sign_in(client, db, UserFactory(role=Role.AGENT))
    page = client.get(f"/cases/{debtor.case.id}/arrangements")
    assert page.status_code == 200 and 'id="arrangement-builder"' not in page.text
    refused = post_form(client, f"/cases/{debtor.case.id}/arrangements", {"kind": "promise"})
    assert refused.status_code == 403
