"""The finance console shows each entry's budget line, lists the unfunded entries with their
total, reassigns an entry with a reason, and charges unfunded entries to lines made later."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from interpreter_pool import funding
from interpreter_pool.admin import add_budget
from interpreter_pool.models import Budget, LedgerEntry
from tests.factories import make_helpline, make_user
from tests.integration.test_budget_lines import World, ledger_total, lines_total, two_lines
from tests.integration.test_console_access import console, csrf_of, sign_in

__all__ = ["console"]  # the fixture, imported for these tests

NEXT_YEAR = datetime(2027, 1, 4, 9, tzinfo=UTC)
YEAR_2026 = (date(2026, 1, 1), date(2026, 12, 31))
YEAR_2027 = (date(2027, 1, 1), date(2027, 12, 31))


def text(response: object) -> str:
    return html.unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]


def reassignments(session: Session) -> list[LedgerEntry]:
    session.expire_all()
    return list(session.scalars(select(LedgerEntry).where(LedgerEntry.kind == "reassignment")))


@dataclass
class Desk:
    """The world of test_budget_lines with its two lines, and a finance officer signed in."""

    world: World
    helpline_line: Budget
    structure_line: Budget


@pytest.fixture
def desk(console: FlaskClient, session: Session) -> Desk:
    world = World(session)
    helpline_line, structure_line = two_lines(world)
    make_user(session, "finance", "finance@example.org")  # in the world's helpline only
    assert sign_in(console, "finance@example.org") == 302
    return Desk(world, helpline_line, structure_line)


def test_the_ledger_shows_each_entry_s_line_and_the_unfunded_page_lists_them_with_their_total(
    console: FlaskClient, session: Session, desk: Desk
) -> None:
    world = desk.world
    world.charged_session(world.of_structure)
    world.charged_session(world.other)
    outside = world.charged_session(world.other, at=NEXT_YEAR, minutes=4)

    ledger = text(console.get("/finance/ledger"))
    assert "Ligne budgétaire" in ledger
    assert "Facilisoins Bagatelle" in ledger and "ARS – FIR 2026" in ledger
    assert "Non financé" in ledger
    assert f"/finance/ledger/{outside.id}/reassign" in ledger

    page = text(console.get("/finance/unfunded"))
    assert outside.label in page
    assert "Total non financé : 14,00\u00a0€" in page
    assert "1 écriture non financée" in page
    assert "aucune ligne ne couvre l'écriture" in page
    english = text(console.get("/finance/unfunded?lang=en"))
    assert "Unfunded total" in english and "no line covers the entry" in english


@pytest.mark.parametrize(
    ("lang", "form", "message"),
    [
        ("fr", {"line": "LINE", "reason": "  "}, "Indiquez le motif de la réaffectation."),
        ("en", {"line": "LINE", "reason": ""}, "Give the reason for the reassignment."),
        ("fr", {"line": "", "reason": "centre"}, "Choisissez une ligne budgétaire."),
        ("en", {"line": "999", "reason": "centre"}, "Choose a budget line."),
        ("fr", {"line": "CURRENT", "reason": "centre"}, "L'écriture est déjà sur cette ligne."),
        ("en", {"line": "CURRENT", "reason": "centre"}, "The entry is already on this line."),
    ],
)
def test_a_bad_reassignment_is_explained_in_the_page_s_language_and_nothing_is_posted(
    console: FlaskClient,
    session: Session,
    desk: Desk,
    lang: str,
    form: dict[str, str],
    message: str,
) -> None:
    entry = desk.world.charged_session(desk.world.other)  # on the helpline's line
    values = {"LINE": str(desk.structure_line.id), "CURRENT": str(desk.helpline_line.id)}
    data = {key: values.get(value, value) for key, value in form.items()}
    path = f"/finance/ledger/{entry.id}/reassign?lang={lang}"
    response = console.post(path, data={**data, "csrf_token": csrf_of(console, path)})

    assert response.status_code == 400
    page = text(response)
    assert message in page
    assert 'aria-invalid="true"' in page
    if data["reason"].strip():
        assert f'value="{data["reason"]}"' in page  # what was typed is kept
    assert reassignments(session) == []


def test_a_finance_officer_reassigns_an_entry_with_a_reason_and_the_ledger_shows_it(
    console: FlaskClient, session: Session, desk: Desk
) -> None:
    structure_line = desk.structure_line
    entry = desk.world.charged_session(desk.world.other)
    before = ledger_total(session)
    path = f"/finance/ledger/{entry.id}/reassign"
    form_page = text(console.get(path))
    assert '<label for="line">Nouvelle ligne budgétaire</label>' in form_page
    assert '<label for="reason">Motif</label>' in form_page

    response = console.post(
        path,
        data={
            "line": str(structure_line.id),
            "reason": "consultation pour le centre",
            "csrf_token": csrf_of(console, path),
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/finance/ledger")
    out, into = sorted(reassignments(session), key=lambda e: e.amount)
    assert out.budget_line_id == desk.helpline_line.id and out.amount == -entry.amount
    assert into.budget_line_id == structure_line.id and into.detail["reason"] == (
        "consultation pour le centre"
    )
    assert into.detail["user_id"] is not None
    assert ledger_total(session) == before == lines_total(session)

    ledger = text(console.get("/finance/ledger"))
    assert "Écriture réaffectée à « Facilisoins Bagatelle »." in ledger
    assert "Motif : consultation pour le centre" in ledger
    assert "réaffectée à Facilisoins Bagatelle" in ledger
    assert f"/finance/ledger/{into.id}/reassign" not in ledger  # a half is not moved again


def test_the_button_charges_unfunded_entries_to_a_line_created_later(
    console: FlaskClient, session: Session, desk: Desk
) -> None:
    outside = desk.world.charged_session(desk.world.other, at=NEXT_YEAR)
    path = "/finance/unfunded"
    response = console.post(f"{path}/charge", data={"csrf_token": csrf_of(console, path)})
    assert response.status_code == 302
    assert "Aucune ligne ne couvre ces écritures pour l'instant." in text(console.get(path))

    add_budget(session, "ARS – FIR 2027", *YEAR_2027, outside.amount)
    response = console.post(f"{path}/charge", data={"csrf_token": csrf_of(console, path)})
    assert response.status_code == 302
    page = text(console.get(path))
    assert "1 écriture imputée à la ligne qui la couvre désormais." in page
    assert "Aucune écriture non financée." in page
    assert "Total non financé : 0,00\u00a0€" in page
    assert funding.unfunded_entries(session) == []


def test_another_programme_s_entries_are_neither_listed_nor_reassigned_nor_charged(
    console: FlaskClient, session: Session, desk: Desk
) -> None:
    world = desk.world
    gers = make_helpline(session, name="Permanence Gers", phone_number="+33562000000")
    world.helpline = gers  # the next sessions are the Gers programme's
    theirs = world.charged_session(world.other, at=NEXT_YEAR)
    assert theirs.helpline_id == gers.id

    assert theirs.label not in text(console.get("/finance/unfunded"))
    assert console.get(f"/finance/ledger/{theirs.id}/reassign").status_code == 404
    add_budget(session, "Tout 2027", *YEAR_2027, theirs.amount)
    path = "/finance/unfunded"
    console.post(f"{path}/charge", data={"csrf_token": csrf_of(console, path)})
    assert funding.unfunded_entries(session) == [theirs]  # left to the Gers finance officer


def test_two_catch_all_lines_over_the_same_year_no_longer_both_show_the_whole_ledger(
    console: FlaskClient, session: Session
) -> None:
    world = World(session)
    add_budget(session, "ARS 2026", *YEAR_2026, Decimal(1000))
    add_budget(session, "Département 2026", *YEAR_2026, Decimal(1000))
    world.charged_session(world.other)  # 35.00 €
    world.charged_session(world.of_structure, minutes=4)  # 14.00 €
    make_user(session, "finance", "finance@example.org")
    assert sign_in(console, "finance@example.org") == 302

    page = " ".join(text(console.get("/finance")).split())
    assert "49,00 € sur 1 000,00 €" in page  # the older line takes both sessions
    assert "0,00 € sur 1 000,00 €" in page  # the other counts nothing twice
    assert page.count("49,00 € sur") == 1
