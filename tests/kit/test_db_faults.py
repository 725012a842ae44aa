"""A value the database refuses is named to the merchant in words, never by our
constraint's name."""

from __future__ import annotations

import sqlite3

from sqlalchemy import exc as sa_exc

from agency.kit.db_faults import BROKEN, row_fault


def test_a_broken_check_is_told_in_words_without_the_constraint_name() -> None:
    cause = sqlite3.IntegrityError("CHECK constraint failed: ck_cases_buckets_not_negative")
    fault = row_fault(sa_exc.IntegrityError("INSERT ...", {}, cause))
    assert fault is not None
    assert fault.reason == BROKEN == "a value is not one our records accept"
    assert "ck_" not in fault.reason and "buckets" not in fault.reason
