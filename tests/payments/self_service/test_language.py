"""English and Spanish: every word in both, a switch on every page, the page's ``lang``
attribute following it, the choice kept."""

from __future__ import annotations

import re
import string

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from agency.kit import clock
from agency.payments.self_service.text import CATALOGUE
from tests.payments.self_service.helpers import IN_PERIOD, make_consumer, pass_identity


def _blanks(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_entry_has_both_languages_with_the_same_blanks() -> None:
    for key, (en, es) in CATALOGUE.items():
        assert en.strip() and es.strip(), key
        assert _blanks(en) == _blanks(es), key


def test_the_switch_changes_the_words_and_the_lang_attribute(
    client: TestClient, db: Session
) -> None:
    with clock.frozen(IN_PERIOD):
        consumer = make_consumer()
        first = client.get(consumer.path)
        assert '<html lang="en">' in first.text and 'href="?lang=es"' in first.text
        spanish = client.get(f"{consumer.path}?lang=es")
        assert '<html lang="es">' in spanish.text
        assert "Confirme su identidad" in spanish.text and "Apellido" in spanish.text
        # The choice stays for the next pages, the account included.
        pass_identity(client, consumer)
        account = client.get(consumer.path)
        assert '<html lang="es">' in account.text
        assert (
            "Su cuenta" in account.text
            and "Esta es una comunicación de un cobrador" in account.text
        )
        assert re.search(r"Lo que debe: <span[^>]*>\$105.00<", account.text)
        dispute = client.get(f"{consumer.path}/dispute")
        assert "Disputar esta deuda" in dispute.text
        back = client.get(f"{consumer.path}/stop?lang=en")
        assert '<html lang="en">' in back.text and "Stop texts, e-mails or calls" in back.text


def test_a_spanish_speaker_is_answered_in_spanish_from_the_first_page(
    client: TestClient, db: Session
) -> None:
    with clock.frozen(IN_PERIOD):
        consumer = make_consumer(language="es")
        assert '<html lang="es">' in client.get(consumer.path).text
        refused = client.get("/pay/nothing-valid?lang=es")
        assert refused.status_code == 404 and "Este enlace no funciona" in refused.text
