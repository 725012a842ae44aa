"""A server error logs where it failed, never what it was working on.

The database refuses a note (a constraint added for the test), so the request fails
with an error whose message quotes the row and whose SQL parameters hold the note:
PostgreSQL's ``Failing row contains (…)``, SQLAlchemy's ``[parameters: …]``.  The
server's whole log is then searched for every value the request carried.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine

from agency.auth.models import Role
from agency.db import session_scope
from tests.faults.conftest import Server, browser_for, form_token
from tests.fixtures.compliance import make_person
from tests.fixtures.factories import UserFactory, bind

VALUES = ["Xanthippe", "Quarrington", "xq.private@example.com", "+13125559876"]


@contextmanager
def notes_refused(engine: Engine) -> Iterator[None]:
    """The database refuses any note that names Quarrington, until the block ends."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql(
                "ALTER TABLE case_notes ADD CONSTRAINT ck_test_refused "
                "CHECK (strpos(body, 'Quarrington') = 0) NOT VALID"
            )
        else:
            connection.exec_driver_sql(
                "CREATE TRIGGER test_refused BEFORE INSERT ON case_notes "
                "WHEN NEW.body LIKE '%Quarrington%' BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
    try:
        yield
    finally:
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                connection.exec_driver_sql("ALTER TABLE case_notes DROP CONSTRAINT ck_test_refused")
            else:
                connection.exec_driver_sql("DROP TRIGGER test_refused")


def test_a_500_logs_no_value_the_request_carried(served: Server, bound_engine: Engine) -> None:
    with session_scope() as db:
        bind(db)
        supervisor = UserFactory(role=Role.SUPERVISOR)
        case_id = make_person(first_name="Xanthippe", last_name="Quarrington").case.id
    browser = browser_for(served, supervisor)
    token = form_token(browser, f"/cases/{case_id}")
    with notes_refused(bound_engine):
        response = browser.post(
            f"/cases/{case_id}/notes",
            data={
                "csrf_token": token,
                "body": "Xanthippe Quarrington, xq.private@example.com, +13125559876",
            },
        )
    assert response.status_code == 500
    assert "nothing was saved" in response.text
    served.stop()
    log = served.log()
    assert "IntegrityError" in log  # the fault is there: type and frames
    assert "agency/cases/actions.py" in log
    for value in VALUES:
        assert value not in log, f"{value!r} reached the log"
