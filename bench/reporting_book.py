"""One client's book for ``bench/reporting.py``, built with COPY.

Through the real paths: the client (industry "Subscription", USD), its contract at a flat
25 % and a merchant user (``auth.service.create_user``, so it signs in with a password).
Then, by COPY on one connection, a chunk of cases at a time (nothing of the book is held
in Python beyond a chunk): N consumers and their cases placed uniformly over the 36
agency months ending at ``now`` (the current month so far and the 35 before it); P
payments on a third of the cases — as many, for each slice of cases, as the days they
have been paying (since placement, at most 18 months) allow at a steady rate — each
case's dates uniform over those days, its amounts adding up to less than what
was placed; 5 % paid to the client directly; about 2 % of the others reversed, 1 to 9
days later (a ``payment_reversals`` row and its negative commission entry); a commission
entry for every payment at 25 % half up; the cases' balances what is left after the
payments (fees, then interest, then principal), their statuses mixed (most open; paid
and settled cases at zero); a payment plan or promise for the cases in those statuses,
and a few broken and refused ones.  No contact-ledger rows: the ledger is hash-chained
per consumer, so the contact measures of the reports are zero here.

Days and months are the agency's (``AGENCY_TIME_ZONE``).  Ids come from a base above
what the real paths wrote; the sequences are moved past them at the end.
"""

from __future__ import annotations

import random
import time
from datetime import date, datetime, timedelta
from datetime import time as day_time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

CHUNK = 10_000  # cases a COPY round at most (and about three times as many payments)
PASSWORD = "bench-merchant-password"  # noqa: S105
EMAIL = "merchant@bench.example"
MONTHS = 36
PAYER_SHARE = 0.35  # of the cases, those that pay anything
DIRECT_SHARE = 0.05
REVERSED_SHARE = 0.021  # of the payments not made directly: ≈ 2 % of all
COLLECTING_DAYS = 540  # a case's payments fall within this many days of placement
TABLES = ("consumers", "cases", "payments", "payment_reversals", "commission_entries",
          "payment_plans")  # fmt: skip
COLUMNS = {
    "consumers": ("id", "first_name", "last_name", "country", "region", "postal_code",
                  "timezones", "created_at"),
    "cases": ("id", "client_id", "contract_id", "consumer_id", "client_reference",
              "first_name", "last_name", "country", "region", "postal_code", "currency",
              "principal_minor", "interest_minor", "fees_minor", "placed_minor",
              "interest_since_minor", "fees_since_minor", "payments_since_minor",
              "credits_since_minor", "status", "close_reason", "closed_at", "placed_at",
              "updated_at", "workable_at", "hold_rules", "priority", "ready",
              "last_payment_date"),
    "payments": ("id", "case_id", "amount_minor", "currency", "method", "to_client",
                 "received_on", "effective_on", "provider", "fees_minor", "interest_minor",
                 "principal_minor", "posted_at"),
    "payment_reversals": ("id", "payment_id", "case_id", "kind", "amount_minor", "currency",
                          "reason", "effective_on", "created_at"),
    "commission_entries": ("id", "client_id", "contract_id", "case_id", "payment_id",
                           "reversal_id", "on", "clears_on", "paid_to", "amount_minor",
                           "currency", "rate", "tier", "commission_minor", "why",
                           "created_at"),
    "payment_plans": ("id", "case_id", "kind", "status", "currency", "total_minor",
                      "balance_minor", "frequency", "reasons", "by_consumer", "created_at",
                      "ended_at"),
}  # fmt: skip
OPEN_UNPAID = (("active", 45), ("contacted", 28), ("hold", 3), ("disputed", 4),
               ("recalled", 6), ("closed", 14))  # fmt: skip
OPEN_PAYING = (("plan", 36), ("promise", 10), ("active", 18), ("contacted", 12),
               ("disputed", 2), ("paid", 10), ("settled", 8), ("recalled", 4))  # fmt: skip
CLOSE_REASON = {"paid": "paid_in_full", "settled": "settled", "recalled": "recalled",
                "closed": "uncollectible"}  # fmt: skip


def window(now: datetime, zone: ZoneInfo) -> datetime:
    """The first instant of the first of the 36 placement months ending at ``now``."""
    local = now.astimezone(zone).date().replace(day=1)
    year, month = divmod(local.year * 12 + local.month - 1 - (MONTHS - 1), 12)
    return datetime.combine(date(year, month + 1, 1), day_time(), tzinfo=zone)


def build(url: str, accounts: int, payments: int, now: datetime, zone_name: str
          ) -> dict[str, Any]:  # fmt: skip
    """The book at ``url`` (migrated and empty); what the measurements need of it."""
    started = time.perf_counter()
    client_id, contract_id, user_id = _through_the_app()
    counts = _copy(url, client_id, contract_id, accounts, payments, now, ZoneInfo(zone_name))
    return {"client_id": client_id, "user_id": user_id, "load_s": time.perf_counter() - started,
            **counts}  # fmt: skip


def _through_the_app() -> tuple[int, int, int]:
    from agency.auth import service as auth_service
    from agency.auth.models import Role
    from agency.auth.schemas import NewUserForm
    from agency.clients.models import Client, Contract
    from agency.db import session_scope

    with session_scope() as db:
        client = Client(code="SUBS", name="Bench Subscriptions", legal_name="Bench Subs LLC",
                        industry="Subscription", country="US", currency="USD",
                        is_active=True)  # fmt: skip
        db.add(client)
        db.flush()
        contract = Contract(client_id=client.id, reference="K-SUBS", currency="USD",
                            contingency_rate=Decimal("25"), settlement_floor=Decimal("60"),
                            effective_from=date(2020, 1, 1))  # fmt: skip
        db.add(contract)
        db.flush()
        user = auth_service.create_user(db, data=NewUserForm(
            email=EMAIL, full_name="Bench Merchant", role=Role.MERCHANT, client_id=client.id,
            is_active=True, password=PASSWORD))  # fmt: skip
        db.flush()
        return client.id, contract.id, user.id


def _weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


PLACES = (("NY", "10001"), ("NJ", "07030"), ("PA", "19103"), ("OH", "43215"), ("FL", "33101"),
          ("GA", "30303"), ("NC", "27601"), ("MI", "48226"))  # fmt: skip


class _Book:
    """What every row of the book shares, and the next id of each table."""

    def __init__(self, client_id: int, contract_id: int, accounts: int, now: datetime,
                 zone: ZoneInfo, ids: dict[str, int]) -> None:  # fmt: skip
        self.client_id, self.contract_id, self.accounts = client_id, contract_id, accounts
        self.now, self.zone, self.ids = now, zone, ids
        self.first = window(now, zone)
        self.span = (now - self.first).total_seconds()
        self.today = now.astimezone(zone).date()

    def next_id(self, table: str) -> int:
        value = self.ids[table]
        self.ids[table] += 1
        return value

    def noon(self, day: date) -> datetime:
        """When a day's payment was posted: its noon in the agency's zone (not after now)."""
        return min(datetime.combine(day, day_time(12), tzinfo=self.zone), self.now)


def _copy(url: str, client_id: int, contract_id: int, accounts: int, payments: int,
          now: datetime, zone: ZoneInfo) -> dict[str, int]:  # fmt: skip
    import psycopg

    rng = random.Random(19)
    counts = dict.fromkeys(TABLES, 0)
    with psycopg.connect(url.replace("+psycopg", "")) as conn:
        ids = {t: conn.execute(f"SELECT coalesce(max(id), 0) + 1000 FROM {t}").fetchone()[0]  # type: ignore[index]
               for t in TABLES}  # fmt: skip
        book = _Book(client_id, contract_id, accounts, now, zone, ids)
        # At least a hundred chunks, so each one's cases are of about the same age.
        starts = range(0, accounts, max(200, min(CHUNK, accounts // 100)))
        for start, quota in zip(starts, _quotas(book, starts, payments), strict=True):
            end = min(start + starts.step, accounts)
            rows = _chunk(rng, book, start, end, quota)
            for table in TABLES:
                names = ", ".join(f'"{c}"' for c in COLUMNS[table])
                with conn.cursor().copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows[table]:
                        copy.write_row(row)
                counts[table] += len(rows[table])
            conn.commit()
        for table in TABLES:
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                         f"(SELECT max(id) FROM {table}))")  # fmt: skip
        conn.commit()
    return counts


def _quotas(book: _Book, starts: range, payments: int) -> list[int]:
    """How many of the payments each chunk's cases made: in proportion to the days they
    have been paying (since placement, at most ``COLLECTING_DAYS``), so that money comes
    in at a steady rate rather than crowding into the newest cases' few days."""
    weights = []
    for start in starts:
        end = min(start + starts.step, book.accounts)
        middle = book.first + timedelta(seconds=book.span * (start + end) / 2 / book.accounts)
        days = min((book.now - middle).total_seconds() / 86_400, COLLECTING_DAYS)
        weights.append((end - start) * (days + 1))
    total, running, quotas = sum(weights), 0.0, []
    for weight in weights:
        quotas.append(int(payments * (running + weight) / total) - int(payments * running / total))
        running += weight
    quotas[-1] += payments - sum(quotas)
    return quotas


def _chunk(rng: random.Random, book: _Book, start: int, end: int, quota: int
           ) -> dict[str, list[tuple[Any, ...]]]:  # fmt: skip
    """The rows of cases ``start`` to ``end`` (of the book's N, in placement order) and of
    their ``quota`` payments, spread over a third of them."""
    rows: dict[str, list[tuple[Any, ...]]] = {t: [] for t in TABLES}
    size = end - start
    payers = rng.sample(range(size), max(1, round(size * PAYER_SHARE)))
    paid_count = [0] * size
    for _ in range(quota):
        paid_count[rng.choice(payers)] += 1
    for offset in range(size):
        n = start + offset
        placed_at = book.first + timedelta(seconds=book.span * (n + rng.random()) / book.accounts)
        _case(rng, book, rows, n, paid_count[offset], min(placed_at, book.now))
    return rows


def _case(rng: random.Random, book: _Book, rows: dict[str, list[tuple[Any, ...]]], n: int,
          count: int, placed_at: datetime) -> None:  # fmt: skip
    consumer_id, case_id = book.next_id("consumers"), book.next_id("cases")
    region, postal = PLACES[n % len(PLACES)]
    first_name, last_name = f"F{n}", f"L{n}"
    rows["consumers"].append((consumer_id, first_name, last_name, "US", region, postal,
                              '["America/New_York"]', placed_at))  # fmt: skip
    principal = rng.randrange(5_000, 250_000)
    interest = principal * rng.randrange(0, 15) // 100
    fees = rng.choice((0, 0, 0, 2_500, 3_500))
    placed = principal + interest + fees
    placed_day = placed_at.astimezone(book.zone).date()
    last = min((book.today - placed_day).days, COLLECTING_DAYS)
    days = sorted(placed_day + timedelta(days=rng.randint(0, last)) for _ in range(count))
    left = {"fees": fees, "interest": interest, "principal": principal}
    net = 0
    for day in days:
        amount = max(1, int(placed * rng.uniform(0.3, 1.0)) // (count + 1))
        net += amount
        split: dict[str, int] = {}
        for bucket in ("fees", "interest", "principal"):
            split[bucket] = min(amount - sum(split.values()), left[bucket])
            left[bucket] -= split[bucket]
        direct = rng.random() < DIRECT_SHARE
        method = "direct" if direct else ("card" if rng.random() < 0.6 else "ach")
        payment_id, posted = book.next_id("payments"), book.noon(day)
        rows["payments"].append((payment_id, case_id, amount, "USD", method, direct, day, day,
                                 "manual", split["fees"], split["interest"],
                                 split["principal"], posted))  # fmt: skip
        paid_to = "client" if direct else "agency"
        commission = (amount * 25 + 50) // 100
        clears = day + timedelta(days=3)
        rows["commission_entries"].append((
            book.next_id("commission_entries"), book.client_id, book.contract_id, case_id,
            payment_id, None, day, clears, paid_to, amount, "USD", "25.000", "0", commission,
            "25.000 %: bench", posted))  # fmt: skip
        if not direct and rng.random() < REVERSED_SHARE:
            on = min(day + timedelta(days=rng.randint(1, 9)), book.today)
            reversal_id = book.next_id("payment_reversals")
            kind = rng.choice(("nsf", "returned_ach", "chargeback"))
            rows["payment_reversals"].append((reversal_id, payment_id, case_id, kind, amount,
                                              "USD", "bench", on, book.noon(on)))  # fmt: skip
            rows["commission_entries"].append((
                book.next_id("commission_entries"), book.client_id, book.contract_id,
                case_id, payment_id, reversal_id, on, max(on, clears), paid_to, -amount,
                "USD", "25.000", "0", -commission, "reverses: bench", book.noon(on)))  # fmt: skip
            net -= amount
            left["principal"] += amount
    status = _weighted(rng, OPEN_PAYING if count else OPEN_UNPAID)
    if status == "active" and not count and (book.today - placed_day).days < 30:
        status = "new"
    if status in ("paid", "settled"):
        left = dict.fromkeys(left, 0)
    last_moved = book.noon(days[-1]) if days else placed_at
    closed_at = None
    if status in CLOSE_REASON:
        closed_at = min(last_moved + timedelta(days=rng.randint(1, 60)), book.now)
    rows["cases"].append((
        case_id, book.client_id, book.contract_id, consumer_id, f"R{n:08d}", first_name,
        last_name, "US", region, postal, "USD", left["principal"], left["interest"],
        left["fees"], placed, 0, 0, net, 0, status, CLOSE_REASON.get(status), closed_at,
        placed_at, closed_at or last_moved, placed_at, "[]", 0, True,
        days[-1] if days else None))  # fmt: skip
    _plans(rng, book, rows, case_id, status, count, placed, placed_at)


def _plans(rng: random.Random, book: _Book, rows: dict[str, list[tuple[Any, ...]]],
           case_id: int, status: str, count: int, placed: int, placed_at: datetime
           ) -> None:  # fmt: skip
    """A plan or promise for a case in that status; on a few other paying cases a broken
    plan, or a settlement offer a supervisor refused."""
    made: list[tuple[str, str]] = []
    if status == "plan":
        made.append(("plan" if rng.random() < 0.85 else "settlement", "active"))
    elif status == "promise":
        made.append(("promise", "active"))
    if count and rng.random() < 0.06:
        made.append(("plan", "broken"))
    if count and rng.random() < 0.02:
        made.append(("settlement", "refused"))
    reach = (min(book.now, placed_at + timedelta(days=COLLECTING_DAYS)) - placed_at).total_seconds()
    for kind, plan_status in made:
        created = placed_at + timedelta(seconds=reach * rng.random())
        ended = min(created + timedelta(days=60), book.now) if plan_status == "broken" else None
        frequency = "monthly" if kind == "plan" else None
        total = placed if kind == "plan" else max(100, placed // 2)
        rows["payment_plans"].append((book.next_id("payment_plans"), case_id, kind,
                                      plan_status, "USD", total, placed, frequency, "[]",
                                      False, created, ended))  # fmt: skip
