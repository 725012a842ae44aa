"""Errors are clear, in the right shape, and never leak what they should not."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.config import ROOT
from tests.fixtures.factories import UserFactory
from tests.fixtures.web import sign_in


def test_machines_get_json_errors(client: TestClient, db: Session) -> None:
    anonymous = client.get("/cases", headers={"Accept": "application/json"})
    assert anonymous.status_code == 401
    assert anonymous.json() == {"detail": "Not signed in."}
    sign_in(client, db, UserFactory(role=Role.AGENT))
    invalid = client.get("/cases?page=zero", headers={"Accept": "application/json"})
    assert invalid.status_code == 422
    assert "page" in invalid.json()["errors"]
    missing = client.get("/cases/123456", headers={"Accept": "application/json"})
    assert missing.status_code == 404
    assert missing.json() == {"detail": "There is no such case, or you may not see it."}


def test_unknown_page_is_a_readable_404(client: TestClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "There is no such page" in response.text


def test_a_fault_is_a_500_page_that_leaks_nothing(
    app: Any, db: Session, caplog: pytest.LogCaptureFixture
) -> None:
    def boom() -> None:
        raise RuntimeError("consumer Jane Roe, SSN 123-45-6789")

    app.add_api_route("/boom", boom)
    with (
        TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as client,
        caplog.at_level(logging.INFO),
    ):
        response = client.get("/boom?q=Jane+Roe")
    assert response.status_code == 500
    assert "nothing was saved" in response.text
    # Whole phrases: random tokens on the page (CSRF, nonces) may contain short digit runs.
    assert "Jane Roe" not in response.text and "123-45-6789" not in response.text
    logged = " ".join(r.getMessage() for r in caplog.records if r.name.startswith("agency"))
    assert "RuntimeError" in logged and "GET /boom 500" in logged
    assert "Jane" not in logged and "123-45-6789" not in logged  # neither message nor query


def test_security_headers_on_every_page(client: TestClient) -> None:
    response = client.get("/login")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_vendored_assets_match_their_recorded_checksums(client: TestClient) -> None:
    vendor = ROOT / "static" / "vendor"
    recorded = json.loads((vendor / "VENDORED.json").read_text())
    assert recorded, "VENDORED.json lists nothing"
    for name, entry in recorded.items():
        path: Path = vendor / name
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"], name
        assert entry["version"] in name
        assert client.get(f"/static/vendor/{name}").status_code == 200
    templates = " ".join(t.read_text() for t in (ROOT / "templates").rglob("*.html"))
    for name in recorded:
        assert f"/static/vendor/{name}" in templates, f"{name} is vendored but not used"


def test_api_docs_use_vendored_swagger_and_show_the_json_api_only(client: TestClient) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert "/static/vendor/swagger-ui-bundle-5.35.0.js" in page.text
    assert "cdn" not in page.text.lower()
    schema = client.get("/api/openapi.json").json()
    assert set(schema["paths"]) == {
        "/api/v1/placements",
        "/api/v1/placements/{placement_id}",
        "/api/v1/placements/{placement_id}/errors",
        "/api/v1/accounts/{client_reference}/{action}",
        "/api/v1/compliance/evaluate",
        "/api/v1/schedules",
        "/api/v1/reports/summary",
        "/api/v1/reports/vintages",
        "/api/v1/reports/recoveries",
        "/api/v1/reports/accounts",
        "/api/v1/reports/accounts/{client_reference}",
        "/api/v1/reports/returns/{day}",
    }
    assert "HTTPBearer" in schema["components"]["securitySchemes"]
