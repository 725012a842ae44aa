"""Due dates: counted from the first due date, month ends clamped, and moved off
weekends and the holidays of the consumer's country and region."""

from __future__ import annotations

from datetime import date

import pytest

from agency.kit.business_days import next_business_day
from agency.payments.models import Frequency
from agency.payments.schedule.dates import add_months, nominal_dates
from tests.payments.schedule.helpers import EXAMPLE, EXAMPLE_OUTPUT, dues, refusal, run, scenario


def test_the_spec_example_exactly() -> None:
    assert run(EXAMPLE) == EXAMPLE_OUTPUT


def test_month_ends_are_clamped_and_always_counted_from_the_first_due_date() -> None:
    assert list(nominal_dates(date(2026, 1, 31), Frequency.MONTHLY, 4)) == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),  # not 28 March
        date(2026, 4, 30),
    ]
    assert add_months(date(2027, 12, 31), 2) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


def test_leap_years() -> None:
    assert list(nominal_dates(date(2028, 1, 31), Frequency.MONTHLY, 2))[1] == date(2028, 2, 29)
    assert list(nominal_dates(date(2028, 2, 29), Frequency.MONTHLY, 13)) == [
        date(2028, 2, 29),
        *(date(2028, m, 29) for m in range(3, 13)),
        date(2029, 1, 29),
        date(2029, 2, 28),
    ]
    assert list(nominal_dates(date(2028, 2, 29), Frequency.WEEKLY, 2))[1] == date(2028, 3, 7)


def test_a_plan_from_31_january_through_a_scenario() -> None:
    # 2027: 31 Jan is a Sunday -> Mon 1 Feb; 28 Feb a Sunday -> Mon 1 Mar; 31 Mar a Wednesday.
    document = scenario(today="2027-01-04", offer={"first_due": "2027-01-31", "count": 3})
    assert dues(document) == ["2027-02-01", "2027-03-01", "2027-03-31"]


def test_weekly_and_fortnightly_steps() -> None:
    weekly = scenario(offer={"first_due": "2026-03-11", "frequency": "weekly", "count": 3})
    assert dues(weekly) == ["2026-03-11", "2026-03-18", "2026-03-25"]
    fortnightly = scenario(
        offer={"first_due": "2026-03-11", "frequency": "fortnightly", "count": 3}
    )
    assert dues(fortnightly) == ["2026-03-11", "2026-03-25", "2026-04-08"]


def test_a_move_does_not_shift_the_later_dates() -> None:
    # Sat 14 Mar moves to Mon 16 Mar; the next stays on Sat 21 Mar + 2 = Mon 23 Mar.
    document = scenario(offer={"first_due": "2026-03-14", "frequency": "weekly", "count": 3})
    assert dues(document) == ["2026-03-16", "2026-03-23", "2026-03-30"]


@pytest.mark.parametrize(
    ("country", "region", "day", "moved"),
    [
        ("US", "MA", date(2026, 4, 20), date(2026, 4, 21)),  # Patriots' Day: Massachusetts only
        ("US", "NY", date(2026, 4, 20), date(2026, 4, 20)),
        ("US", None, date(2026, 12, 25), date(2026, 12, 28)),  # Christmas (Fri), then a weekend
        ("US", None, date(2026, 7, 3), date(2026, 7, 6)),  # Independence Day observed (Fri)
        ("GB", "SCT", date(2026, 11, 30), date(2026, 12, 1)),  # St Andrew's Day
        ("GB", "ENG", date(2026, 11, 30), date(2026, 11, 30)),
        ("GB", "ENG", date(2026, 4, 6), date(2026, 4, 7)),  # Easter Monday
        ("GB", "SCT", date(2026, 4, 6), date(2026, 4, 6)),
        ("GB", "ENG", date(2026, 4, 3), date(2026, 4, 7)),  # Good Friday, weekend, Easter Monday
        ("GB", "NIR", date(2026, 3, 17), date(2026, 3, 18)),  # St Patrick's Day
        ("GB", "WLS", date(2026, 3, 17), date(2026, 3, 17)),
        ("AU", "VIC", date(2026, 11, 3), date(2026, 11, 4)),  # Melbourne Cup
        ("AU", "NSW", date(2026, 11, 3), date(2026, 11, 3)),
        ("AU", None, date(2027, 1, 26), date(2027, 1, 27)),  # Australia Day
        ("CA", "QC", date(2026, 6, 24), date(2026, 6, 25)),  # Fête nationale: Quebec only
        ("CA", "ON", date(2026, 6, 24), date(2026, 6, 24)),
        ("CA", None, date(2026, 7, 1), date(2026, 7, 2)),  # Canada Day
    ],
)
def test_holidays_where_the_consumer_lives(
    country: str, region: str | None, day: date, moved: date
) -> None:
    assert next_business_day(day, country, region) == moved
    document = scenario(
        today="2026-03-10",
        case={"country": country, "region": region, "currency": "USD"},
        offer={"kind": "promise", "total": "100.00", "first_due": day.isoformat(), "count": None},
    )
    assert dues(document) == [moved.isoformat()]


def test_a_move_into_the_next_year() -> None:
    # Thu 31 Dec 2026 is a working day in the US; Fri 1 Jan 2027 is New Year's Day.
    assert next_business_day(date(2027, 1, 1), "US", None) == date(2027, 1, 4)
    assert next_business_day(date(2026, 12, 31), "GB", "SCT") == date(2026, 12, 31)


def test_the_down_payment_date_moves_the_same_way() -> None:
    document = scenario(
        offer={"first_due": "2026-04-10", "down_payment": {"amount": "100.00", "due": "2026-04-03"}}
    )
    # Good Friday is no US federal holiday: 3 April stays.
    assert dues(document)[0] == "2026-04-03"
    document["case"].update(country="GB", region="ENG", currency="GBP")
    assert dues(document)[:2] == ["2026-04-07", "2026-04-10"]


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ({"country": "XX"}, "case.country: 'XX' is not a country with known holidays"),
        ({"region": "ZZ"}, "case.region: 'ZZ' is not a subdivision of US"),
        ({"country": "GB", "region": "NY"}, "case.region: 'NY' is not a subdivision of GB"),
        ({"country": "us"}, 'case.country: must be an ISO 3166 country code such as "US"'),
        ({"country": 1}, 'case.country: must be an ISO 3166 country code such as "US"'),
        ({"region": ["NY"]}, 'case.region: must be a subdivision code such as "NY" or "SCT"'),
    ],
)
def test_unknown_places_are_refused(case: dict[str, object], message: str) -> None:
    assert refusal(scenario(case=case)) == message


def test_no_region_uses_the_national_holidays() -> None:
    # Patriots' Day is not a US federal holiday.
    document = scenario(case={"region": None}, offer={"first_due": "2026-04-20", "count": 1})
    assert dues(document) == ["2026-04-20"]
