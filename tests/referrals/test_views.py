"""The merchant's upload journey over HTTP, with real commits and the real job thread:
upload, preview, remap, save a layout, confirm, progress, results, rejected rows CSV."""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from agency.auth import service as auth_service
from agency.auth.models import Role
from agency.auth.permissions import SESSION_COOKIE
from agency.cases.models import Case
from agency.config import get_settings
from agency.db import session_scope
from agency.main import create_app
from agency.referrals.models import Layout, Placement, PlacementStatus
from agency.worker import drain
from tests.fixtures.factories import (
    ClientFactory,
    ContractFactory,
    PlacementFactory,
    UserFactory,
    bind,
)
from tests.fixtures.referral_files import MAIN, csv_text, good, workbook_parts, zip_parts
from tests.fixtures.web import csrf_token, post_form


@pytest.fixture
def merchant(bound_engine: Engine) -> Iterator[TestClient]:
    """A browser signed in as a merchant user of ACME, against committed data."""
    with session_scope() as db:
        bind(db)
        acme = ClientFactory(code="ACME", name="Acme Media")
        ContractFactory(client=acme, effective_from=date(2020, 1, 1))
        other = ClientFactory(code="OTHER")
        ContractFactory(client=other, effective_from=date(2020, 1, 1))
        user = UserFactory(role=Role.MERCHANT, client=acme)
        token = auth_service.start_session(db, user=user).token
    with TestClient(create_app(), base_url="https://testserver", follow_redirects=False) as client:
        client.cookies.set(SESSION_COOKIE, token, domain="testserver.local")
        yield client


# The columns of the "Key,Surname,Given,Owed,Postcode,State,ItemDate" files below.
KEY_SURNAME_MAPPING = {
    "column_0": "client_reference",
    "column_1": "last_name",
    "column_2": "first_name",
    "column_3": "principal",
    "column_4": "postal_code",
    "column_5": "region",
    "column_6": "itemization_date",
}


def upload(client: TestClient, content: bytes, name: str = "accounts.csv") -> object:
    return client.post(
        "/placements",
        data={"csrf_token": csrf_token(client)},
        files={"file": (name, content, "text/csv")},
    )


def test_upload_preview_confirm_and_results(merchant: TestClient) -> None:
    rows = [
        good("A1"),
        good("A2", email='=HYPERLINK("http://x")'),
        good("A3"),
        good("A4", principal="-1", balance=""),
    ]
    response = upload(merchant, csv_text(rows).encode())
    assert response.status_code == 303
    page = merchant.get(response.headers["location"])
    assert page.status_code == 200
    for shown in (
        "Rows in the file",
        ">4<",
        "Would be accepted",
        ">2<",
        "read as csv, utf-8",
        "comma-separated",
        "Place 2 accounts (2 rows will be rejected)",
    ):
        assert shown in page.text
    assert "'-1' is negative; amounts are never negative" in html.unescape(page.text)
    with session_scope() as db:
        placement = db.scalar(select(Placement))
        assert placement is not None and placement.status is PlacementStatus.PREVIEWED
        assert db.scalar(select(Case)) is None  # a preview places nothing
        placement_id = placement.id

    confirmed = post_form(merchant, f"/placements/{placement_id}/confirm", {})
    assert confirmed.status_code == 303
    drain()
    result = merchant.get(f"/placements/{placement_id}")
    assert 'id="accepted">2<' in result.text and 'id="rejected">2<' in result.text
    accounts = f"/portal/accounts?placement_id={placement_id}"
    assert f'href="{accounts}">See the 2 accounts of this placement' in result.text
    placed = merchant.get(accounts)
    assert placed.status_code == 200
    assert "A1" in placed.text and "A3" in placed.text
    assert f"placement {placement_id}" in placed.text  # the filter is shown, and removable
    assert "A1" not in merchant.get(f"/portal/accounts?placement_id={placement_id + 1}").text
    # The progress panel, polled by htmx, asks for a reload once the job is done.
    poll = merchant.get(
        f"/placements/{placement_id}", headers={"HX-Request": "true", "HX-Target": "progress"}
    )
    assert poll.headers.get("HX-Refresh") == "true"

    download = merchant.get(f"/placements/{placement_id}/rejected.csv")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert lines[0][-2:] == ["error_column", "error_message"]
    assert lines[0][:-2] == list(good("X").keys())
    assert [line[0] for line in lines[1:]] == ["A2", "A4"]
    assert lines[1][4] == '\'=HYPERLINK("http://x")'  # formula neutralized for Excel
    assert lines[2][-2:] == ["principal", "'-1' is negative; amounts are never negative"]

    history = merchant.get("/placements")
    assert "accounts.csv" in history.text and "completed" in history.text

    again = post_form(merchant, f"/placements/{placement_id}/confirm", {})
    assert again.status_code == 409
    assert "this placement is already completed" in again.text


def test_same_file_again_opens_the_first_placement(merchant: TestClient) -> None:
    content = csv_text([good("A1")]).encode()
    first = upload(merchant, content)
    second = upload(merchant, content, "copy.csv")
    assert second.headers["location"] == first.headers["location"] + "?again=1"
    assert "You sent this very file before" in merchant.get(second.headers["location"]).text


def test_remap_and_save_a_layout(merchant: TestClient) -> None:
    text = "Key,Surname,Given,Owed,Postcode,State,ItemDate\nR1,Doe,Jane,10.00,60601,IL,2026-01-15\n"
    location = upload(merchant, text.encode()).headers["location"]
    page = merchant.get(location)
    assert "No column gives: Account number, Principal" in page.text
    placement_id = int(location.rsplit("/", 1)[1])
    mapping = KEY_SURNAME_MAPPING
    remapped = post_form(merchant, f"/placements/{placement_id}/mapping", mapping)
    assert remapped.status_code == 200
    assert "No column gives" not in remapped.text and "Would be accepted" in remapped.text
    saved = post_form(
        merchant,
        f"/placements/{placement_id}/layout",
        mapping
        | {
            "layout_name": "acme export",
            "date_order": "mdy",
            "replacement_policy": "update",
            "bad_contacts": "drop",
            "short_rows": "on",
        },
    )
    assert saved.status_code == 303
    with session_scope() as db:
        layout = db.scalar(select(Layout))
        assert layout is not None
        assert layout.mapping["Owed"] == "principal" and layout.replacement_policy == "update"
        assert layout.drop_bad_contacts and layout.allow_short_rows and layout.sheet is None
    unnamed = post_form(
        merchant,
        f"/placements/{placement_id}/layout",
        mapping | {"layout_name": "", "date_order": "mdy", "replacement_policy": "reject"},
    )
    assert unnamed.status_code == 422
    assert (
        '<span class="error" id="e-layout_name">Layout name is required (at most 60 characters).'
        in unnamed.text
    )
    bad = post_form(merchant, f"/placements/{placement_id}/mapping", {"column_0": "nonsense"})
    assert bad.status_code == 422 and "unknown fields: nonsense" in bad.text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "accounts.csv: the file is empty (0 bytes)."),
        (b"\x00\x01\x02garbage", "accounts.csv: the file is not text (it contains NUL bytes)."),
    ],
)
def test_unreadable_uploads_say_why(merchant: TestClient, content: bytes, message: str) -> None:
    response = upload(merchant, content)
    assert response.status_code == 422
    assert message in response.text
    with session_scope() as db:
        assert db.scalar(select(Placement)) is None


def test_a_file_over_the_limit_is_refused(
    merchant: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "max_upload_mb", 1)
    response = upload(merchant, b"x" * (2 * 1024 * 1024))
    assert response.status_code == 413
    assert "The file is larger than 1 MB." in response.text


def _many_strings_xlsx() -> bytes:
    """A workbook of 2,000,000 distinct shared strings (50 MB of XML): what a large
    legitimate export holds, and far more than 8 MB of memory to read."""
    strings = "".join(f"<si><t>{n:08d}</t></si>" for n in range(2_000_000))
    sheet = f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c>'
    return zip_parts(
        workbook_parts(
            (sheet + "</row></sheetData></worksheet>").encode(),
            f'<sst xmlns="{MAIN}">{strings}</sst>'.encode(),
        )
    )


def test_a_file_check_past_its_time_is_killed_and_says_so(
    merchant: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The preview's reading runs in a child process the server bounds: past its time it
    is killed, the page says so, and nothing is kept."""
    monkeypatch.setattr(get_settings(), "file_check_seconds", 0)
    response = upload(merchant, csv_text([good("A1"), good("A2")]).encode())
    assert response.status_code == 422
    assert "checking the file took longer than 0 s" in response.text
    with session_scope() as db:
        assert db.scalar(select(Placement)) is None


def test_a_file_check_past_its_memory_is_refused_and_says_so(
    merchant: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "max_xlsx_strings_mb", 100)  # the bound, not a limit
    monkeypatch.setattr(get_settings(), "file_check_memory_mb", 8)
    response = upload(merchant, _many_strings_xlsx(), "accounts.xlsx")
    assert response.status_code == 422
    assert "checking the file needed more than 8 MB of memory" in response.text
    with session_scope() as db:
        assert db.scalar(select(Placement)) is None


def test_no_file_chosen(merchant: TestClient) -> None:
    response = merchant.post("/placements", data={"csrf_token": csrf_token(merchant)})
    assert response.status_code == 422
    assert "Choose a CSV or XLSX file to upload." in response.text


def test_another_clients_placement_is_404(merchant: TestClient) -> None:
    with session_scope() as db:
        bind(db)
        other = ClientFactory(code="THIRD")
        placement = PlacementFactory(client=other, file_name="theirs.csv")
        placement_id = placement.id
    assert merchant.get(f"/placements/{placement_id}").status_code == 404
    assert merchant.get(f"/placements/{placement_id}/rejected.csv").status_code == 404
    assert "theirs.csv" not in merchant.get("/placements").text


def test_a_saved_layout_reads_the_next_file_of_that_shape(merchant: TestClient) -> None:
    header = "Key,Surname,Given,Owed,Postcode,State,ItemDate\n"
    first = upload(merchant, (header + "R1,Doe,Jane,10.00,60601,IL,2026-01-15\n").encode())
    placement_id = int(first.headers["location"].rsplit("/", 1)[1])
    mapping = KEY_SURNAME_MAPPING
    post_form(
        merchant,
        f"/placements/{placement_id}/layout",
        mapping | {"layout_name": "monthly", "date_order": "mdy", "replacement_policy": "reject"},
    )
    second = upload(merchant, (header + "R2,Roe,John,20.00,60601,IL,01/31/2026\n").encode())
    page = merchant.get(second.headers["location"])
    assert "Read with your layout “monthly”." in page.text
    assert "No column gives" not in page.text
    assert 'Would be accepted</div><div class="value ok">1<' in page.text
