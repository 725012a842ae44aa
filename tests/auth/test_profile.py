"""Everyone's profile: the time zone their screens show times in, the phone click-to-call
rings, and their password."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agency.auth import service
from agency.auth.models import LoginFailure, Role, User, UserSession
from agency.cases.models import CaseNote
from agency.kit import clock
from tests.fixtures.compliance import NIGHT, gate_at, make_debtor
from tests.fixtures.factories import PASSWORD, UserFactory
from tests.fixtures.web import post_form, sign_in

CHANGE = {
    "current_password": PASSWORD,
    "new_password": "brand-new-pass",
    "new_password_again": "brand-new-pass",
}


NOTE_AT = datetime(2025, 6, 9, 18, 30, tzinfo=UTC)


def _sessions(db: Session, user: User) -> int:
    return int(db.scalar(select(func.count()).where(UserSession.user_id == user.id)) or 0)


def test_a_user_sets_their_time_zone_and_every_screen_uses_it(
    client: TestClient, db: Session
) -> None:
    admin: User = UserFactory(role=Role.ADMIN)
    sign_in(client, db, admin)
    with clock.frozen(datetime(2025, 6, 9, 18, 0, tzinfo=UTC)):
        admin.last_login_at = clock.now()
        db.flush()
        page = client.get("/profile")
        assert "Times on your screens are shown in <strong>UTC</strong>" in page.text
        assert "2025-06-09 18:00 UTC" in client.get("/admin/users").text

        saved = post_form(client, "/profile/time-zone", {"time_zone": "America/Chicago"})
        assert saved.status_code == 303
        assert db.get(User, admin.id).time_zone == "America/Chicago"  # type: ignore[union-attr]
        listing = client.get("/admin/users").text
        assert "2025-06-09 13:00 CDT" in listing and "18:00 UTC" not in listing
        assert "America/Chicago" in client.get("/profile").text

        # Blank: back to the agency's zone.
        assert post_form(client, "/profile/time-zone", {"time_zone": ""}).status_code == 303
        assert "2025-06-09 18:00 UTC" in client.get("/admin/users").text


def test_an_unknown_time_zone_is_refused_inline(client: TestClient, db: Session) -> None:
    user: User = UserFactory()
    sign_in(client, db, user)
    for bad in ("Mars/Olympus", "posix/America/Chicago", "../../etc/passwd", "x" * 80):
        response = post_form(client, "/profile/time-zone", {"time_zone": bad})
        assert response.status_code == 422, bad
        assert ("Time zone" in response.text and "listed time zones" in response.text) or (
            "at most 64 characters" in response.text
        )
    assert db.get(User, user.id).time_zone is None  # type: ignore[union-attr]


def test_an_agent_sets_the_phone_click_to_call_rings(client: TestClient, db: Session) -> None:
    agent: User = UserFactory(role=Role.AGENT)
    sign_in(client, db, agent)
    assert 'name="phone"' in client.get("/profile").text
    saved = post_form(client, "/profile/phone", {"phone": "(312) 555-0199"})
    assert saved.status_code == 303
    db.expire_all()
    assert db.get(User, agent.id).phone == "+13125550199"  # type: ignore[union-attr]
    page = client.get("/profile").text
    assert "Click-to-call now rings +13125550199." in page
    assert 'value="+13125550199"' in page
    assert post_form(client, "/profile/phone", {"phone": ""}).status_code == 303
    db.expire_all()
    assert db.get(User, agent.id).phone is None  # type: ignore[union-attr]


def test_a_phone_that_is_not_a_number_is_refused_inline(client: TestClient, db: Session) -> None:
    agent: User = UserFactory(role=Role.AGENT, phone="+13125550199")
    sign_in(client, db, agent)
    for bad in ("call me", "+1 312", "+999 123 456", "1" * 40):
        response = post_form(client, "/profile/phone", {"phone": bad})
        assert response.status_code == 422, bad
        assert ("is not a phone number" in response.text) or (
            "at most 32 characters" in response.text
        )
        assert 'id="e-phone"' in response.text
    db.expire_all()
    assert db.get(User, agent.id).phone == "+13125550199"  # type: ignore[union-attr]


def test_changing_the_password_keeps_this_session_and_ends_the_others(
    client: TestClient, db: Session, app: object
) -> None:
    user: User = UserFactory()
    sign_in(client, db, user)
    service.start_session(db, user=user)  # the same user on another machine
    assert _sessions(db, user) == 2

    response = post_form(client, "/profile/password", CHANGE)
    assert response.status_code == 303
    assert "Your password is changed" in client.get(response.headers["location"]).text
    assert _sessions(db, user) == 1
    db.refresh(user)
    assert user.password_hash.startswith("$argon2")

    client.cookies.clear()
    assert (
        post_form(client, "/login", {"email": user.email, "password": PASSWORD}).status_code == 401
    )
    ok = post_form(client, "/login", {"email": user.email, "password": "brand-new-pass"})
    assert ok.status_code == 303


def test_password_change_errors_say_which_field(client: TestClient, db: Session) -> None:
    user: User = UserFactory()
    sign_in(client, db, user)
    cases = [
        ({**CHANGE, "current_password": ""}, "Current password is required."),
        (
            {**CHANGE, "new_password": "short", "new_password_again": "short"},
            "New password must be at least 10 characters.",
        ),
        (
            {**CHANGE, "new_password_again": "something-else"},
            "New password again does not match the new password.",
        ),
        (
            {**CHANGE, "current_password": "not-my-password"},
            "Current password is not your password.",
        ),
    ]
    for data, message in cases:
        response = post_form(client, "/profile/password", data)
        assert response.status_code == 422, message
        assert message in response.text
        assert PASSWORD not in response.text  # passwords are never typed back
    db.refresh(user)
    assert service.password_matches(user, PASSWORD)


def test_wrong_current_passwords_are_throttled_like_sign_ins(
    client: TestClient, db: Session
) -> None:
    user: User = UserFactory()
    sign_in(client, db, user)
    wrong = {**CHANGE, "current_password": "not-my-password"}
    for _ in range(5):
        assert post_form(client, "/profile/password", wrong).status_code == 422
    throttled = post_form(client, "/profile/password", CHANGE)  # even the right one now
    assert throttled.status_code == 429
    assert "too many wrong tries" in throttled.text and "Retry-After" in throttled.headers
    # The failures are the sign-in's: signing in from here is paused as well.
    assert db.scalar(select(func.count()).select_from(LoginFailure)) == 5
    client.cookies.clear()
    login = post_form(client, "/login", {"email": user.email, "password": PASSWORD})
    assert login.status_code == 429


def test_the_profile_needs_a_signed_in_user(client: TestClient) -> None:
    response = client.get("/profile", follow_redirects=False)
    assert response.status_code in (303, 401)


def test_the_case_page_uses_the_viewers_zone_and_shows_the_consumers_time(
    client: TestClient, db: Session
) -> None:
    agent: User = UserFactory(role=Role.AGENT, time_zone="Europe/London")
    sign_in(client, db, agent)
    debtor = make_debtor(first_name="Tess", last_name="Zonewise")
    debtor.case.assigned_agent_id = agent.id
    debtor.case.next_action_at = datetime(2025, 6, 10, 15, 0, tzinfo=UTC)
    db.add(CaseNote(case_id=debtor.case.id, author_id=agent.id, body="called back", at=NOTE_AT))
    gate_at(db, debtor, NIGHT)  # 22:00 in Chicago: blocked until 08:00 there
    db.flush()
    html = client.get(f"/cases/{debtor.case.id}").text
    assert 'id="viewer-zone" title="Times are shown in this zone">Europe/London' in html
    page = " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
    # The agent's own zone (London), the consumer's (Chicago) beside it.
    assert "2025-06-10 16:00 BST (consumer's time 10:00 CDT)" in page  # next action
    assert "2025-06-09 19:30 BST (consumer's time 13:30 CDT)" in page  # the note
    assert "allowed again from 2025-06-10 14:00 BST (consumer's time 08:00 CDT)" in page
