"""The case page's payments panel through the app: forms as rendered, posted whole."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.cases.models import Case
from agency.clients.models import Client
from agency.payments.models import Payment, PaymentMethod, Reversal, ReversalKind
from tests.fixtures.factories import CaseFactory, ClientFactory, UserFactory
from tests.fixtures.forms import rendered_form
from tests.fixtures.web import post_form, sign_in


def panel(client: TestClient, case: Case) -> str:
    page = client.get(f"/cases/{case.id}/payments")
    assert page.status_code == 200
    return page.text


def test_staff_post_and_reverse_a_payment_from_the_panel(client: TestClient, db: Session) -> None:
    case = CaseFactory(principal_minor=10_000, interest_minor=500)
    sign_in(client, db, UserFactory(role=Role.SUPERVISOR, full_name="Sue Visor"))
    assert "No payments yet." in panel(client, case)
    action, fields, options = rendered_form(panel(client, case), "post-payment-form")
    assert options["method"] == ["cheque", "cash", "bank_transfer", "card"]
    assert fields["effective_on"] == "" and fields["installment_id"] == ""
    fields.pop("csrf_token")
    filled = {**fields, "amount": "12.50", "reference": "cheque 0042"}
    assert post_form(client, action, filled).status_code == 303
    assert post_form(client, action, filled).status_code == 303  # the same form again
    payment = db.scalars(select(Payment)).one()
    assert (payment.amount_minor, payment.method, payment.interest_minor) == (
        1_250,
        PaymentMethod.CHEQUE,
        500,
    )
    shown = panel(client, case)
    assert "cheque 0042" in shown and "Sue Visor" in shown and "$92.50" in shown
    # Our commission on it, and why (the factory's contract: a flat 25 %).
    assert "<summary>$3.13</summary>" in shown  # 25 % of 12.50 is 3.125: half-up
    assert "25.000 %: the contract&#39;s flat rate (no fee schedule)" in shown
    action, fields, options = rendered_form(shown, f"reverse-{payment.id}")
    fields.pop("csrf_token")
    assert options["kind"] == [k.value for k in ReversalKind]
    refused = post_form(client, action, fields)  # the reason left blank
    assert refused.status_code == 422
    assert "is required: say what happened" in refused.text
    assert post_form(client, action, {**fields, "reason": "bounced"}).status_code == 303
    assert db.scalar(select(func.count()).select_from(Reversal)) == 1
    db.expire_all()
    assert db.get_one(Case, case.id).balance.minor == 10_500
    assert "reversed" in panel(client, case)


def test_a_refused_payment_comes_back_with_the_message_by_its_field(
    client: TestClient, db: Session
) -> None:
    case = CaseFactory(principal_minor=10_000, interest_minor=500)
    sign_in(client, db, UserFactory(role=Role.ADMIN))
    action, fields, _ = rendered_form(panel(client, case), "post-payment-form")
    fields.pop("csrf_token")
    for changes, message, field in [
        ({"amount": "1.234"}, "1.234 has more than 2 decimal places for USD", "amount"),
        ({"amount": "-5"}, "must be more than zero", "amount"),
        ({"amount": ""}, "is required", "amount"),
        ({"amount": "200"}, "$200.00 is more than the open balance of $105.00", "amount"),
        ({"amount": "5", "received_on": "2999-01-01"}, "cannot be in the future", "received_on"),
        ({"amount": "5", "effective_on": "soon"}, "must be a date", "effective_on"),
    ]:
        answer = post_form(client, action, {**fields, **changes})
        assert answer.status_code == 422, changes
        assert f'<span class="error" id="e-pay-{field}">{message}' in answer.text, changes
    assert db.scalar(select(func.count()).select_from(Payment)) == 0


def test_merchants_read_their_own_and_never_another_clients(
    client: TestClient, db: Session
) -> None:
    case = CaseFactory()
    own = UserFactory(role=Role.MERCHANT, client=db.get_one(Client, case.client_id))
    other = UserFactory(role=Role.MERCHANT, client=ClientFactory())
    sign_in(client, db, own)
    shown = panel(client, case)
    assert "post-payment-form" not in shown and "Balance itemized" in shown
    sign_in(client, db, other)
    assert client.get(f"/cases/{case.id}/payments").status_code == 404
    answer = post_form(client, f"/cases/{case.id}/payments", {"amount": "1"})
    assert answer.status_code == 404
