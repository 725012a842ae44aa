"""Files that used to freeze or exhaust the server, uploaded through the page's form to a
real ``agency serve``: a large CSV keeps every other request answered within a second,
and the small files that blew memory up are refused with their reason before they are
parsed whole, the server's memory barely moving."""

from __future__ import annotations

import threading
import time

import httpx2 as httpx

from agency.auth.models import Role
from agency.db import session_scope
from tests.faults.conftest import REQUEST_TIMEOUT, Server, browser_for, form_token
from tests.fixtures.factories import ClientFactory, ContractFactory, UserFactory, bind
from tests.fixtures.referral_files import MAIN, workbook_parts, zip_parts


def _merchant_browser(server: Server) -> tuple[httpx.Client, str]:
    with session_scope() as db:
        bind(db)
        client = ClientFactory(code="FILES")
        ContractFactory(client=client)
        merchant = UserFactory(role=Role.MERCHANT, client=client)
    browser = browser_for(server, merchant)
    return browser, form_token(browser, "/placements")


def _upload(browser: httpx.Client, token: str, name: str, content: bytes) -> httpx.Response:
    return browser.post("/placements", data={"csrf_token": token}, files={"file": (name, content)})


def _large_csv(rows: int) -> bytes:
    lines = ["client_reference,first_name,last_name,principal,itemization_date,region,postal_code"]
    lines += [f"R{n:08d},Jane,Doe,120.00,2026-10-01,IL,60601" for n in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def _shared_strings_bomb(strings: int) -> bytes:
    """A one-cell workbook whose shared strings are ``strings`` tiny entries."""
    sheet = f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c>'
    shared = f'<sst xmlns="{MAIN}">'.encode() + b"<si><t>x</t></si>" * strings + b"</sst>"
    return zip_parts(workbook_parts((sheet + "</row></sheetData></worksheet>").encode(), shared))


def test_a_large_upload_leaves_everyone_else_answered(served: Server) -> None:
    browser, token = _merchant_browser(served)
    big = _large_csv(400_000)  # ~20 MB: checked in full for its preview
    answered: list[httpx.Response] = []
    upload = threading.Thread(target=lambda: answered.append(_upload(browser, token, "a.csv", big)))
    worst = 0.0
    with httpx.Client(base_url=served.url, timeout=REQUEST_TIMEOUT) as prober:
        upload.start()
        while upload.is_alive():
            started = time.perf_counter()
            assert prober.get("/healthz").status_code == 200
            worst = max(worst, time.perf_counter() - started)
            time.sleep(0.05)
    upload.join()
    assert answered[0].status_code == 303
    assert worst < 1.0, f"/healthz took {worst:.2f} s while the file was checked"
    served.stop()


def test_small_files_that_exhausted_memory_are_refused_with_their_reason(served: Server) -> None:
    browser, token = _merchant_browser(served)
    wide = (",".join(f"c{i}" for i in range(100_000)) + "\n" + "1," * 99_999 + "1\n").encode()
    bomb = _shared_strings_bomb(4_000_000)  # ~60 MB of shared strings in ~100 KB
    before = served.rss_mb()
    refused_wide = _upload(browser, token, "wide.csv", wide)
    refused_bomb = _upload(browser, token, "bomb.xlsx", bomb)
    grown = served.rss_mb() - before
    assert refused_wide.status_code == 422
    assert "the file has 100,000 columns; at most 500" in refused_wide.text
    assert refused_bomb.status_code == 422
    assert "sharedStrings.xml" in refused_bomb.text and "unpacks to" in refused_bomb.text
    assert grown < 100, f"the server grew by {grown:.0f} MB"
    listing = browser.get("/placements")
    assert "wide.csv" not in listing.text and "bomb.xlsx" not in listing.text  # nothing kept
    served.stop()
