"""Stored templates: saved only when the save-time checks pass (refused with the reason
per part), versioned with who/when/why, rendered for a real case, and their derived
traits read by the gate."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from agency.compliance.models import LedgerEntry, Source
from agency.kit import clock
from agency.outreach import composing, outbox
from agency.outreach.models import MessageChannel, MessageStatus, MessageTemplate, TemplateVersion
from agency.outreach.versions import TemplateDraft, TemplateRefused, save_version
from tests.fixtures.compliance import OFFICE_HOURS, make_debtor
from tests.fixtures.factories import UserFactory

FIRST = (
    "{{ disclosure.mini_miranda }} Hi {{ consumer.first_name }}, your balance with "
    "{{ client.name }} is {{ case.balance }}. {{ opt_out.sms }}"
)
LATER = "{{ disclosure.debt_collector }} {{ consumer.first_name }}, call us. {{ opt_out.sms }}"


def sms(body: str, **settings: object) -> TemplateDraft:
    return TemplateDraft(
        key="payment-reminder",
        channel=MessageChannel.SMS,
        language="en",
        title="Payment reminder",
        body=body,
        **settings,  # type: ignore[arg-type]
    )


def test_a_template_that_passes_the_checks_is_saved_as_numbered_versions(db: Session) -> None:
    admin = UserFactory()
    first = save_version(db, draft=sms(FIRST), why="first words", by_user_id=admin.id)
    second = save_version(db, draft=sms(FIRST + " "), why="a space", by_user_id=admin.id)
    template = db.get(MessageTemplate, first.template_id)
    assert template is not None
    assert (template.version, first.version, second.version) == (2, 1, 2)
    assert (second.why, second.by_user_id) == ("a space", admin.id)
    assert first.traits["full_mini_miranda"] is True
    assert first.traits["opt_out_instruction"] is True
    assert first.traits["threatens_suit"] is False


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ("{{ disclosure.mini_miranda }} Pay {{ case.balance }}.", "body", "STOP"),
        ("Hi {{ consumer.first_name }}. {{ opt_out.sms }}", "body", "attempt to collect a debt"),
        (FIRST + " We will sue you.", "body", "sue"),
        (FIRST + " {{ consumer.ssn }}", "body", "consumer.ssn"),
    ],
    ids=["no opt-out", "no mini-Miranda", "threatens suit", "unknown variable"],
)
def test_a_template_missing_what_the_rules_need_is_refused_with_the_reason(
    db: Session, body: str, field: str, words: str
) -> None:
    with pytest.raises(TemplateRefused) as refused:
        save_version(db, draft=sms(body), why="try", by_user_id=None)
    assert words in refused.value.errors[field]
    assert db.scalars(select(TemplateVersion)).all() == []


def test_a_text_over_its_segment_limit_is_refused_naming_the_count(db: Session) -> None:
    with pytest.raises(TemplateRefused) as refused:
        save_version(db, draft=sms(FIRST, segment_limit=1), why="short", by_user_id=None)
    assert "segment" in refused.value.errors["body"]


def test_a_version_is_rendered_for_the_case_and_sent_with_its_traits(db: Session) -> None:
    debtor = make_debtor(first_name="Rosa")
    version = save_version(db, draft=sms(FIRST), why="first words", by_user_id=None)
    template = db.get(MessageTemplate, version.template_id)
    assert template is not None
    draft = composing.draft_for(
        version, template, case=debtor.case, client_name=debtor.client.name, point=debtor.phone
    )
    assert "Hi Rosa, your balance with" in draft.body
    assert "attempt to collect a debt" in draft.body
    assert draft.segments is not None and draft.segments >= 2
    with clock.frozen(OFFICE_HOURS):
        message = outbox.queue(
            db,
            case_id=debtor.case.id,
            consumer_id=debtor.consumer.id,
            client_id=debtor.client.id,
            contact_point_id=debtor.phone.id,
            to_address=debtor.phone.value,
            draft=draft,
            provider="sandbox",
            by_user_id=None,
            source=Source.AGENT,
        )
    assert message.status is MessageStatus.PENDING
    assert message.template_version_id == version.id
    attempt = db.get(LedgerEntry, message.attempt_entry_id)
    assert attempt is not None
    assert attempt.template == "payment-reminder/sms/en@v1"
    assert attempt.detail["template_traits"]["full_mini_miranda"] is True


def test_a_later_communication_template_is_blocked_by_the_gate_as_a_first_one(
    db: Session,
) -> None:
    """Saved for later communications (the debt-collector line only), it is the gate —
    reading the version's derived traits — that keeps it from being the first."""
    debtor = make_debtor()
    version = save_version(
        db, draft=sms(LATER, first_contact=False), why="follow-up", by_user_id=None
    )
    template = db.get(MessageTemplate, version.template_id)
    assert template is not None
    draft = composing.draft_for(
        version, template, case=debtor.case, client_name=debtor.client.name, point=debtor.phone
    )
    with clock.frozen(OFFICE_HOURS):
        message = outbox.queue(
            db,
            case_id=debtor.case.id,
            consumer_id=debtor.consumer.id,
            client_id=debtor.client.id,
            contact_point_id=debtor.phone.id,
            to_address=debtor.phone.value,
            draft=draft,
            provider="sandbox",
            by_user_id=None,
            source=Source.AGENT,
        )
    assert message.status is MessageStatus.BLOCKED
    assert "US-FDCPA-MINIMIRANDA" in message.blocked_by
