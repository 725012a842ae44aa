"""Walks every route of the app (so a new route is covered the day it is added) and proves:

- anonymous users are refused everywhere but the public pages;
- a merchant user of client A never sees a row of client B, whatever ids it puts in the
  URL, and cannot change anything of B's;
- each staff page refuses the roles it is not for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.cases.models import CaseStatus, ConsumerPair, MoveBatch
from agency.clients.models import ApiKey
from agency.commission.kinds import PeriodStatus, RemittanceMethod
from agency.commission.models import (
    CommissionPeriod,
    RemittanceFile,
    RemittancePayout,
    Statement,
)
from agency.payments.models import Payment, PaymentMethod, PaymentPlan, PlanKind
from agency.reporting import refresh
from agency.reporting.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.fixtures.factories import (
    ClientFactory,
    ConsumerFactory,
    ContactPointFactory,
    ContractFactory,
    PlacementFactory,
    TeamFactory,
    UserFactory,
    case_for,
)
from tests.fixtures.web import csrf_token, sign_in

PUBLIC = {
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/logout"),  # signing out without a session just lands on the sign-in page
    ("GET", "/healthz"),
    ("GET", "/favicon.ico"),
    ("GET", "/api/docs"),
    ("GET", "/api/openapi.json"),
    # A password reset link (its token is the credential): an unknown one is refused.
    ("GET", "/password-reset"),
    ("POST", "/password-reset"),
    # An e-mail's opt-out link (its signed token is the credential): a forged one is 404.
    ("GET", "/opt-out/{token}"),
    ("POST", "/opt-out/{token}"),
}
# The consumer's self-service page: its signed link is the credential, and a forged one
# gets the same 404 page on every route (tests/payments/self_service/test_links.py).
SELF_SERVICE_PREFIX = "/pay/"


def _public(method: str, path: str) -> bool:
    return (method, path) in PUBLIC or path.startswith(SELF_SERVICE_PREFIX)


# A provider's webhooks: no session, no key; a request without a valid signature is
# refused (403) whoever sends it (tests/outreach/test_twilio_webhooks.py signs them).
SIGNED = {
    ("POST", "/webhooks/twilio/sms-status"),
    ("POST", "/webhooks/twilio/sms-inbound"),
    # Click-to-call (tests/outreach/test_voice_webhooks.py): a forged token is never
    # read, the signature is checked first.
    ("POST", "/webhooks/twilio/voice/connect/{token}"),
    ("POST", "/webhooks/twilio/voice/dialed/{token}"),
    ("POST", "/webhooks/twilio/call-status"),
}
# Stripe's webhook (tests/payments/providers/test_stripe_webhooks.py): no valid
# Stripe-Signature is a 400, as Stripe's own libraries answer it.
STRIPE_SIGNED = {("POST", "/webhooks/stripe")}


@dataclass
class Tenants:
    """Two clients with distinctive data; ``markers`` are strings only B's rows contain."""

    ids: dict[str, int | str]
    client_a: Any
    merchant_a: Any
    markers: list[str]


def routes(app: Any) -> list[tuple[str, str]]:
    """Every (method, path) the app answers, included routers and all."""
    found = []
    for route in iter_route_contexts(app.routes):
        methods = getattr(route, "methods", None) or set()
        found.extend((method, route.path) for method in sorted(methods - {"HEAD"}))
    assert len(found) > 15, "route discovery found too little"
    return found


def fill(path: str, ids: dict[str, int | str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in ids, f"add an id for path parameter {name!r} to the access test"
        return str(ids[name])

    return re.sub(r"\{(\w+)\}", value, path)


@pytest.fixture
def tenants(db: Session) -> Tenants:
    client_a = ClientFactory(name="Alpha Streaming", code="ALPHA")
    client_b = ClientFactory(name="Bravo Utilities Zq", code="BRAVOZQ")
    contract_b = ContractFactory(client=client_b, reference="BRAVO-TERMS-ZQ")
    consumer_b = ConsumerFactory(first_name="Xanthippe", last_name="Quarrington")
    ContactPointFactory(consumer=consumer_b, value="+13125559876")
    case_b = case_for(
        client_b,
        contract=contract_b,
        consumer=consumer_b,
        client_reference="BRAVO-REF-ZQ",
        principal_minor=4_242_424,
        # A month of its own: B's figures would show alone in a report that leaked them.
        placed_at=datetime(2025, 3, 14, 15, 0, tzinfo=UTC),
    )
    case_for(client_a, client_reference="ALPHA-REF-1")
    merchant_a = UserFactory(role=Role.MERCHANT, client=client_a)
    merchant_b = UserFactory(
        role=Role.MERCHANT,
        client=client_b,
        email="bravo.user@example.com",
        full_name="Bravo Merchant Person",
    )
    key_b = ApiKey(
        client_id=client_b.id, name="bravo key", prefix="agk_bravozq0", key_hash="b" * 64
    )
    placement_b = PlacementFactory(client=client_b, file_name="bravo-zq-file.csv")
    team = TeamFactory(name="Bravo desk")
    move = MoveBatch(filters=[f"client {client_b.name}"], reason="Bravo desk cover")
    db.add_all([key_b, move])
    db.flush()
    # Returned (closed) on 2025-03-14: in that day's return file of B's.
    returned_b = case_for(client_b, contract=contract_b, client_reference="BRAVO-REF-ZQ2",
                          status=CaseStatus.CLOSED,
                          closed_at=datetime(2025, 3, 14, 16, 0, tzinfo=UTC))  # fmt: skip
    pair_b = ConsumerPair(
        client_id=client_b.id,
        placement_id=placement_b.id,
        case_id=returned_b.id,
        other_case_id=case_b.id,
        channel="phone",
    )
    db.add(pair_b)
    # B's promise and a payment on it: their receipt and confirmation PDFs.
    plan_b = PaymentPlan(
        case_id=case_b.id, kind=PlanKind.PROMISE, currency="USD", total_minor=1_000
    )
    db.add(plan_b)
    db.flush()
    payment_b = Payment(
        case_id=case_b.id,
        plan_id=plan_b.id,
        amount_minor=1_000,
        currency="USD",
        method=PaymentMethod.CASH,
        received_on=date(2025, 6, 2),
        effective_on=date(2025, 6, 2),
        provider="manual",
        principal_minor=1_000,
    )
    db.add(payment_b)
    db.flush()
    # B's closed statement, its remittance and the ACH file paying it.
    period_b = CommissionPeriod(client_id=client_b.id, starts_on=date(2025, 5, 1),
                                ends_on=date(2025, 5, 31), status=PeriodStatus.CLOSED)  # fmt: skip
    db.add(period_b)
    db.flush()
    statement_b = Statement(period_id=period_b.id, client_id=client_b.id, currency="USD",
                            reference="SBRAVOZQ-USD-1", remittance_due_minor=4_242_424)  # fmt: skip
    file_b = RemittanceFile(method=RemittanceMethod.ACH, effective_on=date(2025, 6, 2), count=1,
                            total_minor=4_242_424, currency="USD", content=b"BRAVOZQ")  # fmt: skip
    db.add_all([statement_b, file_b])
    db.flush()
    payout_b = RemittancePayout(statement_id=statement_b.id, client_id=client_b.id,
                                method=RemittanceMethod.ACH, amount_minor=4_242_424,
                                currency="USD", reference="SBRAVOZQ-USD-1",
                                file_id=file_b.id)  # fmt: skip
    db.add(payout_b)
    db.flush()
    ids: dict[str, int | str] = {
        "team_id": team.id,
        "client_id": client_b.id,
        "contract_id": contract_b.id,
        "case_id": case_b.id,
        "user_id": merchant_b.id,
        "key_id": key_b.id,
        "placement_id": placement_b.id,
        "pair_id": pair_b.id,
        "client_reference": "BRAVO-REF-ZQ",
        "action": "recall",
        "consumer_id": consumer_b.id,
        "alarm_id": 1,
        "batch_id": move.id,
        "message_id": 1,
        "document_id": 1,
        "consent_id": 1,
        "token": "not-a-token",
        "template_id": 1,
        "attempt_id": 1,
        "payment_id": payment_b.id,
        "plan_id": plan_b.id,
        "period_id": period_b.id,
        "statement_id": statement_b.id,
        "payout_id": payout_b.id,
        "file_id": file_b.id,
        "strategy_id": 1,
        "rule_id": 1,
        "experiment_id": 1,
        "table": "months",
        "extension": "csv",
        "day": "2025-03-14",
        "page": "overview",
    }
    markers = [
        "Bravo Utilities Zq",
        "BRAVOZQ",
        "BRAVO-REF-ZQ",
        "Quarrington",
        "Xanthippe",
        "5559876",
        "42,424.24",
        "bravo.user@example.com",
        "Bravo Merchant Person",
        "BRAVO-TERMS-ZQ",
        "SBRAVOZQ",
        "42,429.24",  # B's case as placed (with its interest): in B's reports only
        "42429.24",  # … as a CSV file writes it
        "bravo-hooks-zq",
        "evt_bravozq",
    ]
    refresh.refresh(db)  # the reports' aggregates hold B's figures too
    endpoint_b = WebhookEndpoint(client_id=client_b.id, url="https://bravo-hooks-zq.example/in",
                                 events=["payment.posted"], secret_nonce="b" * 64)  # fmt: skip
    db.add(endpoint_b)
    db.flush()
    delivery_b = WebhookDelivery(endpoint_id=endpoint_b.id, client_id=client_b.id,
                                 event_id="evt_bravozq", event_type="payment.posted",
                                 payload={"client_reference": "BRAVO-REF-ZQ"})  # fmt: skip
    db.add(delivery_b)
    db.flush()
    ids["endpoint_id"] = endpoint_b.id
    ids["delivery_id"] = delivery_b.id
    return Tenants(ids=ids, client_a=client_a, merchant_a=merchant_a, markers=markers)


def test_anonymous_users_are_refused_on_every_private_route(
    app: Any, client: TestClient, tenants: Tenants
) -> None:
    token = csrf_token(client)
    checked = 0
    for method, path in routes(app):
        if _public(method, path):
            continue
        url = fill(path, tenants.ids)
        if (method, path) in STRIPE_SIGNED:
            refused = client.request(method, url, content=b'{"type": "payment_intent.succeeded"}')
            assert refused.status_code == 400, f"{method} {path}: {refused.status_code}"
            continue
        if (method, path) in SIGNED:
            refused = client.request(method, url, data={"MessageSid": "SM1", "From": "+1312"})
            assert refused.status_code == 403, f"{method} {path}: {refused.status_code}"
            continue
        response = client.request(
            method, url, data={"csrf_token": token} if method == "POST" else None
        )
        assert response.status_code == 401, (
            f"{method} {path} gave {response.status_code} to anonymous"
        )
        for marker in tenants.markers:
            assert marker not in response.text, f"{method} {path} leaked {marker!r} to anonymous"
        checked += 1
    assert checked >= 15


# JSON routes for signed-in staff (the schedules: staff or clients' machines), where a
# merchant user's session is refused (403) rather than unknown (401).
OFFICER_API = {"/api/v1/compliance/evaluate", "/api/v1/schedules"}


def test_merchant_of_a_never_sees_or_touches_client_b(
    app: Any, client: TestClient, db: Session, tenants: Tenants
) -> None:
    sign_in(client, db, tenants.merchant_a)
    token = csrf_token(client)
    seen_ok = 0
    for method, path in routes(app):
        if _public(method, path):
            continue
        url = fill(path, tenants.ids)
        if (method, path) in STRIPE_SIGNED:  # a session cookie: CSRF refuses it first
            refused = client.request(method, url, data={"csrf_token": token})
            assert refused.status_code in {400, 403}, f"{method} {path}: {refused.status_code}"
            continue
        if (method, path) in SIGNED:
            refused = client.request(method, url, data={"csrf_token": token, "MessageSid": "SM1"})
            assert refused.status_code == 403, f"{method} {path}: {refused.status_code}"
            continue
        if path in OFFICER_API:  # signed-in compliance officers only
            response = client.request(method, url, json={}, headers={"X-CSRF-Token": token})
            assert response.status_code == 403, f"{method} {path}: {response.status_code}"
        elif path.startswith("/api/"):  # a session is not an API key: machines only
            response = client.request(method, url, data={"csrf_token": token})
            assert response.status_code == 401, f"{method} {path}: {response.status_code}"
        elif method == "GET":
            response = client.get(url)
            assert response.status_code in {200, 303, 403, 404}, (
                f"GET {path}: {response.status_code}"
            )
            for marker in tenants.markers:
                assert marker not in response.text, f"GET {path} showed B's {marker!r} to A"
            seen_ok += response.status_code == 200
        else:
            response = client.request(method, url, data={"csrf_token": token, "name": "hijack"})
            # Refused: no write succeeds (B's ids give 403/404; A's own forms want input).
            assert 400 <= response.status_code < 500, f"{method} {path}: {response.status_code}"
            for marker in tenants.markers:
                assert marker not in response.text, f"{method} {path} showed B's {marker!r}"
    assert seen_ok >= 1  # the pages A may see (the portal) were really rendered


def test_merchant_sees_own_case_and_gets_404_for_another_clients(
    client: TestClient, db: Session, tenants: Tenants
) -> None:
    own = case_for(tenants.client_a, client_reference="ALPHA-REF-2")
    third = case_for(ClientFactory())
    sign_in(client, db, tenants.merchant_a)
    assert "ALPHA-REF-2" in client.get(f"/cases/{own.id}").text
    other = client.get(f"/cases/{tenants.ids['case_id']}")
    assert other.status_code == 404
    assert "There is no such case" in other.text
    assert client.get(f"/cases/{third.id}").status_code == 404


def test_merchant_portal_counts_only_its_own_cases(
    client: TestClient, db: Session, tenants: Tenants
) -> None:
    sign_in(client, db, tenants.merchant_a)
    page = client.get("/portal/accounts")
    assert page.status_code == 200
    assert "ALPHA-REF-1" in page.text
    assert "$105.00" in page.text  # A's one case: 100.00 + 5.00 interest


STAFF_PAGES = {
    "/admin/clients": {Role.ADMIN},
    "/admin/users": {Role.ADMIN},
    "/admin/users/new": {Role.ADMIN},
    "/supervisor": {Role.ADMIN, Role.SUPERVISOR},
    "/supervisor/strategies": {Role.ADMIN, Role.SUPERVISOR},
    "/supervisor/strategies/new": {Role.ADMIN, Role.SUPERVISOR},
    "/supervisor/experiments": {Role.ADMIN, Role.SUPERVISOR},
    "/consumers": {Role.ADMIN, Role.SUPERVISOR, Role.COMPLIANCE},
    "/cases": {Role.ADMIN, Role.SUPERVISOR, Role.AGENT, Role.COMPLIANCE},
    "/portal": {Role.MERCHANT},
    "/portal/accounts": {Role.MERCHANT},
    "/portal/vintages": {Role.MERCHANT},
    "/portal/recoveries": {Role.MERCHANT},
    "/portal/webhooks": {Role.MERCHANT},
    "/portal/returns": {Role.MERCHANT},
    "/compliance": {Role.ADMIN, Role.COMPLIANCE},
    "/compliance/ledger": {Role.ADMIN, Role.COMPLIANCE},
    "/compliance/ledger.csv": {Role.ADMIN, Role.COMPLIANCE},
    "/compliance/blocked": {Role.ADMIN, Role.COMPLIANCE},
    "/compliance/what-if": {Role.ADMIN, Role.COMPLIANCE},
    "/compliance/policies": {Role.ADMIN, Role.COMPLIANCE},
    "/outreach/letters": {Role.ADMIN},
    "/outreach/templates": {Role.ADMIN, Role.COMPLIANCE},
    "/outreach/templates/new": {Role.ADMIN},
    "/outreach/providers": {Role.ADMIN},
    "/outreach/senders": {Role.ADMIN},
}


@pytest.mark.parametrize("role", list(Role))
def test_each_page_admits_exactly_its_roles(client: TestClient, db: Session, role: Role) -> None:
    user = UserFactory(role=role, client=ClientFactory() if role is Role.MERCHANT else None)
    sign_in(client, db, user)
    for path, roles in STAFF_PAGES.items():
        expected = 200 if role in roles else 403
        assert client.get(path).status_code == expected, f"{role.value} on {path}"
