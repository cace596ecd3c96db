"""The administration pages: users, rota, hours, interpreters, directory, greeting, audit log."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from hotline.directory import PhoneEntry, ProfessionalDetails, save_professional
from hotline.models import AuditEvent, Helpline, Professional, User
from hotline.passwords import check_password
from interpreter_pool.admin import add_interpreter
from interpreter_pool.models import Contract, Interpreter
from routing.admin import add_nurse, add_shift
from routing.models import Closure, Shift
from routing.services import routing_plan
from tests.conftest import HOTLINE_NUMBER, Clock
from tests.integration.test_console_access import console, csrf_of, make_user, sign_in

__all__ = ["console"]  # the fixture, imported for these tests

NEW_PASSWORD = "another long passphrase"


@pytest.fixture
def helpline(session: Session) -> Helpline:
    """The helpline of the deployment, on the configured number."""
    row = Helpline(name="Permanence", phone_number=HOTLINE_NUMBER)
    session.add(row)
    session.commit()
    return row


@pytest.fixture
def admin(console: FlaskClient, session: Session, helpline: Helpline) -> User:
    """An admin signed in on the console."""
    user = make_user(session, "admin", "admin@example.org")
    assert sign_in(console, user.email) == 302
    return user


def page_text(response: TestResponse) -> str:
    """The page as a person reads it (entities decoded)."""
    return html.unescape(response.get_data(as_text=True))


def post(console: FlaskClient, path: str, data: dict[str, str | list[str]]) -> TestResponse:
    """Post a console form with its CSRF token."""
    return console.post(path, data={**data, "csrf_token": csrf_of(console, "/admin")})


def audit_actions(session: Session, object_type: str) -> list[str]:
    rows = session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.object_type == object_type)
        .order_by(AuditEvent.id)
    )
    return list(rows)


def day_row(page: str, day: date) -> str:
    found = re.search(rf'<tr id="day-{day.isoformat()}">(.*?)</tr>', page, re.S)
    assert found, page
    return found.group(1)


def make_professional(session: Session, last: str, first: str, *numbers: str) -> Professional:
    details = ProfessionalDetails(
        last_name=last, first_name=first, title="Dr", phones=[PhoneEntry(n) for n in numbers]
    )
    professional = save_professional(session, details).professional
    session.commit()
    return professional


USER_FORM: dict[str, str | list[str]] = {
    "email": "Claire.Dupont@example.org",
    "display_name": "Claire Dupont",
    "roles": ["nurse", "finance"],
    "phone": "06 12 34 56 78",
    "locale": "fr",
    "password": "a long enough passphrase",
}


# --- every page --------------------------------------------------------------------------------


def test_every_admin_section_renders_for_an_admin(
    console: FlaskClient, session: Session, admin: User
) -> None:
    interpreter = add_interpreter(session, "Samira Haddad", "+33610000001", ["ar", "ti"])
    professional = make_professional(session, "Martin", "Claire", "+33612345678")
    index = page_text(console.get("/admin"))
    for section in ["users", "rota", "hours", "interpreters", "directory", "greeting", "audit"]:
        assert f'href="/admin/{section}"' in index, section
    for path in [
        "/admin/users",
        f"/admin/users/{admin.id}",
        "/admin/rota",
        "/admin/rota?week=2026-W48",
        "/admin/hours",
        "/admin/interpreters",
        f"/admin/interpreters/{interpreter.id}",
        "/admin/directory",
        f"/admin/directory/{professional.id}",
        "/admin/greeting",
        "/admin/audit",
    ]:
        assert console.get(path).status_code == 200, path
    assert "Arabe, Tigrigna" in page_text(console.get("/admin/interpreters"))


def test_a_finance_officer_is_refused_every_admin_page(
    app: Flask, console: FlaskClient, session: Session, helpline: Helpline
) -> None:
    make_user(session, "finance", "finance@example.org")
    assert sign_in(console, "finance@example.org") == 302
    token = csrf_of(console, "/finance")
    rules = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/admin")]
    assert len(rules) >= 20
    for rule in rules:
        path = re.sub(r"<int:\w+>", "1", rule.rule)
        if "GET" in (rule.methods or ()):
            assert console.get(path).status_code == 403, path
        if "POST" in (rule.methods or ()):
            assert console.post(path, data={"csrf_token": token}).status_code == 403, path


def test_an_admin_form_posted_without_its_csrf_token_is_refused(
    console: FlaskClient, session: Session, admin: User
) -> None:
    response = console.post("/admin/users", data=USER_FORM)
    assert response.status_code == 403
    assert (
        session.scalars(select(User).where(User.email == "claire.dupont@example.org")).first()
        is None
    )


# --- users -------------------------------------------------------------------------------------


def test_an_admin_creates_a_user_who_can_then_sign_in(
    app: Flask, console: FlaskClient, session: Session, admin: User
) -> None:
    response = post(console, "/admin/users", USER_FORM)
    assert response.status_code == 302
    created = session.scalars(select(User).where(User.email == "claire.dupont@example.org")).one()
    assert created.roles == "nurse,finance"
    assert created.phone == "+33612345678"
    assert "Claire Dupont" in page_text(console.get("/admin/users"))
    assert "06 12 34 56 78" in page_text(console.get("/admin/users"))
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "user_created")).one()
    assert (event.user_id, event.object_id) == (admin.id, str(created.id))
    assert "password" not in str(event.detail)
    other = app.test_client()
    other.environ_base.update({"wsgi.url_scheme": "https", "HTTP_HOST": "hotline.example.org"})
    assert sign_in(other, "claire.dupont@example.org", "a long enough passphrase") == 302


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"email": "claire.dupont"}, "« claire.dupont » n'est pas une adresse e-mail valide."),
        ({"password": "too short"}, "Le mot de passe doit compter au moins 12 caractères."),
        ({"roles": []}, "Choisissez au moins un rôle."),
        ({"phone": "12"}, "« 12 » n'est pas un numéro de téléphone valide."),
    ],
)
def test_a_refused_user_form_says_why_and_keeps_what_was_typed(
    console: FlaskClient,
    session: Session,
    admin: User,
    change: dict[str, str | list[str]],
    message: str,
) -> None:
    response = post(console, "/admin/users", {**USER_FORM, **change})
    page = page_text(response)
    assert response.status_code == 400
    assert f'<p class="flash error">{message}</p>' in page
    assert 'value="Claire Dupont"' in page
    assert f'value="{change.get("email", USER_FORM["email"])}"' in page
    assert f'value="{change.get("phone", USER_FORM["phone"])}"' in page
    if "roles" not in change:
        assert 'value="finance" checked' in page
    assert "a long enough passphrase" not in page  # a password is never written back
    assert session.scalars(select(User).where(User.display_name == "Claire Dupont")).first() is None
    assert audit_actions(session, "user") == ["sign_in"]


def test_an_admin_changes_roles_phone_and_active_flag_and_resets_a_password(
    console: FlaskClient, session: Session, admin: User
) -> None:
    nurse = make_user(session, "nurse", "nurse@example.org")
    response = post(
        console,
        f"/admin/users/{nurse.id}",
        {"display_name": "Amélie Roux", "roles": ["nurse", "admin"], "phone": "0600000001",
         "locale": "en"},
    )  # fmt: skip
    assert response.status_code == 302
    session.refresh(nurse)
    assert (nurse.roles, nurse.phone, nurse.is_active, nurse.locale) == (
        "nurse,admin",
        "+33600000001",
        False,  # the box was left unticked
        "en",
    )
    short = post(console, f"/admin/users/{nurse.id}/password", {"password": "short"})
    assert short.status_code == 400
    assert "Le mot de passe doit compter au moins 12 caractères." in page_text(short)
    assert (
        post(console, f"/admin/users/{nurse.id}/password", {"password": NEW_PASSWORD}).status_code
        == 302
    )
    session.refresh(nurse)
    assert check_password(NEW_PASSWORD, nurse.password_hash)
    assert audit_actions(session, "user")[-2:] == ["user_updated", "password_reset"]


def test_an_admin_cannot_take_away_her_own_admin_role(
    console: FlaskClient, session: Session, admin: User
) -> None:
    response = post(
        console,
        f"/admin/users/{admin.id}",
        {"display_name": "Admin", "roles": ["nurse"], "locale": "fr", "is_active": "on"},
    )
    assert response.status_code == 400
    assert "votre propre rôle d'administrateur" in page_text(response)
    session.refresh(admin)
    assert admin.roles == "admin"


# --- rota --------------------------------------------------------------------------------------


def test_the_week_view_shows_a_night_shift_on_both_days_in_local_time(
    console: FlaskClient, session: Session, admin: User, helpline: Helpline
) -> None:
    nurse = add_nurse(session, "amelie@example.org", "Amélie Roux", "+33600000001")
    add_shift(session, helpline, nurse, "2026-11-24 20:00", "2026-11-25 08:00")
    session.commit()
    response = console.get("/admin/rota?week=2026-W48")
    page = page_text(response)
    assert response.status_code == 200
    assert "Amélie Roux" not in day_row(page, date(2026, 11, 23))
    tuesday, wednesday = day_row(page, date(2026, 11, 24)), day_row(page, date(2026, 11, 25))
    assert "20:00 – 25/11 08:00" in tuesday and "Amélie Roux" in tuesday
    assert "24/11 20:00 – 08:00" in wednesday and "Amélie Roux" in wednesday
    assert "de permanence" in tuesday
    assert "week=2026-W47" in page and "week=2026-W49" in page
    next_week = page_text(console.get("/admin/rota?week=2026-W49"))
    assert next_week.count("Personne au planning.") == 7


def test_a_shift_added_on_the_rota_page_makes_routing_ring_that_nurse(
    console: FlaskClient, session: Session, admin: User, helpline: Helpline, clock: Clock
) -> None:
    nurse = add_nurse(session, "amelie@example.org", "Amélie Roux", "+33600000001")
    session.commit()
    assert routing_plan(session, helpline, clock.at).targets == ()
    response = post(
        console,
        "/admin/rota/shifts",
        {"user_id": str(nurse.id), "starts": "2026-11-23T08:00", "ends": "2026-11-23T20:00",
         "rank": "on_duty", "week": "2026-W48"},
    )  # fmt: skip
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/rota?week=2026-W48")
    shift = session.scalars(select(Shift)).one()
    assert shift.starts_at == datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # 08:00 in Paris
    plan = routing_plan(session, helpline, clock.at)
    assert [(t.nurse_id, t.address) for t in plan.targets] == [(nurse.id, "+33600000001")]
    assert audit_actions(session, "shift") == ["shift_added"]


def test_a_shift_that_ends_before_it_starts_is_refused_with_the_form_kept(
    console: FlaskClient, session: Session, admin: User
) -> None:
    nurse = add_nurse(session, "amelie@example.org", "Amélie Roux", "+33600000001")
    session.commit()
    response = post(
        console,
        "/admin/rota/shifts",
        {"user_id": str(nurse.id), "starts": "2026-11-23T20:00", "ends": "2026-11-23T08:00",
         "rank": "backup", "week": "2026-W48"},
    )  # fmt: skip
    page = page_text(response)
    assert response.status_code == 400
    assert "La fin de la garde doit venir après son début." in page
    assert 'value="2026-11-23T20:00"' in page and 'value="2026-11-23T08:00"' in page
    assert f'<option value="{nurse.id}" selected>' in page
    assert '<option value="backup" selected>' in page
    assert session.scalars(select(Shift)).first() is None


def test_deleting_a_shift_takes_it_off_the_rota(
    console: FlaskClient, session: Session, admin: User, helpline: Helpline, clock: Clock
) -> None:
    nurse = add_nurse(session, "amelie@example.org", "Amélie Roux", "+33600000001")
    shift = add_shift(session, helpline, nurse, "2026-11-23 08:00", "2026-11-23 20:00")
    session.commit()
    response = post(console, f"/admin/rota/shifts/{shift.id}/delete", {"week": "2026-W48"})
    assert response.status_code == 302
    assert session.scalars(select(Shift)).first() is None
    assert routing_plan(session, helpline, clock.at).targets == ()
    assert audit_actions(session, "shift") == ["shift_deleted"]


# --- hours and closures ------------------------------------------------------------------------


def test_opening_hours_are_changed_and_read_back_in_french(
    console: FlaskClient, session: Session, admin: User, helpline: Helpline
) -> None:
    response = post(
        console,
        "/admin/hours",
        {"opening_hours": "mon-fri 09:00-12:30,13:30-18:00; sat 09:00-12:00",
         "holiday_subdivision": "57"},
    )  # fmt: skip
    assert response.status_code == 302
    session.refresh(helpline)
    assert helpline.opening_hours == "mon-fri 09:00-12:30,13:30-18:00; sat 09:00-12:00"
    assert helpline.holiday_subdivision == "57"
    page = page_text(console.get("/admin/hours"))
    assert "du lundi au vendredi, de 9 heures à 12 heures 30" in page
    assert "Moselle" in page
    assert audit_actions(session, "helpline") == ["hours_changed"]


def test_unreadable_hours_are_refused_and_kept_in_the_form(
    console: FlaskClient, session: Session, admin: User, helpline: Helpline
) -> None:
    response = post(console, "/admin/hours", {"opening_hours": "lundi 9h-18h"})
    page = page_text(response)
    assert response.status_code == 400
    assert "Horaires illisibles" in page
    assert 'value="lundi 9h-18h"' in page
    session.refresh(helpline)
    assert helpline.opening_hours == "mon-fri 09:00-18:00"


def test_a_closure_is_added_in_local_days_and_deleted(
    console: FlaskClient, session: Session, admin: User, helpline: Helpline
) -> None:
    response = post(
        console,
        "/admin/closures",
        {"first_day": "2026-12-24", "last_day": "2026-12-26", "label": "fêtes de fin d'année"},
    )
    assert response.status_code == 302
    closure = session.scalars(select(Closure)).one()
    assert closure.starts_at == datetime(2026, 12, 23, 23, 0, tzinfo=UTC)
    assert closure.ends_at == datetime(2026, 12, 26, 23, 0, tzinfo=UTC)
    page = page_text(console.get("/admin/hours"))
    assert "24/12/2026" in page and "26/12/2026" in page and "fêtes de fin d'année" in page
    backwards = post(
        console, "/admin/closures", {"first_day": "2026-12-26", "last_day": "2026-12-24"}
    )
    assert backwards.status_code == 400
    assert "Le dernier jour de la fermeture vient avant le premier." in page_text(backwards)
    assert post(console, f"/admin/closures/{closure.id}/delete", {}).status_code == 302
    assert session.scalars(select(Closure)).first() is None
    assert audit_actions(session, "closure") == ["closure_added", "closure_deleted"]


# --- interpreters and contracts ---------------------------------------------------------------


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
    assert "Arabe, Tigrigna" in page and "05 61 00 00 01" in page
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
    assert "« zz9 » n'est pas un code de langue connu" in page
    assert 'value="ar, zz9"' in page and 'value="Interprétariat Sud"' in page
    assert session.scalars(select(Interpreter)).first() is None


def test_a_contract_is_added_to_an_interpreter(
    console: FlaskClient, session: Session, admin: User
) -> None:
    interpreter = add_interpreter(session, "Samira Haddad", "+33610000001", ["ar"])
    session.commit()
    form: dict[str, str | list[str]] = {
        "name": "Marché 2026", "unit": "block", "unit_price": "35,00", "block_s": "900",
        "minimum_s": "0", "connection_fee": "2,50", "night_pct": "25", "night_hours": "20:00-08:00",
        "saturday_pct": "", "sunday_pct": "50", "holiday_pct": "50", "urgent_pct": "",
        "pro_rata": "on", "surcharge_rule": "highest", "valid_from": "2026-01-01",
        "valid_to": "2026-12-31",
    }  # fmt: skip
    response = post(console, f"/admin/interpreters/{interpreter.id}/contracts", form)
    assert response.status_code == 302
    contract = session.scalars(select(Contract)).one()
    assert (contract.unit, contract.unit_price, contract.block_s, contract.increment_s) == (
        "block",
        Decimal("35.00"),
        900,
        900,
    )
    assert (contract.connection_fee, contract.night_pct, contract.surcharge_mode) == (
        Decimal("2.50"),
        Decimal("25.00"),
        "pro_rata",
    )
    assert contract.valid_to == date(2026, 12, 31)
    page = page_text(console.get(f"/admin/interpreters/{interpreter.id}"))
    assert "Marché 2026" in page and "le forfait de 15 min" in page
    refused = post(
        console,
        f"/admin/interpreters/{interpreter.id}/contracts",
        {**form, "name": "Sans heures", "night_hours": ""},
    )
    assert refused.status_code == 400
    assert "Une majoration de nuit demande ses heures" in page_text(refused)
    assert 'value="Sans heures"' in page_text(refused)
    assert audit_actions(session, "contract") == ["contract_added"]


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


def test_a_number_already_used_by_another_professional_is_refused(
    console: FlaskClient, session: Session, admin: User
) -> None:
    make_professional(session, "Benali", "Karim", "+33612345678")
    response = post(console, "/admin/directory", PROFESSIONAL_FORM)
    page = page_text(response)
    assert response.status_code == 400
    assert "Le numéro 06 12 34 56 78 est déjà celui de Dr Karim Benali" in page
    assert 'value="Cabinet des Carmes"' in page
    assert "cabinet : 05 61 22 33 44\n+33 6 12 34 56 78</textarea>" in page
    assert (
        session.scalars(select(Professional).where(Professional.last_name == "Martin")).first()
        is None
    )
    assert audit_actions(session, "professional") == []


def test_a_namesake_is_saved_with_a_warning_and_flagged_in_the_list(
    console: FlaskClient, session: Session, admin: User
) -> None:
    first = make_professional(session, "MARTIN", "Clàire", "+33699999999")
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
    make_professional(session, "Martin", "Claire", "+33612345678")
    make_professional(session, "Benali", "Karim", "+33623456789")
    by_name = page_text(console.get("/admin/directory?q=benal"))
    assert "Karim Benali" in by_name and "Claire Martin" not in by_name
    by_number = page_text(console.get("/admin/directory?q=06 12 34"))
    assert "Claire Martin" in by_number and "Karim Benali" not in by_number
    international = page_text(console.get("/admin/directory?q=%2B33 6 23 45"))
    assert "Karim Benali" in international and "Claire Martin" not in international


def test_a_professional_is_edited_and_a_bad_rpps_refused(
    console: FlaskClient, session: Session, admin: User
) -> None:
    professional = make_professional(session, "Martin", "Claire", "+33612345678")
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


# --- greeting and audit log --------------------------------------------------------------------


def test_the_greeting_is_changed_and_an_empty_one_refused(
    console: FlaskClient, session: Session, admin: User, helpline: Helpline
) -> None:
    text = "Bonjour, vous êtes sur la plateforme e.CARE."
    assert post(console, "/admin/greeting", {"greeting": text}).status_code == 302
    session.refresh(helpline)
    assert helpline.greeting == text
    assert text in page_text(console.get("/admin/greeting"))
    empty = post(console, "/admin/greeting", {"greeting": "   "})
    assert empty.status_code == 400
    assert "Le message d'accueil ne peut pas être vide." in page_text(empty)
    session.refresh(helpline)
    assert helpline.greeting == text
    assert audit_actions(session, "helpline") == ["greeting_changed"]


def test_the_audit_log_lists_changes_and_filters_by_object(
    console: FlaskClient, session: Session, admin: User
) -> None:
    post(console, "/admin/users", USER_FORM)
    created = session.scalars(select(User).where(User.email == "claire.dupont@example.org")).one()
    post(console, "/admin/greeting", {"greeting": "Bonjour."})
    page = page_text(console.get("/admin/audit"))
    assert "user_created" in page and "greeting_changed" in page and "Admin" in page
    filtered = page_text(console.get(f"/admin/audit?object_type=user&object_id={created.id}"))
    assert "user_created" in filtered and "greeting_changed" not in filtered


def test_a_visitor_not_signed_in_is_sent_to_sign_in(
    console: FlaskClient, session: Session, helpline: Helpline
) -> None:
    response = console.get("/admin/users")
    assert response.status_code == 302
    assert "/console/login" in response.headers["Location"]
