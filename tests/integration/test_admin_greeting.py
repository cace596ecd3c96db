"""The admin page of the helpline's greeting."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hotline.models import Helpline, User
from tests.integration.admin_support import (
    admin,
    audit_actions,
    console,
    helpline,
    page_text,
    post,
)

__all__ = ["admin", "console", "helpline"]  # the fixtures these tests use


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


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("fr", "Le message d'accueil est trop long (1000 caractères au plus)."),
        ("en", "The welcome message is too long (1000 characters at most)."),
    ],
)
def test_a_greeting_too_long_is_refused_in_the_page_language_and_kept(
    console: FlaskClient, session: Session, admin: User, helpline: Helpline, lang: str, message: str
) -> None:
    before = helpline.greeting
    response = post(console, f"/admin/greeting?lang={lang}", {"greeting": "Bonjour.  " * 200})
    page = page_text(response)
    assert response.status_code == 400
    assert f'<span class="field-error" id="greeting-error">{message}</span>' in page
    assert "Bonjour. Bonjour. Bonjour.</textarea>" in page  # what was typed, spaces tidied
    session.refresh(helpline)
    assert helpline.greeting == before
