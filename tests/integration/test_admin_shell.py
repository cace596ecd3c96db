"""The admin shell: its index (sections from the features), who may come in, CSRF, audit log."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import hooks
from hotline.hooks import NavSection
from hotline.models import Helpline, User
from interpreter_pool.admin import add_interpreter
from tests.csrf import signed_csrf_token
from tests.factories import make_professional, make_user
from tests.integration.admin_support import (
    admin,
    audit_actions,
    console,
    helpline,
    page_text,
    post,
    user_form,
)
from tests.integration.test_console_access import csrf_of, sign_in

__all__ = ["admin", "console", "helpline", "user_form"]  # the fixtures these tests use


# --- every page --------------------------------------------------------------------------------


def test_every_admin_section_renders_for_an_admin(
    console: FlaskClient, session: Session, admin: User
) -> None:
    interpreter = add_interpreter(session, "Samira Haddad", "+33610000001", ["ar", "ti"])
    professional = make_professional(session, "+33612345678")
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
    assert "Arabe (ar), Tigrigna (ti)" in page_text(console.get("/admin/interpreters"))


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
    console: FlaskClient, session: Session, admin: User, user_form: dict[str, str | list[str]]
) -> None:
    response = console.post("/admin/users", data=user_form)
    assert response.status_code == 403
    assert (
        session.scalars(select(User).where(User.email == "claire.dupont@example.org")).first()
        is None
    )


def test_the_audit_log_lists_changes_and_filters_by_object(
    console: FlaskClient, session: Session, admin: User, user_form: dict[str, str | list[str]]
) -> None:
    post(console, "/admin/users", user_form)
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


def test_an_admin_form_posted_with_a_token_of_another_session_is_refused(
    app: Flask,
    console: FlaskClient,
    session: Session,
    admin: User,
    user_form: dict[str, str | list[str]],
) -> None:
    forged = signed_csrf_token(app, "the secret of another session")
    response = console.post("/admin/users", data={**user_form, "csrf_token": forged})
    assert response.status_code == 403
    assert "Jeton CSRF absent ou invalide" in page_text(response)
    bogus = console.post(
        "/admin/greeting", json={"greeting": "Bonjour."}, headers={"X-CSRF-Token": "bogus"}
    )
    assert bogus.status_code == 403
    assert audit_actions(session, "user") == ["sign_in"]
    assert audit_actions(session, "helpline") == []


def test_the_index_shows_the_sections_the_features_registered_in_their_order(
    app: Flask, console: FlaskClient, admin: User
) -> None:
    hooks.add_admin_section(
        app,
        NavSection("callbacks_console.callbacks", "Rappels", ("admin",), 45, "Les rappels promis."),
    )
    hooks.add_admin_section(app, NavSection("console.board", "Tableau", ("nurse",), 46))
    index = page_text(console.get("/admin"))
    links = re.findall(r'<h2><a href="([^"]+)">', index)
    assert links == [
        "/admin/helplines",  # a regional administrator's
        "/admin/users",
        "/admin/rota",
        "/admin/hours",
        "/admin/interpreters",
        "/console/callbacks",
        "/admin/directory",
        "/admin/lists",
        "/admin/greeting",
        "/admin/audit",
    ]  # the nurse's section is not shown to an admin who is not a nurse
    assert "Les rappels promis." in index
