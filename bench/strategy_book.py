"""A million-case book for ``bench/strategies.py --part runner``, built with COPY.

Setting a million cases up through the ORM takes this machine hours, so the book is
cloned: a few prototype consumers are made through the real paths (each a kind: four US
states and Ontario; a consented mobile, an e-mail, one case, the validation notice
recorded; for each kind a second prototype with 50 earlier texts and e-mails through the
gate), their rows are read back, and N copies of them are COPY'd in with new ids, names,
numbers and references — the ledger entries sealed anew on their chains (``chain.seal``
of the real key), the ledger's search rows written by its own trigger.  Two contracts (US
in USD, Canada in CAD), a strategy each for texts and for e-mails, rules giving each
contract's cases a strategy by balance, and every case enrolled: ``due`` of them with
their step due now, the rest due in three days, the last ``spare`` ended (for the single
path).  A tenth of the due cases are the 50-event kind.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)  # a Monday, 13:00 in Chicago
# (country, region, postal code, area code, currency)
KINDS = [("US", "IL", "60601", "312", "USD"), ("US", "CA", "94103", "415", "USD"),
         ("US", "NY", "10001", "212", "USD"), ("US", "TX", "75201", "214", "USD"),
         ("CA", "ON", "M5V 2T6", "416", "CAD")]  # fmt: skip
HISTORY = 50
CHUNK = 50_000


def step(key: str, channel: str) -> dict[str, Any]:
    return {"key": key, "trigger": {"anchor": "placement", "days": 0, "at": "00:00"},
            "channel": channel, "template": "first-notice", "then": {"kind": "next"}}  # fmt: skip


def build(url: str, cases: int, due: int, spare: int) -> dict[str, Any]:
    """The book; what it holds (ids the measurements need)."""
    from bench.strategies import fresh_database

    fresh_database(url)
    started = time.perf_counter()
    protos = _prototypes()
    made = _clone(url, protos, cases, due, spare)
    made["setup_s"] = round(time.perf_counter() - started, 1)
    return made


def _prototypes() -> dict[str, Any]:
    """The prototypes through the real paths; their ids by kind, with the strategies'
    versions by (currency, channel)."""
    from agency.cases import service as cases_service
    from agency.cases.models import Case, Channel, Consumer, ContactPoint
    from agency.clients.models import Client, Contract
    from agency.compliance import service
    from agency.compliance.models import FactKind, Source
    from agency.db import session_scope
    from agency.kit import clock
    from agency.kit.timezones import candidate_zones, zones_for_phone_digits
    from agency.outreach import demo_templates
    from agency.outreach.strategies import assignment, versions

    notice_at = START - timedelta(days=40)
    with session_scope() as db:
        demo_templates.save_all(db)
        contracts = {}
        for currency, country in (("USD", "US"), ("CAD", "CA")):
            client = Client(code=f"B{currency}", name=f"Bench {currency}",
                            legal_name=f"Bench {currency} Ltd", industry="Telecom",
                            country=country, currency=currency, is_active=True)  # fmt: skip
            db.add(client)
            db.flush()
            contract = Contract(client_id=client.id, reference=f"K-{currency}", currency=currency,
                                contingency_rate=Decimal("25"), settlement_floor=Decimal("60"),
                                effective_from=date(2020, 1, 1))  # fmt: skip
            db.add(contract)
            db.flush()
            contracts[currency] = (client, contract)
        version_of: dict[tuple[str, str], int] = {}
        for currency, country in (("USD", "US"), ("CAD", "CA")):
            client, contract = contracts[currency]
            for channel, words in (("sms", "Texts"), ("email", "E-mails")):
                strategy = versions.create(db, name=f"{words} {country}", country=country,
                                           currency=currency, notice_by_client=True,
                                           by_user_id=None)  # fmt: skip
                contract.client_sends_validation_notice = True
                version = versions.publish(db, strategy=strategy, steps=[step("first", channel)],
                                           reason="bench", by_user_id=None)  # fmt: skip
                version_of[(currency, channel)] = version.id
                # Texts for balances under 150.00, e-mails from there.
                bound = {"max_balance_minor": 14_999} if channel == "sms" else {
                    "min_balance_minor": 15_000}  # fmt: skip
                assignment.save_rule(db, contract=contract, strategy_id=strategy.id,
                                     segment=assignment.Segment(country=country, **bound),
                                     by_user_id=None)  # fmt: skip
        kinds = []
        for n, (country, region, postal, area, currency) in enumerate(KINDS):
            client, contract = contracts[currency]
            pair = []
            for with_history in (False, True):
                phone_zones = zones_for_phone_digits(f"1{area}5550100")
                zones = candidate_zones(country=country, region=region, postal_code=postal,
                                        phone_zones=phone_zones)  # fmt: skip
                consumer = Consumer(first_name="Proto", last_name=f"K{n}", country=country,
                                    region=region, postal_code=postal,
                                    timezones=list(zones))  # fmt: skip
                mobile = ContactPoint(channel=Channel.PHONE, kind="mobile",
                                      value=f"+1{area}5550100")  # fmt: skip
                email = ContactPoint(channel=Channel.EMAIL, kind="personal",
                                     value=f"proto{n}@example.com")  # fmt: skip
                consumer.contact_points = [mobile, email]
                case = Case(client_id=client.id, contract_id=contract.id, consumer=consumer,
                            client_reference=f"PROTO-{n}-{with_history:d}",
                            **cases_service.as_placed(consumer), currency=currency,
                            principal_minor=10_000, placed_minor=10_000,
                            placed_at=START - timedelta(days=30))  # fmt: skip
                db.add_all([consumer, case])
                db.flush()
                service.set_at_placement(db, flags={mobile.id: service.Flags(consent=True)})
                with clock.frozen(notice_at):
                    service.record_fact(db, consumer_id=consumer.id, kind=FactKind.VALIDATION_SENT,
                                        actor_id=None, source=Source.SYSTEM, case_id=case.id,
                                        effective_at=notice_at)  # fmt: skip
                if with_history:
                    for k in range(HISTORY):
                        channel = "sms" if k % 2 else "email"
                        point = mobile if channel == "sms" else email
                        with clock.frozen(START - timedelta(days=39, hours=-k * 12)):
                            service.gate(db, consumer_id=consumer.id, channel=channel,  # type: ignore[arg-type]
                                         contact_point_id=point.id, case_ids=[case.id],
                                         actor_id=None, source=Source.STRATEGY,
                                         automated=True)  # fmt: skip
                pair.append(consumer.id)
            kinds.append((pair, currency, area))
        return {"kinds": kinds, "versions": version_of,
                "contracts": {c: (cl.id, k.id) for c, (cl, k) in contracts.items()}}  # fmt: skip


def _rows(conn: Any, table: str, where: str, params: tuple[Any, ...], order: str = "id"
          ) -> list[dict[str, Any]]:  # fmt: skip
    cur = conn.execute(f"SELECT * FROM {table} WHERE {where} ORDER BY {order}", params)
    names = [d.name for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _clone(url: str, protos: dict[str, Any], cases: int, due: int, spare: int) -> dict[str, Any]:
    import psycopg
    from psycopg.types.json import Jsonb

    from agency.compliance.chain import seal
    from agency.compliance.keys import ledger_keys

    keys = ledger_keys()
    with psycopg.connect(url.replace("+psycopg", "")) as conn:
        proto: list[dict[str, Any]] = []
        for pair, currency, area in protos["kinds"]:
            for consumer_id in pair:
                proto.append({
                    "consumer": _rows(conn, "consumers", "id = %s", (consumer_id,))[0],
                    "points": _rows(conn, "contact_points", "consumer_id = %s", (consumer_id,)),
                    "flags": _rows(conn, "contact_point_flags", "contact_point_id IN "
                                   "(SELECT id FROM contact_points WHERE consumer_id = %s)",
                                   (consumer_id,), order="contact_point_id"),
                    "case": _rows(conn, "cases", "consumer_id = %s", (consumer_id,))[0],
                    "facts": _rows(conn, "compliance_facts", "consumer_id = %s", (consumer_id,)),
                    "ledger": _rows(conn, "ledger_entries", "consumer_id = %s", (consumer_id,)),
                    "currency": currency, "area": area,
                })  # fmt: skip
        base = {t: conn.execute(f"SELECT coalesce(max(id), 0) + 1000 FROM {t}").fetchone()[0]  # type: ignore[index]
                for t in ("consumers", "contact_points", "cases", "compliance_facts",
                          "ledger_entries", "strategy_enrolments")}  # fmt: skip
        plain = [p for n, p in enumerate(proto) if n % 2 == 0]
        storied = [p for n, p in enumerate(proto) if n % 2 == 1]
        point_count = len(plain[0]["points"])
        entry_counts = (len(plain[0]["ledger"]), len(storied[0]["ledger"]))
        ids = dict(base)

        def book() -> Iterator[tuple[int, dict[str, Any]]]:
            for i in range(cases):
                # A tenth of the due cases carry the 50-event history.
                if i < due and i % 10 == 0:
                    yield i, storied[(i // 10) % len(storied)]
                else:
                    yield i, plain[i % len(plain)]

        tables: dict[str, list[list[Any]]] = {}
        columns: dict[str, list[str]] = {}

        def add(table: str, row: dict[str, Any]) -> None:
            if table not in columns:
                columns[table] = list(row)
            tables.setdefault(table, []).append([row[c] for c in columns[table]])

        def flush() -> None:
            for table in ("consumers", "contact_points", "contact_point_flags", "cases",
                          "compliance_facts", "ledger_entries", "strategy_enrolments"):  # fmt: skip
                rows = tables.pop(table, [])
                if not rows:
                    continue
                names = ", ".join(f'"{c}"' for c in columns[table])
                with conn.cursor().copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row([Jsonb(v) if isinstance(v, (dict, list)) else v
                                        for v in row])  # fmt: skip
            conn.commit()

        versions = protos["versions"]
        contracts = protos["contracts"]
        now = START
        for i, p in book():
            consumer_id = ids["consumers"]
            ids["consumers"] += 1
            add("consumers", p["consumer"] | {"id": consumer_id, "first_name": f"F{i}",
                                               "last_name": f"L{i}"})  # fmt: skip
            point_map = {}
            for point in p["points"]:
                new_id = ids["contact_points"]
                ids["contact_points"] += 1
                point_map[point["id"]] = new_id
                value = (f"+1{p['area']}{2_000_000 + i % 7_999_999:07d}"
                         if point["channel"] == "phone" else f"p{i}@example.com")  # fmt: skip
                add("contact_points", point | {"id": new_id, "consumer_id": consumer_id,
                                                "value": value})  # fmt: skip
            for flag in p["flags"]:
                add(
                    "contact_point_flags",
                    flag | {"contact_point_id": point_map[flag["contact_point_id"]]},
                )
            case_id = ids["cases"]
            ids["cases"] += 1
            balance = 10_000 if i % 2 else 20_000  # texts below 150.00, e-mails above
            add("cases", p["case"] | {"id": case_id, "consumer_id": consumer_id,
                                       "client_reference": f"R{i:08d}", "first_name": f"F{i}",
                                       "last_name": f"L{i}", "principal_minor": balance,
                                       "placed_minor": balance})  # fmt: skip
            fact_map = {}
            for fact in p["facts"]:
                new_id = ids["compliance_facts"]
                ids["compliance_facts"] += 1
                fact_map[fact["id"]] = new_id
                add("compliance_facts", fact | {"id": new_id, "consumer_id": consumer_id,
                                                 "case_id": case_id})  # fmt: skip
            prev = None
            for entry in p["ledger"]:
                new = entry | {"id": ids["ledger_entries"], "consumer_id": consumer_id,
                               "case_ids": [case_id], "prev_hash": prev,
                               "contact_point_id": point_map.get(entry["contact_point_id"]),
                               "fact_id": fact_map.get(entry["fact_id"])}  # fmt: skip
                ids["ledger_entries"] += 1
                sealed = SimpleNamespace(**new)
                seal(sealed, keys)
                new["hash"], new["key_id"] = sealed.hash, sealed.key_id
                prev = sealed.hash
                add("ledger_entries", new)
            currency = p["currency"]
            channel = "sms" if balance < 15_000 else "email"
            ended = i >= cases - spare
            add("strategy_enrolments", {
                "id": ids["strategy_enrolments"], "case_id": case_id,
                "contract_id": contracts[currency][1],
                "state": "ended" if ended else "active",
                "version_id": versions[(currency, channel)], "experiment_id": None,
                "variant": None, "step_index": 0, "enrolled_at": now - timedelta(days=1),
                "step_started_at": now - timedelta(days=1),
                "due_at": None if ended else (now - timedelta(minutes=1) if i < due
                                               else now + timedelta(days=3)),
                "waiting_for": None, "reason": "held for the single path" if ended else None,
                "updated_at": now - timedelta(days=1)})  # fmt: skip
            ids["strategy_enrolments"] += 1
            if (i + 1) % CHUNK == 0:
                flush()
        flush()
        for table in base:
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                         f"(SELECT max(id) FROM {table}))")  # fmt: skip
        conn.commit()
        conn.execute("ANALYZE")
        conn.commit()
        spare_rows = conn.execute(
            "SELECT c.id, c.consumer_id, p.id FROM cases c JOIN contact_points p "
            "ON p.consumer_id = c.consumer_id AND p.channel = 'phone' "
            "JOIN strategy_enrolments e ON e.case_id = c.id WHERE e.state = 'ended' "
            "AND e.reason = 'held for the single path' ORDER BY c.id"
        ).fetchall()
    return {"cases": cases, "due": due, "spare": [tuple(r) for r in spare_rows],
            "points_per_consumer": point_count, "entries_per_kind": entry_counts}  # fmt: skip
