"""Strategies created and published: each publish the next version with who and why,
refused whole at the first step that does not fit or names a template its channel has
none of."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agency.outreach.models import MessageChannel, MessageTemplate
from agency.outreach.strategies import versions
from agency.outreach.strategies.models import StrategyVersion
from tests.outreach.strategies.test_steps import NOTICE, TEXT


def template(db: Session, key: str, channel: MessageChannel) -> None:
    db.add(MessageTemplate(key=key, channel=channel, language="en", title=key))
    db.flush()


def test_each_publish_is_the_next_version(db: Session) -> None:
    template(db, "payment-reminder", MessageChannel.SMS)
    template(db, "payment-reminder", MessageChannel.EMAIL)  # the text's fallback
    strategy = versions.create(db, name=" Telecom  early ", country="US", currency="usd",
                               notice_by_client=False, by_user_id=None)  # fmt: skip
    assert (strategy.name, strategy.currency) == ("Telecom early", "USD")
    first = versions.publish(
        db, strategy=strategy, steps=[NOTICE], reason="launch", by_user_id=None
    )
    second = versions.publish(db, strategy=strategy, steps=[NOTICE, TEXT], reason="add a text",
                              by_user_id=None)  # fmt: skip
    assert [v.version for v in versions.versions_of(db, strategy.id)] == [2, 1]
    assert (first.steps, second.reason) == ([NOTICE], "add a text")


@pytest.mark.parametrize(
    ("steps", "reason", "field", "message"),
    [
        ([NOTICE, TEXT], "r", "steps[1].template", "no active sms template 'payment-reminder'"),
        ([TEXT], "r", "steps[0].channel", None),
        ([NOTICE], "  ", "reason", "say why the strategy changes"),
        ({"steps": []}, "r", "steps", "must be a list of steps"),
    ],
)
def test_a_refused_publish_names_what_and_writes_nothing(
    db: Session, steps: Any, reason: str, field: str, message: str | None
) -> None:
    strategy = versions.create(db, name="S", country="US", currency="USD",
                               notice_by_client=False, by_user_id=None)  # fmt: skip
    with pytest.raises(versions.StrategyRefused) as refused:
        versions.publish(db, strategy=strategy, steps=steps, reason=reason, by_user_id=None)
    assert refused.value.field == field
    if message is not None:
        assert message in refused.value.message
    assert db.scalar(select(func.count()).select_from(StrategyVersion)) == 0


def test_names_are_unique_and_countries_known(db: Session) -> None:
    versions.create(db, name="S", country="US", currency="USD", notice_by_client=False,
                    by_user_id=None)  # fmt: skip
    with pytest.raises(versions.StrategyRefused, match="the name of another strategy"):
        versions.create(db, name="S", country="US", currency="USD", notice_by_client=False,
                        by_user_id=None)  # fmt: skip
    with pytest.raises(versions.StrategyRefused, match="country: must be one of"):
        versions.create(db, name="T", country="XX", currency="USD", notice_by_client=False,
                        by_user_id=None)  # fmt: skip


def test_a_fallback_needs_the_template_in_its_channel_too(db: Session) -> None:
    template(db, "payment-reminder", MessageChannel.SMS)
    strategy = versions.create(db, name="S", country="US", currency="USD",
                               notice_by_client=False, by_user_id=None)  # fmt: skip
    falling = [NOTICE, TEXT]  # falls back to an e-mail
    with pytest.raises(versions.StrategyRefused) as refused:
        versions.publish(db, strategy=strategy, steps=falling, reason="r", by_user_id=None)
    assert refused.value.field == "steps[1].fallback"
    assert "no active email template 'payment-reminder' to fall back to" in refused.value.message
    template(db, "payment-reminder", MessageChannel.EMAIL)
    published = versions.publish(db, strategy=strategy, steps=falling, reason="r", by_user_id=None)
    assert published.version == 1
