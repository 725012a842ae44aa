"""The supervisors' approval queue page: the offers waiting, oldest first, with what a
supervisor decides on; approve or refuse from the rendered form; supervisors and admins
only."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from agency.auth.models import Role, User
from agency.kit import clock
from agency.payments.arrangements import making
from agency.payments.models import PaymentPlan, PlanStatus
from tests.fixtures.compliance import OFFICE_HOURS, Debtor, make_debtor
from tests.fixtures.factories import UserFactory
from tests.fixtures.forms import rendered_form
from tests.fixtures.web import post_form, sign_in
from tests.payments.arrangements.conftest import contract_of, plan, settlement

JUNE_20 = date(2025, 6, 20)


def test_the_queue_lists_offers_oldest_first_and_decides_them(
    client: TestClient, db: Session, agent: User, debtor: Debtor
) -> None:
    contract_of(db, debtor.case).max_months = 1
    other = make_debtor(first_name="Cy", last_name="Ode", reference="AC-2")
    with clock.frozen(OFFICE_HOURS):
        older = making.propose(
            db, case_id=other.case.id, offer=settlement(5_000, JUNE_20), by_user_id=None
        )
    with clock.frozen(OFFICE_HOURS + timedelta(hours=1)):
        newer = making.propose(
            db, case_id=debtor.case.id, offer=plan(JUNE_20, 3), by_user_id=agent.id
        )
    boss = UserFactory(role=Role.SUPERVISOR, full_name="Sam Supervisor")
    sign_in(client, db, boss)
    with clock.frozen(OFFICE_HOURS + timedelta(hours=2)):
        page = client.get("/approvals")
        assert page.status_code == 200
        text = page.text
        assert 'href="/approvals" aria-current="page"' in text  # in the supervisor's nav
        assert text.index(f'id="offer-{older.id}"') < text.index(f'id="offer-{newer.id}"')
        assert "AC-1" in text and "Dana Lind" in text and debtor.client.name in text
        assert "Plan of <strong>$105.00</strong>" in text and "max_months" in text
        assert "settlement_floor" in text and "the consumer, on their page" in text
        assert "2025-08-20" in text  # the schedule
        # Refuse without a reason, as rendered: the reason is asked for, nothing decided.
        action, fields, _ = rendered_form(text, f"decide-{newer.id}")
        refused = post_form(client, action, fields | {"decision": "refuse"})
        assert refused.status_code == 422 and "say why the offer is refused" in refused.text
        approved = post_form(client, action, fields | {"decision": "approve"})
        assert approved.status_code == 303
        after = client.get("/approvals").text
        assert "The plan of $105.00 is approved: it is active." in after
        assert f'id="offer-{newer.id}"' not in after
        again = post_form(client, action, fields | {"decision": "refuse", "reason": "late"})
        assert again.status_code == 422 and "already decided by Sam Supervisor" in again.text
    db.expire_all()
    assert db.get_one(PaymentPlan, newer.id).status is PlanStatus.ACTIVE
    assert db.get_one(PaymentPlan, older.id).status is PlanStatus.PENDING


def test_only_supervisors_and_admins_see_the_queue(
    client: TestClient, db: Session, agent: User
) -> None:
    sign_in(client, db, agent)
    assert client.get("/approvals").status_code == 403
    assert post_form(client, "/approvals/1", {"decision": "approve"}).status_code == 403
    sign_in(client, db, UserFactory(role=Role.ADMIN))
    page = client.get("/approvals")
    assert page.status_code == 200 and 'id="approvals-empty"' in page.text
