"""The first minutes of a newcomer: a front page at `/`, and each role's own home page."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hotline.landing import DEMO_LANDING
from tests.factories import make_user
from tests.integration.test_console_access import sign_in


@pytest.fixture
def console(app: Flask) -> FlaskClient:
    client = app.test_client()
    client.environ_base.update({"wsgi.url_scheme": "https", "HTTP_HOST": "hotline.example.org"})
    return client


def test_the_front_page_answers_in_french_with_the_way_to_the_console(
    console: FlaskClient,
) -> None:
    response = console.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<html lang="fr">' in page
    assert "<h1>Plateforme d&#39;appui aux professionnels de santé</h1>" in page
    assert 'href="/console"' in page
    assert "Se connecter à la console" in page
    assert "simulateur" not in page  # not the demo: no simulator, no accounts
    assert "Content-Security-Policy" in response.headers


def test_the_front_page_answers_in_english_when_asked(console: FlaskClient) -> None:
    page = console.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Sign in to the console" in page
    assert "Se connecter à la console" not in page


def test_the_demo_front_page_links_to_the_simulator_and_lists_the_accounts(
    app: Flask, console: FlaskClient
) -> None:
    app.config[DEMO_LANDING] = {
        "simulator": "http://127.0.0.1:5050/",
        "accounts": [("admin@demo.e-care.fr", "reglages-demo-2026")],
    }
    page = console.get("/").get_data(as_text=True)
    assert '<a href="http://127.0.0.1:5050/">Ouvrir le simulateur de téléphone</a>' in page
    assert "<caption>Comptes de démonstration</caption>" in page
    assert "<td>admin@demo.e-care.fr</td><td><code>reglages-demo-2026</code></td>" in page


@pytest.mark.parametrize(
    ("roles", "home"),
    [
        ("admin", "/admin"),
        ("finance", "/finance"),
        ("coordinator", "/reports"),
        ("nurse", "/console/board"),
        # Several roles: the first in the documented order (admin, finance, coordinator, nurse).
        ("nurse,coordinator", "/reports"),
        ("finance,admin", "/admin"),
    ],
)
def test_each_role_lands_on_its_own_home_page_after_signing_in(
    console: FlaskClient, session: Session, roles: str, home: str
) -> None:
    user = make_user(session, roles)
    assert sign_in(console, user.email) == 302
    assert urlsplit(console.get("/console").headers["Location"]).path == home
