"""A service's refusal reaches an admin in the page's language: French, or English in English."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.i18n import say
from hotline.models import Helpline, User
from hotline.refusals import Refusal
from interpreter_pool.admin import add_interpreter
from interpreter_pool.models import Contract
from routing.admin import add_nurse, add_shift
from routing.models import Shift
from tests.integration.admin_support import admin, console, helpline, page_text, post

__all__ = ["admin", "console", "helpline"]  # the fixtures these tests use


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        (
            "fr",
            "Contrat refusé : Une majoration de nuit demande une heure de début et une heure de "
            "fin différentes.",
        ),
        ("en", "Contract rejected: A night surcharge needs different start and end times."),
    ],
)
def test_a_contract_the_rate_card_refuses_is_explained_in_the_pages_language(
    console: FlaskClient, session: Session, admin: User, lang: str, message: str
) -> None:
    interpreter = add_interpreter(session, "Samira Haddad", "+33610000001", ["ar"])
    session.commit()
    form: dict[str, str | list[str]] = {
        "name": "Nuit vide", "unit": "minute", "unit_price": "1,20", "night_pct": "25",
        "night_hours": "20:00-20:00", "valid_from": "2026-01-01",
    }  # fmt: skip
    response = post(console, f"/finance/contracts/provider/{interpreter.id}?lang={lang}", form)
    assert response.status_code == 400
    assert message in page_text(response)
    assert session.scalars(select(Contract)).first() is None


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("fr", "La fin de la garde doit venir après son début."),
        ("en", "The shift must end after it starts."),
    ],
)
def test_a_shift_that_ends_before_it_starts_is_refused_in_the_pages_language(
    console: FlaskClient, session: Session, admin: User, lang: str, message: str
) -> None:
    nurse = add_nurse(session, "amelie@example.org", "Amélie Roux", "+33600000001")
    session.commit()
    form: dict[str, str | list[str]] = {
        "user_id": str(nurse.id), "starts": "2026-11-23T20:00", "ends": "2026-11-23T08:00",
        "rank": "backup", "week": "2026-W48",
    }  # fmt: skip
    response = post(console, f"/admin/rota/shifts?lang={lang}", form)
    assert response.status_code == 400
    assert message in page_text(response)
    assert session.scalars(select(Shift)).first() is None


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("fr", "Une garde ne peut pas durer plus de 31 jours."),
        ("en", "A shift cannot last more than 31 days."),
    ],
)
def test_the_shift_service_refuses_in_french_and_the_page_says_it_in_its_language(
    app: Flask, session: Session, helpline: Helpline, lang: str, message: str
) -> None:
    nurse = add_nurse(session, "amelie@example.org", "Amélie Roux", "+33600000001")
    with pytest.raises(Refusal) as refused:
        add_shift(session, helpline, nurse, "2026-11-01 08:00", "2026-12-15 08:00")
    assert str(refused.value) == "Une garde ne peut pas durer plus de 31 jours."  # the CLI's line
    with app.test_request_context(f"/?lang={lang}"):
        assert say(refused.value) == message


def test_a_refusal_with_values_is_filled_after_translation(app: Flask) -> None:
    refusal = Refusal("Aucun contrat valable le {day}.", day="2026-06-01")
    assert str(refusal) == "Aucun contrat valable le 2026-06-01."
    with app.test_request_context("/?lang=en"):
        assert say(refusal) == "No contract valid on 2026-06-01."
        assert say(ValueError("as written")) == "as written"
