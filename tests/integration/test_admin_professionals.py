"""The admin pages of the directory of professionals."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import Professional, User
from tests.factories import make_professional
from tests.integration.admin_support import (
    admin,
    audit_actions,
    console,
    helpline,
    page_text,
    post,
)

__all__ = ["admin", "console", "helpline"]  # the fixtures these tests use


# --- directory ---------------------------------------------------------------------------------


PROFESSIONAL_FORM: dict[str, str | list[str]] = {
    "title": "Dr",
    "first_name": "Claire",
    "last_name": "Martin",
    "profession": "gp",
    "organisation": "Cabinet des Carmes",
    "territory": "Toulouse centre",
    "rpps": "",
    "phones": "cabinet : 05 61 22 33 44\n+33 6 12 34 56 78",
    "is_active": "on",
}


def test_a_professional_is_added_with_numbers_shown_in_national_format(
    console: FlaskClient, session: Session, admin: User
) -> None:
    response = post(console, "/admin/directory", PROFESSIONAL_FORM)
    assert response.status_code == 302
    professional = session.scalars(select(Professional)).one()
    assert sorted(p.number for p in professional.phones) == ["+33561223344", "+33612345678"]
    page = page_text(console.get("/admin/directory"))
    assert "Dr Claire Martin" in page and "06 12 34 56 78" in page and "05 61 22 33 44" in page
    assert "(cabinet)" in page
    assert audit_actions(session, "professional") == ["professional_added"]


def test_a_number_already_used_by_another_professional_is_shared_with_a_warning(
    console: FlaskClient, session: Session, admin: User
) -> None:
    benali = make_professional(session, "+33612345678", last_name="Benali", first_name="Karim")
    response = post(console, "/admin/directory", PROFESSIONAL_FORM)
    assert response.status_code == 302
    warned = page_text(console.get(response.headers["Location"]))
    assert "Le numéro 06 12 34 56 78 est aussi celui de Dr Karim Benali" in warned
    martin = session.scalars(select(Professional).where(Professional.last_name == "Martin")).one()
    assert "+33612345678" in [p.number for p in martin.phones]
    assert [p.number for p in benali.phones] == ["+33612345678"]
    listing = page_text(console.get("/admin/directory"))
    assert "doublon possible : numéro 06 12 34 56 78 partagé" in listing


def test_two_professionals_with_the_same_rpps_are_flagged(
    console: FlaskClient, session: Session, admin: User
) -> None:
    make_professional(session, last_name="Benali", rpps="10001234567")
    assert (
        post(console, "/admin/directory", {**PROFESSIONAL_FORM, "rpps": "10001234567"}).status_code
        == 302
    )
    listing = page_text(console.get("/admin/directory"))
    assert listing.count("doublon possible : même RPPS (10001234567)") == 2


def test_the_commune_and_its_insee_code_are_checked_and_kept(
    console: FlaskClient, session: Session, admin: User
) -> None:
    bad = post(console, "/admin/directory", {**PROFESSIONAL_FORM, "insee_code": "3155"})
    assert bad.status_code == 400
    page = page_text(bad)
    assert "Le code INSEE de la commune compte 5 caractères" in page
    assert "Indiquez le nom de la commune avec son code INSEE." in page
    assert 'value="3155"' in page and 'value="Cabinet des Carmes"' in page
    assert session.scalars(select(Professional)).first() is None
    corsica = {**PROFESSIONAL_FORM, "commune": "Ajaccio", "insee_code": "2a004"}
    assert post(console, "/admin/directory", corsica).status_code == 302
    professional = session.scalars(select(Professional)).one()
    assert (professional.commune, professional.insee_code) == ("Ajaccio", "2A004")
    listing = page_text(console.get("/admin/directory?q=ajacc"))
    assert 'Ajaccio <span class="muted">(2A004)</span>' in listing
    edit = page_text(console.get(f"/admin/directory/{professional.id}"))
    assert 'value="2A004"' in edit


def test_a_namesake_is_saved_with_a_warning_and_flagged_in_the_list(
    console: FlaskClient, session: Session, admin: User
) -> None:
    first = make_professional(session, "+33699999999", last_name="MARTIN", first_name="Clàire")
    response = post(console, "/admin/directory", PROFESSIONAL_FORM)
    assert response.status_code == 302
    warned = page_text(console.get(response.headers["Location"]))
    assert '<p class="flash warning">Attention : Dr Clàire MARTIN' in warned
    assert "porte le même nom" in warned
    second = session.scalars(select(Professional).where(Professional.last_name == "Martin")).one()
    listing = page_text(console.get("/admin/directory"))
    assert f"doublon possible : même nom que la fiche n° {first.id}" in listing
    assert f"doublon possible : même nom que la fiche n° {second.id}" in listing


def test_the_directory_is_searched_by_name_and_by_number(
    console: FlaskClient, session: Session, admin: User
) -> None:
    make_professional(session, "+33612345678")
    make_professional(session, "+33623456789", last_name="Benali", first_name="Karim")
    by_name = page_text(console.get("/admin/directory?q=benal"))
    assert "Karim Benali" in by_name and "Claire Martin" not in by_name
    by_number = page_text(console.get("/admin/directory?q=06 12 34"))
    assert "Claire Martin" in by_number and "Karim Benali" not in by_number
    international = page_text(console.get("/admin/directory?q=%2B33 6 23 45"))
    assert "Karim Benali" in international and "Claire Martin" not in international


def test_a_professional_is_edited_and_a_bad_rpps_refused(
    console: FlaskClient, session: Session, admin: User
) -> None:
    professional = make_professional(session, "+33612345678")
    form = {**PROFESSIONAL_FORM, "phones": "06 12 34 56 78\n07 81 23 45 67", "rpps": "123"}
    refused = post(console, f"/admin/directory/{professional.id}", form)
    assert refused.status_code == 400
    assert "Le numéro RPPS compte 11 chiffres" in page_text(refused)
    saved = post(console, f"/admin/directory/{professional.id}", {**form, "rpps": "10001234567"})
    assert saved.status_code == 302
    session.refresh(professional)
    assert professional.rpps == "10001234567"
    assert sorted(p.number for p in professional.phones) == ["+33612345678", "+33781234567"]
    assert audit_actions(session, "professional") == ["professional_updated"]
