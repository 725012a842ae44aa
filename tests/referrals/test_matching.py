"""Which consumer a placed account joins: a shared phone or e-mail links two accounts
only when the names or the dates of birth agree; otherwise a new consumer and a
"possible same person" pair (issue 13)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from agency.auth.models import Role
from agency.cases import pairs as pairs_service
from agency.cases.matching import MAX_PAIRS
from agency.cases.models import Case, Consumer, ConsumerPair, ContactPoint, PairDecision
from agency.config import get_settings
from agency.db import session_scope
from tests.fixtures.factories import UserFactory, bind
from tests.fixtures.referral_files import csv_text, good
from tests.referrals.conftest import Place
from tests.referrals.test_placing import count, make_client, place_file


def consumer_of(reference: str) -> int:
    with session_scope() as db:
        found = db.scalar(select(Case.consumer_id).where(Case.client_reference == reference))
        assert found is not None
        return int(found)


def values_of(consumer_id: int) -> set[str]:
    with session_scope() as db:
        return set(
            db.scalars(select(ContactPoint.value).where(ContactPoint.consumer_id == consumer_id))
        )


def pairs() -> list[tuple[str, str, str, str | None]]:
    with session_scope() as db:
        rows = db.scalars(select(ConsumerPair).order_by(ConsumerPair.id)).all()
        reference: dict[int, str] = dict(db.execute(select(Case.id, Case.client_reference)).all())
        return [
            (reference[p.case_id], reference[p.other_case_id], p.channel, p.decision) for p in rows
        ]


def test_a_phone_of_another_person_makes_a_new_consumer_and_a_pair(
    bound_engine: Engine, tmp_path: Path
) -> None:
    client_id = make_client("ACME")
    place_file(tmp_path, client_id, csv_text([good("A1")]))
    other = good("A2", first_name="John", last_name="Smith", date_of_birth="1991-07-08")
    place_file(tmp_path, client_id, csv_text([other]), "f2.csv")

    assert count(Consumer) == 2
    jane, john = consumer_of("A1"), consumer_of("A2")
    assert jane != john
    assert "a2@example.com" not in values_of(jane)  # never on another person's record
    assert {"a2@example.com", "+13125550123"} <= values_of(john)
    assert pairs() == [("A2", "A1", "phone", None)]


def test_names_agree_across_accents_case_punctuation_and_an_initial(
    bound_engine: Engine, tmp_path: Path
) -> None:
    client_id = make_client("ACME")
    first = good("A1", first_name="José", last_name="O'Brien-Núñez", date_of_birth="")
    place_file(tmp_path, client_id, csv_text([first]))
    again = good("A2", first_name="j.", last_name="OBRIEN NUNEZ", date_of_birth="")
    place_file(tmp_path, client_id, csv_text([again]), "f2.csv")

    assert count(Consumer) == 1
    assert pairs() == []


def test_an_agreeing_date_of_birth_links_despite_another_name(
    bound_engine: Engine, tmp_path: Path
) -> None:
    client_id = make_client("ACME")
    place_file(tmp_path, client_id, csv_text([good("A1")]))
    married = good("A2", last_name="Smith")  # the same date of birth, a new last name
    place_file(tmp_path, client_id, csv_text([married]), "f2.csv")

    assert count(Consumer) == 1
    assert pairs() == []


def test_two_people_sharing_a_phone_in_one_file_stay_two(
    bound_engine: Engine, tmp_path: Path
) -> None:
    client_id = make_client("ACME")
    rows = [
        good("A1"),
        good("A2", first_name="John", last_name="Roe", date_of_birth="1955-01-01"),
        good("A3", first_name="J", email="a1@example.com"),  # Jane again, by her e-mail
    ]
    place_file(tmp_path, client_id, csv_text(rows))

    assert count(Consumer) == 2
    assert consumer_of("A1") == consumer_of("A3") != consumer_of("A2")
    assert "a2@example.com" not in values_of(consumer_of("A1"))
    assert pairs() == [("A2", "A1", "phone", None)]


def test_a_first_name_alone_does_not_link(bound_engine: Engine, tmp_path: Path) -> None:
    client_id = make_client("ACME")
    place_file(tmp_path, client_id, csv_text([good("A1", date_of_birth="")]))
    place_file(
        tmp_path,
        client_id,
        csv_text([good("A2", last_name="Dough", date_of_birth="")]),
        "f2.csv",
    )
    assert count(Consumer) == 2
    assert pairs() == [("A2", "A1", "phone", None)]


def test_the_command_line_lists_possible_same_people(place: Place) -> None:
    assert place(csv_text([good("A1")]))[0] == 0
    other = good("A2", first_name="John", last_name="Smith", date_of_birth="")
    code, dry = place(csv_text([other]), "f2.csv", "--dry-run")
    assert code == 0 and dry["possible_same_person"] == [
        {"client_reference": "A2", "other_client_reference": "A1", "shares": "phone"}
    ]
    assert count(Consumer) == 1  # a dry run writes nothing
    code, done = place(csv_text([other]), "f2.csv")
    assert code == 0 and done["possible_same_person"] == dry["possible_same_person"]
    assert pairs() == [("A2", "A1", "phone", None)]


def test_two_people_sharing_a_phone_across_batches_stay_two(
    bound_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "placement_batch_rows", 1)  # row 3 meets row 2 stored
    client_id = make_client("ACME")
    rows = [good("A1"), good("A2", first_name="John", last_name="Roe", date_of_birth="")]
    place_file(tmp_path, client_id, csv_text(rows))

    assert count(Consumer) == 2
    assert "a2@example.com" not in values_of(consumer_of("A1"))
    assert pairs() == [("A2", "A1", "phone", None)]


def test_a_number_shared_by_many_people_keeps_a_few_pairs_each(
    bound_engine: Engine, tmp_path: Path
) -> None:
    client_id = make_client("ACME")
    rows = [good(f"S{n:03d}", last_name=f"Person{n}", date_of_birth="") for n in range(300)]
    place_file(tmp_path, client_id, csv_text(rows))  # one switchboard number for all

    assert count(Consumer) == 300
    asked = pairs()
    assert len(asked) == sum(min(n, MAX_PAIRS) for n in range(300))
    assert {a for a, _, _, _ in asked if a < "S005"} == {"S001", "S002", "S003", "S004"}


def test_people_kept_apart_are_not_asked_about_again(bound_engine: Engine, tmp_path: Path) -> None:
    client_id = make_client("ACME")
    john = {"first_name": "John", "last_name": "Smith", "date_of_birth": "1991-07-08"}
    place_file(tmp_path, client_id, csv_text([good("A1"), good("A2", **john)]))
    with session_scope() as db:
        bind(db)
        pair = db.scalar(select(ConsumerPair))
        assert pair is not None
        pairs_service.decide_pair(
            db,
            pair_id=pair.id,
            placement_id=pair.placement_id or 0,
            decision=PairDecision.APART,
            user_id=UserFactory.create(role=Role.SUPERVISOR).id,
        )
    later = [good("A3", **john), good("A4", first_name="jane")]  # the same two people
    place_file(tmp_path, client_id, csv_text(later), "f2.csv")

    assert consumer_of("A3") == consumer_of("A2") != consumer_of("A4") == consumer_of("A1")
    assert pairs() == [("A2", "A1", "phone", "apart")]
