"""The admin pages of console accounts."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import AuditEvent, Helpline, User
from hotline.passwords import check_password
from tests.factories import make_user
from tests.integration.admin_support import (
    admin,
    audit_actions,
    console,
    helpline,
    page_text,
    post,
    user_form,
)
from tests.integration.test_console_access import sign_in

__all__ = ["admin", "console", "helpline", "user_form"]  # the fixtures these tests use

NEW_PASSWORD = "another long passphrase"


# --- users -------------------------------------------------------------------------------------


def test_an_admin_creates_a_user_who_can_then_sign_in(
    app: Flask,
    console: FlaskClient,
    session: Session,
    admin: User,
    user_form: dict[str, str | list[str]],
) -> None:
    response = post(console, "/admin/users", user_form)
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
        (
            {"password": "password1234"},
            "Ce mot de passe fait partie des plus utilisés : choisissez-en un autre.",
        ),
        (
            {"password": "dupont-des-urgences"},
            "Le mot de passe ne doit contenir ni le nom ni l'adresse e-mail de la personne.",
        ),
        ({"memberships": []}, "Choisissez au moins un rôle dans une ligne."),
        ({"phone": "12"}, "« 12 » n'est pas un numéro de téléphone valide."),
    ],
)
def test_a_refused_user_form_says_why_and_keeps_what_was_typed(
    console: FlaskClient,
    session: Session,
    admin: User,
    change: dict[str, str | list[str]],
    message: str,
    user_form: dict[str, str | list[str]],
    helpline: Helpline,
) -> None:
    response = post(console, "/admin/users", {**user_form, **change})
    page = page_text(response)
    assert response.status_code == 400
    assert f'<p class="flash error">{message}</p>' in page
    assert 'value="Claire Dupont"' in page
    assert f'value="{change.get("email", user_form["email"])}"' in page
    assert f'value="{change.get("phone", user_form["phone"])}"' in page
    if "memberships" not in change:
        assert f'value="{helpline.id}:finance" id="m-{helpline.id}-finance"' in page
        assert 'aria-label="Permanence : finances" checked' in page
    assert "a long enough passphrase" not in page  # a password is never written back
    assert session.scalars(select(User).where(User.display_name == "Claire Dupont")).first() is None
    assert audit_actions(session, "user") == ["sign_in"]


def test_an_admin_changes_roles_phone_and_active_flag_and_resets_a_password(
    console: FlaskClient, session: Session, admin: User, helpline: Helpline
) -> None:
    nurse = make_user(session, "nurse", "nurse@example.org")
    response = post(
        console,
        f"/admin/users/{nurse.id}",
        {"display_name": "Amélie Roux", "phone": "0600000001", "locale": "en",
         "memberships": [f"{helpline.id}:nurse", f"{helpline.id}:admin"]},
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
    console: FlaskClient, session: Session, admin: User, helpline: Helpline
) -> None:
    response = post(
        console,
        f"/admin/users/{admin.id}",
        {"display_name": "Admin", "locale": "fr", "is_active": "on",
         "memberships": [f"{helpline.id}:nurse"]},
    )  # fmt: skip
    assert response.status_code == 400
    assert "votre propre rôle d'administrateur" in page_text(response)
    session.refresh(admin)
    assert admin.is_regional_admin
    session.refresh(admin)
    assert admin.roles == "admin"


def test_a_common_password_is_refused_in_english_on_the_english_page(
    console: FlaskClient, session: Session, admin: User, user_form: dict[str, str | list[str]]
) -> None:
    response = post(console, "/admin/users?lang=en", {**user_form, "password": "azertyuiop123"})
    assert response.status_code == 400
    assert "This password is among the most commonly used: choose another one." in page_text(
        response
    )


@pytest.mark.parametrize(
    ("lang", "message"),
    [("fr", "Le nom est obligatoire."), ("en", "Name is required.")],
)
def test_a_refused_field_says_why_next_to_it_in_the_page_language(
    console: FlaskClient,
    session: Session,
    admin: User,
    lang: str,
    message: str,
    user_form: dict[str, str | list[str]],
) -> None:
    response = post(console, f"/admin/users?lang={lang}", {**user_form, "display_name": "  "})
    page = page_text(response)
    assert response.status_code == 400
    assert f'<p class="flash error">{message}</p>' in page  # the summary at the top
    assert f'<span class="field-error" id="display_name-error">{message}</span>' in page
    assert (
        'id="display_name" name="display_name" value="" required aria-invalid="true" '
        'aria-describedby="display_name-error">' in page
    )
    assert 'aria-describedby="email-error"' not in page  # the other fields are fine
    assert 'value="Claire.Dupont@example.org"' in page and 'value="06 12 34 56 78"' in page
    assert (
        session.scalars(select(User).where(User.email == "claire.dupont@example.org")).first()
        is None
    )


def test_every_refused_field_of_a_form_is_named_at_once(
    console: FlaskClient, session: Session, admin: User, user_form: dict[str, str | list[str]]
) -> None:
    response = post(
        console,
        "/admin/users",
        {**user_form, "email": "claire", "phone": "12", "password": "short"},
    )
    page = page_text(response)
    assert response.status_code == 400
    for field, message in [
        ("email", "« claire » n'est pas une adresse e-mail valide."),
        ("phone", "« 12 » n'est pas un numéro de téléphone valide."),
        ("password", "Le mot de passe doit compter au moins 12 caractères."),
    ]:
        assert f'<p class="flash error">{message}</p>' in page, field
        assert f'<span class="field-error" id="{field}-error">{message}</span>' in page, field
