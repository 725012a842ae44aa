"""How soon money paid to us must be in the trust account, by the consumer's state: a
number of banking days after we received it.  The table is the agency's to keep up to
date with its licences (edit it here; a state not in it has no deadline of its own)."""

from __future__ import annotations

from datetime import date

from agency.kit.business_days import add_business_days

# Banking days from receipt to deposit in trust, by US state.
DEPOSIT_DEADLINE_DAYS: dict[str, int] = {
    "NC": 2,  # North Carolina
    "MI": 3,  # Michigan
    "AZ": 3,  # Arizona
    "WA": 10,  # Washington
}


def deposit_due(received_on: date, region: str | None) -> date | None:
    """The last day the deposit is on time, or None where the state sets no deadline."""
    days = DEPOSIT_DEADLINE_DAYS.get(region or "")
    if days is None:
        return None
    # Banking days: the country's (the Federal Reserve's), not the state's own holidays.
    return add_business_days(received_on, days, "US")
