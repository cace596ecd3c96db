"""The admin's pages of the reference lists, and the request form that offers their values: an
admin adds an orientation and retires a category; old requests keep the retired one, new ones
cannot choose it (issue 14), over HTTP with the CSRF tokens, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from hotline import reference_lists
from hotline.models import Helpline, ReferenceValue, Request, User
from tests.factories import make_helpline, make_member, make_request, make_user
from tests.integration.admin_support import (
    admin,
    audit_actions,
    console,
    helpline,
    page_text,
    post,
)
from tests.integration.test_console_access import csrf_of, sign_in
from tests.integration.test_console_fuzz import NASTY

__all__ = ["admin", "console", "helpline"]  # the fixtures these tests use

REQUEST_FORM = {
    "category": "",
    "outcome": "",
    "orientation": "",
    "patient_age_band": "",
    "patient_sex": "",
    "patient_coverage": "",
    "patient_housing": "",
    "follow_up_on": "",
    "notes": "",
}


@pytest.fixture
def nurse_console(app: Flask, session: Session, helpline: Helpline) -> FlaskClient:
    """A nurse signed in on the console, in a browser of her own."""
    client = app.test_client()
    client.environ_base.update({"wsgi.url_scheme": "https", "HTTP_HOST": "hotline.example.org"})
    nurse = make_user(session, "nurse", "amelie@example.org", display_name="Amélie Roux")
    assert sign_in(client, nurse.email) == 302
    return client


def save(client: FlaskClient, request: Request, **fields: str) -> TestResponse:
    """The nurse saves the request's form with these fields."""
    path = f"/console/requests/{request.id}"
    token = csrf_of(client, path)
    return client.post(path, data={**REQUEST_FORM, **fields, "csrf_token": token})


def selected(page: str, field: str) -> str | None:
    """The value of the option selected in a select of the page."""
    select = re.search(rf'<select id="{field}" name="{field}"[^>]*>(.*?)</select>', page, re.S)
    assert select, field
    chosen = re.search(r'<option value="([^"]*)" selected>', select.group(1))
    return chosen.group(1) if chosen else None


def offered(page: str, field: str) -> list[str]:
    select = re.search(rf'<select id="{field}" name="{field}"[^>]*>(.*?)</select>', page, re.S)
    assert select, field
    return [code for code in re.findall(r'<option value="([^"]*)"', select.group(1)) if code]


def value_of(session: Session, helpline: Helpline, kind: str, code: str) -> ReferenceValue:
    return next(v for v in reference_lists.values(session, helpline.id, kind) if v.code == code)


def test_an_admin_adds_an_orientation_and_retires_a_category_old_requests_keep_it_new_ones_cannot(
    console: FlaskClient,
    nurse_console: FlaskClient,
    session: Session,
    admin: User,
    helpline: Helpline,
) -> None:
    old = make_request(session, reference="2026-00001")
    new = make_request(session, reference="2026-00002")
    assert save(nurse_console, old, category="interpreting", outcome="resolved").status_code == 302

    lists = console.get("/admin/lists")
    assert lists.headers["Location"].endswith(f"/admin/lists/{helpline.id}/category")
    added = post(
        console,
        f"/admin/lists/{helpline.id}/orientation",
        {"label": "Équipe mobile psychiatrie précarité", "code": "empp"},
    )
    assert added.status_code == 302
    assert "Équipe mobile psychiatrie précarité" in page_text(
        console.get(f"/admin/lists/{helpline.id}/orientation")
    )
    interpreting = value_of(session, helpline, "category", "interpreting")
    retired = post(console, f"/admin/lists/values/{interpreting.id}/retire", {})
    assert retired.status_code == 302
    shown = page_text(console.get(retired.headers["Location"]))
    assert re.search(r'<tr id="value-\d+" class="retired">\s*<td><a [^>]*>Interprétariat<', shown)

    # The old request keeps its retired category, shown and selected, and is saved again with it.
    old_page = page_text(nurse_console.get(f"/console/requests/{old.id}"))
    assert selected(old_page, "category") == "interpreting"
    assert "Interprétariat — retiré de la liste</option>" in old_page
    assert "empp" in offered(old_page, "orientation")
    again = save(
        nurse_console, old, category="interpreting", outcome="oriented", orientation="empp"
    )
    assert again.status_code == 302
    session.refresh(old)
    assert (old.category, old.outcome, old.orientation) == ("interpreting", "oriented", "empp")

    # A new request is not offered it, and cannot choose it: a clear message, nothing lost.
    new_page = page_text(nurse_console.get(f"/console/requests/{new.id}"))
    assert "interpreting" not in offered(new_page, "category")
    assert "empp" in offered(new_page, "orientation")
    refused = save(
        nurse_console, new, category="interpreting", orientation="empp", notes="Rappeler le Dr"
    )
    assert refused.status_code == 400
    page = page_text(refused)
    message = (
        "Catégorie : « Interprétariat » a été retiré de la liste et ne peut plus être choisi ; "
        "choisissez une autre valeur."
    )
    assert f'<p class="flash error">{message}</p>' in page
    assert 'aria-invalid="true" aria-describedby="category-error"' in page
    assert "Rappeler le Dr</textarea>" in page and selected(page, "orientation") == "empp"
    session.refresh(new)
    assert (new.category, new.orientation, new.notes) == (None, None, None)
    assert save(nurse_console, new, category="access_to_rights").status_code == 302

    assert audit_actions(session, "reference_value") == [
        "reference_value_added",
        "reference_value_retired",
    ]


def test_the_patient_facts_are_optional_fields_grouped_under_their_legend(
    nurse_console: FlaskClient, session: Session, helpline: Helpline
) -> None:
    request = make_request(session)
    page = page_text(nurse_console.get(f"/console/requests/{request.id}"))
    fieldset = re.search(r'<fieldset id="patient-facts">(.*?)</fieldset>', page, re.S)
    assert fieldset is not None
    assert "<legend>Données non identifiantes du patient</legend>" in fieldset.group(1)
    for field, label in [("patient_age_band", "Tranche d'âge"), ("patient_sex", "Sexe"),
                         ("patient_coverage", "Couverture maladie"),
                         ("patient_housing", "Situation de logement")]:  # fmt: skip
        assert f'<label for="{field}">{label}</label>' in fieldset.group(1)
    saved = save(
        nurse_console, request, category="other", patient_age_band="age_25_39",
        patient_sex="female", patient_coverage="ame", patient_housing="emergency_shelter",
    )  # fmt: skip
    assert saved.status_code == 302
    session.refresh(request)
    facts = (request.patient_age_band, request.patient_sex, request.patient_coverage,
             request.patient_housing)  # fmt: skip
    assert facts == ("age_25_39", "female", "ame", "emergency_shelter")
    unknown = save(nurse_console, request, patient_coverage="mutuelle_x")
    assert unknown.status_code == 400
    assert "Couverture maladie : valeur inconnue." in page_text(unknown)
    session.refresh(request)
    assert request.patient_coverage == "ame"
    english = page_text(nurse_console.get(f"/console/requests/{request.id}?lang=en"))
    assert "<legend>Patient's non-identifying data</legend>" in english
    assert ">AME (state medical aid)</option>" in english


def test_a_code_taken_is_refused_next_to_its_field_and_what_was_typed_is_kept(
    console: FlaskClient, session: Session, admin: User, helpline: Helpline
) -> None:
    path = f"/admin/lists/{helpline.id}/orientation"
    refused = post(console, path, {"label": "PASS dentaire", "code": "pass"})
    assert refused.status_code == 400
    page = page_text(refused)
    assert 'aria-invalid="true" aria-describedby="code-error"' in page
    assert "Le code « pass » est déjà pris dans cette liste (« PASS »)" in page
    assert 'value="PASS dentaire"' in page
    in_english = post(console, path + "?lang=en", {"label": "PASS", "code": ""})
    assert in_english.status_code == 400
    assert '"PASS" is already in this list (code pass).' in page_text(in_english)
    assert audit_actions(session, "reference_value") == []


def test_an_admin_renames_moves_and_restores_a_value_and_each_change_is_audited(
    console: FlaskClient, session: Session, admin: User, helpline: Helpline
) -> None:
    male = value_of(session, helpline, "sex", "male")
    make_request(session, patient_sex="male")
    edit = page_text(console.get(f"/admin/lists/values/{male.id}"))
    assert "1 demande l'a" in edit and '<label for="label">Libellé</label>' in edit
    assert (
        post(console, f"/admin/lists/values/{male.id}", {"label": "Homme (déclaré)"}).status_code
        == 302
    )
    assert (
        post(console, f"/admin/lists/values/{male.id}/move", {"direction": "up"}).status_code == 302
    )
    assert post(console, f"/admin/lists/values/{male.id}/retire", {}).status_code == 302
    assert post(console, f"/admin/lists/values/{male.id}/restore", {}).status_code == 302
    session.expire_all()
    assert reference_lists.choices(session, helpline.id, "sex")[:2] == [
        ("male", "Homme (déclaré)"),
        ("female", "Femme"),
    ]
    empty = post(console, f"/admin/lists/values/{male.id}", {"label": "  "})
    assert empty.status_code == 400 and "Le libellé est obligatoire." in page_text(empty)
    bad_move = post(console, f"/admin/lists/values/{male.id}/move", {"direction": "sideways"})
    assert bad_move.status_code == 302
    assert console.get(f"/admin/lists/{helpline.id}/colour").status_code == 404
    assert console.get(f"/admin/lists/values/{2**40}").status_code == 404
    assert audit_actions(session, "reference_value") == [
        "reference_value_renamed",
        "reference_value_moved",
        "reference_value_retired",
        "reference_value_restored",
    ]
    english = page_text(console.get(f"/admin/lists/{helpline.id}/sex?lang=en"))
    assert '<h2 id="list-title">Sex</h2>' in english and ">Move up</button>" in english


def test_a_nurse_does_not_reach_the_reference_lists(
    nurse_console: FlaskClient, helpline: Helpline
) -> None:
    response = nurse_console.get(f"/admin/lists/{helpline.id}/category")
    assert response.status_code in (302, 403)


def test_no_reference_list_form_answers_500_whatever_is_posted(
    console: FlaskClient,
    nurse_console: FlaskClient,
    session: Session,
    admin: User,
    helpline: Helpline,
) -> None:
    value = value_of(session, helpline, "orientation", "pass")
    request = make_request(session)
    admin_forms = [
        (f"/admin/lists/{helpline.id}/orientation", {"label": "CMP Nord", "code": ""}),
        (f"/admin/lists/values/{value.id}", {"label": "PASS"}),
        (f"/admin/lists/values/{value.id}/move", {"direction": "up"}),
    ]
    for path, valid in admin_forms:
        for field in valid:
            for nasty in NASTY:
                response = post(console, path, {**valid, field: nasty})
                assert response.status_code < 500, (path, field, nasty[:40])
    for field in [name for name in REQUEST_FORM if name not in ("follow_up_on", "notes")]:
        for nasty in NASTY:
            response = save(nurse_console, request, **{field: nasty})
            assert response.status_code in (302, 400), (field, nasty[:40])


def test_each_helpline_s_lists_are_edited_on_their_own_page(
    console: FlaskClient, session: Session, admin: User, helpline: Helpline
) -> None:
    second = make_helpline(session, name="Ligne Nord", phone_number="+33562000000")
    make_member(session, admin, second, "admin")  # he administers both
    page = page_text(console.get(f"/admin/lists/{second.id}/orientation"))
    assert "<h1>Listes de référence — Ligne Nord</h1>" in page
    assert re.search(rf'href="/admin/lists/{second.id}/orientation" aria-current="page"', page)
    assert f'href="/admin/lists/{helpline.id}/orientation"' in page
    assert (
        post(console, f"/admin/lists/{second.id}/orientation", {"label": "CMP Nord"}).status_code
        == 302
    )
    assert "cmp_nord" in dict(reference_lists.choices(session, second.id, "orientation"))
    assert "cmp_nord" not in dict(reference_lists.choices(session, helpline.id, "orientation"))
    assert console.get(f"/admin/lists/{2**40}/orientation").status_code == 404
