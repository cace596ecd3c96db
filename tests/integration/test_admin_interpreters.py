"""The interpreting admin pages: interpreters and agencies (contracts: test_finance_contracts)."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import Helpline, User
from interpreter_pool.admin import add_interpreter
from interpreter_pool.models import Interpreter
from tests.factories import make_contract
from tests.integration.admin_support import (
    admin,
    audit_actions,
    console,
    helpline,
    page_text,
    post,
)

__all__ = ["admin", "console", "helpline"]  # the fixtures these tests use


# --- interpreters and their contracts ---------------------------------------------------------


INTERPRETER_FORM: dict[str, str | list[str]] = {
    "name": "Interprétariat Sud",
    "kind": "agency",
    "phone": "05 61 00 00 01",
    "languages": "ar, ti",
    "priority": "50",
    "max_concurrent": "3",
    "availability": "",
    "access_code": "1234",
    "agency_codes": "ar=1, ti=2",
    "is_active": "on",
}


def test_an_agency_is_added_with_its_codes_then_edited(
    console: FlaskClient, session: Session, admin: User
) -> None:
    response = post(console, "/admin/interpreters", INTERPRETER_FORM)
    assert response.status_code == 302
    agency = session.scalars(select(Interpreter)).one()
    assert (agency.kind, agency.phone, agency.access_code) == ("agency", "+33561000001", "1234")
    assert {(lang.language, lang.agency_code) for lang in agency.languages} == {
        ("ar", "1"),
        ("ti", "2"),
    }
    page = page_text(console.get("/admin/interpreters"))
    assert "Arabe (ar), Tigrigna (ti)" in page and "05 61 00 00 01" in page
    edited = {**INTERPRETER_FORM, "languages": "ar", "agency_codes": "ar=7", "is_active": ""}
    assert post(console, f"/admin/interpreters/{agency.id}", edited).status_code == 302
    session.refresh(agency)
    assert [(lang.language, lang.agency_code) for lang in agency.languages] == [("ar", "7")]
    assert agency.is_active is False
    assert audit_actions(session, "interpreter") == ["interpreter_added", "interpreter_updated"]


def test_an_access_code_twilio_could_not_key_is_refused_in_french_and_in_english(
    console: FlaskClient, session: Session, admin: User
) -> None:
    response = post(console, "/admin/interpreters", {**INTERPRETER_FORM, "access_code": "12-34"})
    assert response.status_code == 400
    page = page_text(response)
    assert "Code d'accès invalide : seuls les chiffres 0 à 9, les lettres A à D, # et *" in page
    assert 'value="12-34"' in page  # the form is kept
    too_long = {**INTERPRETER_FORM, "access_code": "1" * 25}
    english = post(console, "/admin/interpreters?lang=en", too_long)
    assert english.status_code == 400
    assert "Access code too long" in page_text(english)
    assert session.scalars(select(Interpreter)).all() == []
    assert (
        post(
            console, "/admin/interpreters", {**INTERPRETER_FORM, "access_code": "W1234"}
        ).status_code
        == 302
    )


def test_an_unknown_language_is_refused_with_the_form_kept(
    console: FlaskClient, session: Session, admin: User
) -> None:
    response = post(console, "/admin/interpreters", {**INTERPRETER_FORM, "languages": "ar, zz9"})
    page = page_text(response)
    assert response.status_code == 400
    assert "« zz9 » : langue inconnue" in page
    assert 'value="ar, zz9"' in page and 'value="Interprétariat Sud"' in page
    assert session.scalars(select(Interpreter)).first() is None


def test_the_interpreter_s_page_lists_its_contracts_and_leads_to_the_finance_pages(
    console: FlaskClient, session: Session, admin: User
) -> None:
    interpreter = add_interpreter(session, "Samira Haddad", "+33610000001", ["ar"])
    make_contract(session, interpreter, name="Marché 2026")
    session.commit()
    page = page_text(console.get(f"/admin/interpreters/{interpreter.id}"))
    assert "Marché 2026" in page and "3,50\u00a0€ la minute" in page
    assert f'href="/finance/contracts/provider/{interpreter.id}"' in page
    assert console.get(f"/finance/contracts/provider/{interpreter.id}").status_code == 200


def test_the_admin_sees_the_keypad_menu_pins_a_language_and_sets_the_schedule(
    console: FlaskClient, session: Session, admin: User, helpline: Helpline
) -> None:
    add_interpreter(session, "Samira Haddad", "+33610000001", ["ar"])
    add_interpreter(session, "Jean Pierre", "+33610000002", ["ht"])
    session.commit()
    page = page_text(console.get("/admin/interpreters"))
    assert "Menu du clavier des langues" in page
    assert re.search(r"<td>1</td><td>Arabe</td>.*<td>2</td><td>Créole haïtien</td>", page, re.S)

    refused = post(console, "/admin/language-menu", {"pinned": "ht", "recompute_days": "0"})
    assert refused.status_code == 400
    assert 'value="0"' in page_text(refused)  # what was typed is kept
    done = post(console, "/admin/language-menu", {"pinned": "ht", "recompute_days": "7"})
    assert done.status_code == 302
    session.refresh(helpline)
    assert (helpline.language_menu_pinned, helpline.language_menu_recompute_days) == ("ht", 7)
    page = page_text(console.get("/admin/interpreters"))
    assert re.search(r"<td>1</td><td>Créole haïtien</td>.*<td>2</td><td>Arabe</td>", page, re.S)
    assert "language_menu_recomputed" in audit_actions(session, "helpline")
    english = page_text(console.get("/admin/interpreters?lang=en"))
    assert "Keypad language menu" in english and "Save and recompute now" in english


def test_typing_bambara_adds_the_bambara_code_and_the_form_shows_it_beside_the_name(
    console: FlaskClient, session: Session, admin: User
) -> None:
    form = {**INTERPRETER_FORM, "kind": "individual", "access_code": "", "agency_codes": ""}
    response = post(console, "/admin/interpreters", {**form, "languages": "bambara, Tigrinya"})
    assert response.status_code == 302
    interpreter = session.scalars(select(Interpreter)).one()
    assert [lang.language for lang in interpreter.languages] == ["bm", "ti"]
    page = page_text(console.get(f"/admin/interpreters/{interpreter.id}"))
    assert "Bambara (bm), Tigrigna (ti)" in page
    assert 'value="bambara (bm), tigrigna (ti)"' in page
    assert '<option value="dari (prs)">' in page  # the datalist of the added language
    added = {**form, "languages": "bambara (bm), tigrigna (ti)", "add_language": "dari"}
    assert post(console, f"/admin/interpreters/{interpreter.id}", added).status_code == 302
    session.refresh(interpreter)
    assert [lang.language for lang in interpreter.languages] == ["bm", "ti", "prs"]


def test_a_misspelt_language_is_named_with_suggestions_in_french_and_in_english(
    console: FlaskClient, session: Session, admin: User
) -> None:
    form = {**INTERPRETER_FORM, "kind": "individual", "access_code": "", "agency_codes": ""}
    french = post(console, "/admin/interpreters", {**form, "languages": "bambaro"})
    assert french.status_code == 400
    assert "« bambaro » : langue inconnue. Vouliez-vous dire : bambara (bm)" in page_text(french)
    english = post(console, "/admin/interpreters?lang=en", {**form, "languages": "bambaro"})
    assert "“bambaro”: unknown language. Did you mean: bambara (bm)" in page_text(english)
    assert session.scalars(select(Interpreter)).first() is None
