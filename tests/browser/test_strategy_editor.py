"""A supervisor builds a three-step US strategy in the editor — the validation notice, a
text on day 5 after it, a call task on day 10 — with the editor's own buttons (no
script needed), dry-runs it on a Massachusetts case and sees the rule that holds the text
back, publishes it with a reason and reads it on the strategy page, and — the contract
given the strategy and the runner ticked — finds the first step on the case page; on a
phone (390px) the editor fits without scrolling sideways."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from agency.auth.models import Role
from agency.cases.models import Case
from agency.clients.models import Contract
from agency.compliance import service as compliance
from agency.db import session_scope
from agency.kit import clock
from agency.outreach.models import MessageChannel
from agency.outreach.strategies import assignment, experiments, runner, versions
from agency.outreach.strategies.models import Strategy
from agency.outreach.versions import TemplateDraft, save_version
from tests.browser.conftest import console_errors, sign_in
from tests.fixtures.compliance import make_debtor
from tests.fixtures.factories import UserFactory, bind

pytestmark = pytest.mark.browser


@pytest.fixture
def supervisor_email(live_server: str) -> str:
    with session_scope() as db:
        bind(db)
        supervisor = UserFactory(role=Role.SUPERVISOR, email="sue@example.com",
                                 full_name="Sue Supervisor")  # fmt: skip
        draft = TemplateDraft(key="payment-reminder", channel=MessageChannel.SMS, language="en",
                              title="Payment reminder",
                              body="{{ disclosure.mini_miranda }} Hi {{ consumer.first_name }}, "
                                   "please call us. {{ opt_out.sms }}")  # fmt: skip
        save_version(db, draft=draft, why="first words", by_user_id=supervisor.id)
        fallback = TemplateDraft(key="payment-reminder", channel=MessageChannel.EMAIL,
                                 language="en", title="Payment reminder",
                                 subject="About your account",
                                 body="{{ disclosure.mini_miranda }} Hi {{ consumer.first_name }}, "
                                      "please call us. {{ opt_out.email_link }}")  # fmt: skip
        save_version(db, draft=fallback, why="first words", by_user_id=supervisor.id)
        return str(supervisor.email)


@pytest.fixture
def massachusetts_case(live_server: str) -> int:
    """A Boston consumer's case (the validation notice sent long ago) texted on each of
    the last two days: Massachusetts allows no third text in seven days."""
    with session_scope() as db:
        bind(db)
        debtor = make_debtor(phone="+16175550142")
        debtor.consumer.region, debtor.consumer.timezones = "MA", ["America/New_York"]
        db.flush()
        noon = datetime.now(UTC).replace(hour=17, minute=0, second=0, microsecond=0)
        for days in (2, 1):
            with clock.frozen(noon - timedelta(days=days)):
                compliance.gate(
                    db,
                    consumer_id=debtor.consumer.id,
                    channel="sms",
                    contact_point_id=debtor.phone.id,
                    case_ids=[debtor.case.id],
                    actor_id=None,
                    source=compliance.Source.AGENT,
                    automated=True,
                )
        return debtor.case.id


def new_strategy(page: Page, live_server: str, name: str) -> None:
    page.goto(f"{live_server}/supervisor/strategies")
    page.click("text=New strategy")
    page.fill("#f-name", name)
    page.click("button:has-text('Create and write the steps')")
    expect(page.locator("h1")).to_have_text(f"Steps of {name}")


def test_a_supervisor_builds_and_publishes_a_three_step_us_strategy(
    page: Page, live_server: str, supervisor_email: str, massachusetts_case: int
) -> None:
    errors = console_errors(page)
    sign_in(page, live_server, supervisor_email)
    new_strategy(page, live_server, "Telecom early")
    expect(page.locator("#flash")).to_contain_text("Strategy Telecom early created")
    expect(page.locator("#f-steps-0-channel")).to_have_value("validation_notice")

    page.click("button:has-text('Add step')")
    page.fill("#f-steps-1-key", "text-day-5")
    page.select_option("#f-steps-1-anchor", "validation_sent")
    page.fill("#f-steps-1-days", "5")
    page.fill("#f-steps-1-at", "10:00")
    page.select_option("#f-steps-1-channel", "sms")
    page.fill("#f-steps-1-template", "payment-reminder")
    page.check("#step-2 >> text=on a plan or promise")
    page.select_option("#f-steps-1-fallback", "email")
    page.click("button:has-text('Add step')")  # what was typed in step 2 is kept
    expect(page.locator("#f-steps-1-days")).to_have_value("5")
    expect(page.locator("#step-2 >> text=on a plan or promise").locator("input")).to_be_checked()
    page.fill("#f-steps-2-key", "call-day-10")
    page.select_option("#f-steps-2-anchor", "validation_sent")
    page.fill("#f-steps-2-days", "10")
    page.fill("#f-steps-2-at", "14:00")
    page.select_option("#f-steps-2-channel", "call_task")
    page.fill("#f-steps-2-reason", "no answer to the notice and the text")

    # Before publishing: a dry run on the Massachusetts case names the rule that holds
    # the text back, and writes nothing.
    page.fill("#f-dry-case", str(massachusetts_case))
    page.click("button:has-text('Dry run these steps')")
    lines = page.locator("#dry-run-lines")
    expect(lines).to_contain_text(
        "notice · skipped · skipped: the validation notice was already sent"
    )
    expect(lines.locator("li.dry-deferred").last).to_contain_text("Massachusetts call limit")
    expect(lines).to_contain_text("940 CMR 7.04(1)(f)")
    expect(page.locator("#f-steps-2-reason")).to_have_value("no answer to the notice and the text")

    page.click("button:has-text('Publish as version 1')")  # no reason yet: refused
    expect(page.locator("#strategy-errors")).to_contain_text("Why it changes: say why")
    expect(page.locator("#f-reason")).to_be_focused()
    expect(page.locator("#f-steps-2-reason")).to_have_value("no answer to the notice and the text")
    page.fill("#f-reason", "launch for the telecom book")
    page.click("button:has-text('Publish as version 1')")

    expect(page.locator("#flash")).to_contain_text("Version 1 published: launch for the telecom")
    steps = page.locator("#strategy-steps li")
    expect(steps).to_have_count(3)
    expect(steps.nth(0)).to_contain_text("Day 0 after placement, 09:00")
    expect(steps.nth(1)).to_have_text(
        "Day 5 after the validation notice, 10:00 the consumer's time: text "
        "'payment-reminder'; skipped when on a plan or promise; falls back to e-mail; "
        "then the next step"
    )
    expect(steps.nth(2)).to_contain_text("Day 10 after the validation notice, 14:00")
    expect(steps.nth(2)).to_contain_text("call task for an agent (no answer to the notice")
    newest = page.locator("#strategy-versions tbody tr").first
    expect(newest).to_have_attribute("data-version", "1")
    expect(newest).to_contain_text("Sue Supervisor")
    expect(newest).to_contain_text("launch for the telecom book")
    assert [e for e in errors if "status of 422" not in e] == []  # the refusal's page only

    # The case's contract gets the strategy; the runner's next tick does the first step,
    # and the case page's strategy panel says so, and what holds the text back.
    with session_scope() as db:
        case = db.get_one(Case, massachusetts_case)
        strategy = db.scalars(select(Strategy).where(Strategy.name == "Telecom early")).one()
        assignment.save_rule(
            db,
            contract=db.get_one(Contract, case.contract_id),
            strategy_id=strategy.id,
            segment=assignment.Segment(),
            by_user_id=None,
        )
    runner.tick()
    page.goto(f"{live_server}/cases/{massachusetts_case}")
    panel = page.locator("#case-strategy")
    expect(panel).to_contain_text("Telecom early, version 1")
    expect(panel.locator("#strategy-events")).to_contain_text(
        "skipped: the validation notice was already sent"
    )
    expect(panel.locator("#strategy-events")).to_contain_text("deferred by the gate")


def test_the_editor_fits_a_phone(page: Page, live_server: str, supervisor_email: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, supervisor_email)
    new_strategy(page, live_server, "Phone")
    page.click("button:has-text('Add step')")
    for selector in ("#f-steps-1-template", "#f-steps-1-below", "#f-reason"):
        box = page.locator(selector).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, selector
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.evaluate("window.innerWidth"), width
    form = page.locator("#strategy-form")
    assert form.evaluate("f => f.scrollWidth <= f.clientWidth")


def test_the_strategy_pages_fit_a_phone(
    page: Page, live_server: str, supervisor_email: str, massachusetts_case: int
) -> None:
    """The rules (moved with their buttons), an experiment's results and end form, the
    runner's health and a case's strategy panel, at a phone's width: nothing scrolls the
    page sideways (a wide table scrolls inside its own box)."""
    with session_scope() as db:
        case = db.get_one(Case, massachusetts_case)
        contract = db.get_one(Contract, case.contract_id)
        made = []
        notice = {"key": "notice", "channel": "validation_notice", "then": {"kind": "next"},
                  "trigger": {"anchor": "placement", "days": 0, "at": "09:00"}}  # fmt: skip
        for name in ("Letters first", "Texts first"):
            s = versions.create(db, name=name, country="US", currency="USD",
                                notice_by_client=False, by_user_id=None)  # fmt: skip
            versions.publish(db, strategy=s, steps=[notice], reason="launch", by_user_id=None)
            made.append(s)
        rules = [assignment.save_rule(db, contract=contract, strategy_id=s.id,
                                      segment=assignment.Segment(), by_user_id=None)
                 for s in made]  # fmt: skip
        experiment = experiments.start(db, contract=contract, rule=rules[0],
                                       challenger_id=made[1].id, percent=20,
                                       reason="texts before letters for early accounts",
                                       by_user_id=None)  # fmt: skip
        contract_id, experiment_id = contract.id, experiment.id
    runner.tick()
    page.set_viewport_size({"width": 375, "height": 812})
    sign_in(page, live_server, supervisor_email)

    def fits() -> None:
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.goto(f"{live_server}/supervisor/contracts/{contract_id}/strategy-rules")
    fits()
    page.click("button[aria-label='Move rule 2 up']")
    expect(page.locator("#flash")).to_contain_text("Strategy rule moved to 1.")
    expect(page.locator("#strategy-rules tbody tr").first).to_contain_text("Texts first")
    fits()
    page.goto(f"{live_server}/supervisor/experiments/{experiment_id}")
    expect(page.locator("#experiment-results")).to_contain_text("Right-party contact rate")
    fits()
    page.fill("#f-end_reason", "the texts answered sooner")
    page.click("button:has-text('End and keep the champion')")
    expect(page.locator("#experiment-state")).to_contain_text("The champion was kept.")
    fits()
    page.goto(f"{live_server}/supervisor/strategies/health")
    fits()
    page.goto(f"{live_server}/cases/{massachusetts_case}")
    expect(page.locator("#case-strategy")).to_contain_text("first, version 1")
    fits()
