"""`agency demo` loads realistic data once; `agency create-user` makes a working login;
`agency serve` runs the processes asked for."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from agency.auth.models import Role, User
from agency.cases.models import (
    CLOSED_STATUSES,
    AgentProfile,
    AssignmentChange,
    AssignmentRule,
    Callback,
    Case,
    CaseNote,
    CaseStatus,
    Consumer,
    StatusChange,
    Team,
)
from agency.cli import app
from agency.clients.models import Client
from agency.commission.models import Statement
from agency.compliance import integrity
from agency.compliance.models import ComplianceFact, EntryKind, LedgerEntry
from agency.db import session_scope
from agency.outreach.demo_templates import DRAFTS
from agency.outreach.models import (
    LetterBatch,
    MessageChannel,
    MessageStatus,
    MessageTemplate,
    OutboxMessage,
    TemplateVersion,
)
from agency.outreach.template_checks import check_template
from agency.outreach.templating import LANGUAGES, TemplateParts
from agency.payments.models import PaymentPlan

runner = CliRunner()


def counts() -> tuple[int, ...]:
    with session_scope() as db:
        return tuple(
            db.scalar(select(func.count()).select_from(model)) or 0
            for model in (
                Client,
                User,
                Consumer,
                Case,
                MessageTemplate,
                TemplateVersion,
                OutboxMessage,
                LetterBatch,
            )
        )


def test_demo_loads_once_and_is_realistic(bound_engine: Engine) -> None:
    first = runner.invoke(app, ["demo"])
    assert first.exit_code == 0, first.output
    assert "demo data loaded" in first.output
    assert "merchant@example.com" in first.output
    loaded = counts()
    clients, users, consumers, cases = loaded[:4]
    assert clients == 3 and users == 10
    assert 1_800 <= consumers <= 2_100 and 1_900 <= cases <= 2_100

    with session_scope() as db:
        currencies = dict(db.execute(select(Client.code, Client.currency)).all())
        assert currencies == {"DEMO": "USD", "AUDEMO": "AUD", "UKDEMO": "GBP"}
        countries = dict(
            db.execute(
                select(Consumer.country, func.count(func.distinct(Consumer.region))).group_by(
                    Consumer.country
                )
            ).all()
        )
        assert countries["US"] >= 10 and countries["AU"] >= 6 and countries["GB"] >= 3
        roles = {role for (role,) in db.execute(select(User.role))}
        assert roles == set(Role)
        merchants = db.scalars(select(User).where(User.role == Role.MERCHANT)).all()
        assert all(m.client_id is not None for m in merchants)
        # Each user's screens show their office's time.
        zones = dict(db.execute(select(User.email, User.time_zone)).all())
        assert zones["agent@example.com"] == "America/New_York"
        assert zones["merchant.au@example.com"] == "Australia/Sydney"
        assert zones["merchant.uk@example.com"] == "Europe/London"
        statuses = db.scalar(select(func.count(func.distinct(Case.status))))
        assert statuses == 11
        # Three weeks of contact went through the real gate: some allowed, some blocked.
        decisions = dict(
            db.execute(
                select(LedgerEntry.allowed, func.count())
                .where(LedgerEntry.kind == EntryKind.ATTEMPT)
                .group_by(LedgerEntry.allowed)
            ).all()
        )
        assert decisions[True] > 500 and decisions[False] > 50
        assert db.scalar(select(func.count()).select_from(ComplianceFact)) > 200
        assert integrity.verify_ledger(db).ok
        # One team of the four agents; the rules gave out the cases (by skill abroad),
        # the team's pool holds some, and some wait for the supervisor.
        team = db.scalar(select(Team).where(Team.name == "Early-stage"))
        assert team is not None
        profiles = {p.user_id: p for p in db.scalars(select(AgentProfile))}
        agents = {u.email: u.id for u in db.scalars(select(User).where(User.role == Role.AGENT))}
        assert set(profiles) == set(agents.values())
        assert all(p.team_id == team.id and p.capacity for p in profiles.values())
        assert db.scalar(select(func.count()).select_from(AssignmentRule)) == 5
        holders = dict(
            db.execute(
                select(Consumer.country, func.count(func.distinct(Case.assigned_agent_id)))
                .join(Case.consumer)
                .where(Case.assigned_agent_id.is_not(None))
                .group_by(Consumer.country)
            ).all()
        )
        assert holders == {"US": 2, "AU": 1, "GB": 1}
        assigned = db.scalar(
            select(func.count()).select_from(Case).where(Case.assigned_agent_id.is_not(None))
        )
        pooled = db.scalar(
            select(func.count())
            .select_from(Case)
            .where(Case.team_id == team.id, Case.assigned_agent_id.is_(None))
        )
        unassigned = db.scalar(
            select(func.count())
            .select_from(Case)
            .where(Case.team_id.is_(None), Case.assigned_agent_id.is_(None))
        )
        assert assigned > 1_000 and pooled > 10 and unassigned > 100
        changes = db.scalar(select(func.count()).select_from(AssignmentChange))
        assert changes == assigned + pooled
        assert db.scalar(select(func.count()).select_from(PaymentPlan)) > 50
        assert db.scalar(select(func.count()).select_from(Callback)) > 20
        assert db.scalar(select(func.count()).select_from(CaseNote)) > 20
        # Every status came through the status machine: a final one with its close reason.
        unrecorded = select(func.count()).where(
            Case.status != CaseStatus.NEW,
            ~select(StatusChange.id).where(StatusChange.case_id == Case.id).exists(),
        )
        assert db.scalar(unrecorded) == 0
        reasons = db.execute(
            select(Case.status, Case.close_reason).where(Case.status.in_(CLOSED_STATUSES))
        ).all()
        assert {status for status, _ in reasons} == set(CLOSED_STATUSES)
        assert all(reason is not None for _, reason in reasons)
        outreach_demo_is_there(db)

    again = runner.invoke(app, ["demo"])
    assert again.exit_code == 0
    assert "already present" in again.output
    assert counts() == loaded


def outreach_demo_is_there(db: Session) -> None:
    """Templates for every channel and language, as saved (they pass the save-time
    checks), and the outbox showing each ending in the sandbox."""
    templates = db.scalars(select(MessageTemplate)).all()
    assert {(t.channel, t.language) for t in templates} == {
        (channel, language) for channel in MessageChannel for language in LANGUAGES
    }
    assert {t.key for t in templates} == {
        "first-notice",
        "payment-reminder",
        "payment-receipt",
        "plan-confirmation",
    }
    assert all(t.version == 1 and t.is_active for t in templates)
    for template in templates:
        version = db.scalar(
            select(TemplateVersion).where(TemplateVersion.template_id == template.id)
        )
        assert version is not None
        checked = check_template(
            TemplateParts(subject=version.subject, body=version.body, html=version.html),
            channel=template.channel.value,
            language="es" if template.language == "es" else "en",
            first_communication=template.first_contact,
            suit_notice=template.suit_notice,
            sms_segment_limit=None,
        )
        assert checked.ok, (template.key, checked.problems)
        assert version.traits["full_mini_miranda"] is template.first_contact
    assert len(templates) == len(DRAFTS) == 24
    everything = db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    # The plan's messages; the demo's payments sent their receipts too.
    messages = [m for m in everything if not m.message_key.startswith("receipt-")]
    assert len(everything) - len(messages) == 3  # the payments to us, not the direct one
    by_status = {(m.channel, m.status) for m in messages}
    assert (MessageChannel.SMS, MessageStatus.DELIVERED) in by_status
    assert (MessageChannel.EMAIL, MessageStatus.DELIVERED) in by_status
    assert (MessageChannel.EMAIL, MessageStatus.UNDELIVERED) in by_status
    assert (MessageChannel.SMS, MessageStatus.BLOCKED) in by_status
    assert (MessageChannel.LETTER, MessageStatus.SENT) in by_status
    assert len(messages) == 7
    blocked = next(m for m in messages if m.status is MessageStatus.BLOCKED)
    assert "US-FDCPA-MINIMIRANDA" in blocked.blocked_by
    assert "debt collector" in blocked.body and "Reply STOP" in blocked.body
    undelivered = next(m for m in messages if m.status is MessageStatus.UNDELIVERED)
    assert undelivered.to_address.endswith("@undeliverable.example")
    delivered = [m for m in messages if m.status is MessageStatus.DELIVERED]
    assert all("attempt to collect a debt" in m.body for m in delivered)
    # Sent on a weekday at 13:00 New York time, whatever the hour the demo ran.
    sent_at = {m.created_at.astimezone(ZoneInfo("America/New_York")) for m in messages}
    assert len(sent_at) == 1
    (moment,) = sent_at
    assert moment.weekday() < 5 and (moment.hour, moment.minute) == (13, 0)
    assert db.scalar(select(func.count()).select_from(LetterBatch)) == 1
    # Last month's statement of the demo client, closed, its remittance due.
    statement = db.scalars(select(Statement)).one()
    assert statement.lines == 4 and statement.direct_minor > 0
    assert statement.remittance_due_minor > 0 and statement.invoice_minor > 0


def test_create_user_from_the_command_line(bound_engine: Engine) -> None:
    result = runner.invoke(
        app,
        [
            "create-user",
            "ops@example.com",
            "--role",
            "admin",
            "--name",
            "Ops Person",
            "--password-stdin",
        ],
        input="a-strong-password\n",
    )
    assert result.exit_code == 0, result.output
    assert "created admin ops@example.com" in result.output
    with session_scope() as db:
        user = db.scalar(select(User).where(User.email == "ops@example.com"))
        assert user is not None and user.role is Role.ADMIN


def test_create_user_reports_bad_input_in_one_line(bound_engine: Engine) -> None:
    result = runner.invoke(
        app,
        [
            "create-user",
            "m@example.com",
            "--role",
            "merchant",
            "--name",
            "M",
            "--client",
            "NOPE",
            "--password-stdin",
        ],
        input="a-strong-password\n",
    )
    assert result.exit_code == 1
    assert "no client with code 'NOPE'" in result.output
    short = runner.invoke(
        app,
        ["create-user", "x@example.com", "--role", "agent", "--name", "X", "--password-stdin"],
        input="short\n",
    )
    assert short.exit_code == 1
    assert "password: must be at least 10 characters" in short.output
    assert "Traceback" not in short.output


def test_serve_refuses_reload_with_several_workers() -> None:
    result = runner.invoke(app, ["serve", "--reload", "--workers", "2"])
    assert result.exit_code == 1
    assert "--reload restarts one process" in result.output


def test_serve_runs_the_number_of_worker_processes_asked(tmp_path: Path) -> None:
    """A real `agency serve --workers 2` on a fresh SQLite database: two processes
    answer, and they stop with it."""
    agency = Path(sys.executable).with_name("agency")
    env = {
        **os.environ,
        "AGENCY_DATABASE_URL": f"sqlite:///{tmp_path}/serve.sqlite3",
        "AGENCY_BROKER_URL": "memory://",
    }
    subprocess.run([agency, "migrate"], env=env, check=True, capture_output=True)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [agency, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz") as answer:
                    assert answer.status == 200
                    break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline
                time.sleep(0.2)
        assert len(_children(server.pid)) == 2
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert server.returncode == 0


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (other than multiprocessing's helpers)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == pid and b"resource_tracker" not in command:
            found.append(int(stat.parent.name))
    return found
