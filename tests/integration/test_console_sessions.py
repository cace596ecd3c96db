"""Console sessions end on the server: sign-out, a password change, idle and absolute lifetimes;
the sign-in throttle counts the real client and cannot lock others out; an unknown address costs
the same hash as a known one."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from hotline import console as console_module
from hotline.app import create_app
from hotline.db import Database
from hotline.models import LoginAttempt
from hotline.passwords import dummy_hash
from hotline.users import set_password
from tests.conftest import Clock, RecordingDispatcher, make_settings
from tests.factories import PASSWORD, make_user

HOST = "hotline.example.org"


def browser(app: Flask, address: str = "192.0.2.10", **headers: str) -> FlaskClient:
    """A browser at ``address`` over https (``headers`` as extra WSGI environ entries)."""
    client = app.test_client()
    client.environ_base.update(
        {"wsgi.url_scheme": "https", "HTTP_HOST": HOST, "REMOTE_ADDR": address, **headers}
    )
    return client


def csrf_of(client: FlaskClient, path: str = "/console/login") -> str:
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD) -> int:
    token = csrf_of(client)
    response = client.post(
        "/console/login", data={"email": email, "password": password, "csrf_token": token}
    )
    return response.status_code


def cookie(client: FlaskClient) -> tuple[str, str]:
    """The browser's session cookie: its domain (as the test client stores it) and value."""
    jar = client._cookies  # werkzeug's test jar: {(domain, path, name): Cookie}
    found = [(domain, c.value) for (domain, _, name), c in jar.items() if name == "session"]
    assert len(found) == 1, jar
    return found[0]


def with_cookie(app: Flask, copied: tuple[str, str]) -> FlaskClient:
    """Another browser replaying a copied session cookie."""
    thief = browser(app, "198.51.100.66")
    domain, value = copied
    thief.set_cookie("session", value, domain=domain)
    return thief


# --- server-side invalidation -------------------------------------------------------------------


def test_an_old_session_cookie_is_refused_after_sign_out(app: Flask, session: Session) -> None:
    finance = make_user(session, "finance")
    client = browser(app)
    assert sign_in(client, finance.email) == 302
    assert client.get("/finance").status_code == 200
    copied = cookie(client)
    assert with_cookie(app, copied).get("/finance").status_code == 200
    client.post("/console/logout", data={"csrf_token": csrf_of(client, "/finance")})
    replayed = with_cookie(app, copied).get("/finance")
    assert replayed.status_code == 302 and "/console/login" in replayed.headers["Location"]
    # Signing in again gives a new session that works.
    assert sign_in(client, finance.email) == 302
    assert client.get("/finance").status_code == 200


def test_an_old_session_cookie_is_refused_after_a_password_change(
    app: Flask, session: Session
) -> None:
    finance = make_user(session, "finance")
    client = browser(app)
    assert sign_in(client, finance.email) == 302
    copied = cookie(client)
    set_password(session, finance, "une-autre-phrase-secrete")
    assert client.get("/finance").status_code == 302
    assert with_cookie(app, copied).get("/finance").status_code == 302
    assert sign_in(client, finance.email) == 401  # the old password is gone too
    assert sign_in(client, finance.email, "une-autre-phrase-secrete") == 302
    assert client.get("/finance").status_code == 200


def test_an_admin_password_reset_ends_the_account_s_sessions(app: Flask, session: Session) -> None:
    admin = make_user(session, "admin", is_regional_admin=True)  # every account is his
    nurse = make_user(session, "finance", "nadia@example.org", display_name="Nadia Benoît")
    theirs, mine = browser(app, "192.0.2.20"), browser(app)
    assert sign_in(theirs, nurse.email) == 302
    assert sign_in(mine, admin.email) == 302
    page = f"/admin/users/{nurse.id}"
    token = csrf_of(mine, page)
    refused = mine.post(
        f"{page}/password", data={"password": "nadia-2026-xyz!", "csrf_token": token}
    )
    assert refused.status_code == 400
    assert "ni le nom ni l&#39;adresse e-mail" in refused.get_data(as_text=True)
    assert theirs.get("/finance").status_code == 200  # nothing changed
    done = mine.post(
        f"{page}/password", data={"password": "trois-pommes-vertes", "csrf_token": token}
    )
    assert done.status_code == 302
    assert theirs.get("/finance").status_code == 302
    assert mine.get(page).status_code == 200  # the admin's own session goes on


def test_a_session_ends_after_its_idle_time_and_after_its_absolute_lifetime(
    app: Flask, session: Session, clock: Clock
) -> None:
    finance = make_user(session, "finance")
    client = browser(app)
    start = clock.at
    assert sign_in(client, finance.email) == 302
    # Used every 100 minutes (under the 2 h idle time): it lives until 12 h after sign-in.
    for step in range(1, 8):
        clock.at = start + timedelta(minutes=100 * step)
        assert client.get("/finance").status_code == 200, step
    clock.at = start + timedelta(hours=12, minutes=1)
    assert client.get("/finance").status_code == 302
    # Idle for more than 2 h: over.
    assert sign_in(client, finance.email) == 302
    clock.at += timedelta(minutes=119)
    assert client.get("/finance").status_code == 200
    clock.at += timedelta(minutes=121)
    assert client.get("/finance").status_code == 302


# --- the throttle -------------------------------------------------------------------------------


def test_eight_failures_on_one_account_from_one_address_lock_no_one_else(
    app: Flask, session: Session
) -> None:
    victim = make_user(session, "finance")
    other = make_user(session, "finance", "other@example.org")
    attacker = browser(app, "203.0.113.5")
    for _ in range(8):
        assert sign_in(attacker, victim.email, "not the password") == 401
    assert sign_in(browser(app, "203.0.113.5"), other.email) == 302  # another account
    assert sign_in(browser(app, "192.0.2.10"), other.email) == 302  # another address
    assert sign_in(browser(app, "192.0.2.11"), victim.email) == 302  # the owner elsewhere


def test_an_account_failing_from_many_addresses_backs_off_but_is_never_locked_for_long(
    app: Flask, session: Session, clock: Clock
) -> None:
    victim = make_user(session, "finance")
    for n in range(11):  # a guesser spreading over many addresses
        assert sign_in(browser(app, f"203.0.113.{n + 1}"), victim.email, "nope nope nope") == 401
    owner = browser(app, "192.0.2.10")
    assert sign_in(owner, victim.email) == 429  # back-off after the last failure
    assert sign_in(owner, "someone.else@example.org", "nope nope nope") == 401  # not the address
    clock.at += timedelta(minutes=1, seconds=1)
    assert sign_in(owner, victim.email) == 302  # never more than a minute


@pytest.fixture
def proxied_app(connection: Connection, clock: Clock, dispatched: RecordingDispatcher) -> Flask:
    """The application behind one reverse proxy (TRUSTED_PROXIES=1)."""
    return create_app(
        make_settings(trusted_proxies=1),
        database=Database(connection),
        clock=clock,
        dispatcher=dispatched,
    )


PROXY = "10.0.0.2"


def test_behind_a_trusted_proxy_the_real_client_address_is_counted(
    proxied_app: Flask, session: Session
) -> None:
    user = make_user(session, "finance")
    other = make_user(session, "finance", "other@example.org")
    guesser = browser(proxied_app, PROXY, HTTP_X_FORWARDED_FOR="203.0.113.5")
    for _ in range(10):
        assert sign_in(guesser, "nobody@example.org", "nope nope nope") == 401
    assert sign_in(guesser, other.email) == 429  # that client waits
    addresses = set(session.scalars(select(LoginAttempt.address)))
    assert addresses == {"203.0.113.5"}
    # Everyone else comes through the same proxy and is not locked out.
    assert (
        sign_in(browser(proxied_app, PROXY, HTTP_X_FORWARDED_FOR="192.0.2.10"), user.email) == 302
    )


def test_without_trusted_proxies_forwarded_headers_are_not_believed(
    app: Flask, session: Session
) -> None:
    forger = browser(app, "203.0.113.5", HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert sign_in(forger, "nobody@example.org", "nope nope nope") == 401
    assert set(session.scalars(select(LoginAttempt.address))) == {"203.0.113.5"}


# --- the same work for known and unknown addresses ------------------------------------------------


def test_an_unknown_address_is_checked_against_the_dummy_hash_with_the_same_answer(
    app: Flask, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = make_user(session, "finance")
    real = console_module.check_password
    checked: list[str | None] = []

    def spy(password: str, stored: str | None) -> Any:
        checked.append(stored)
        return real(password, stored)

    monkeypatch.setattr(console_module, "check_password", spy)
    client = browser(app)
    token = csrf_of(client)
    answers = []
    for email in ("nobody@example.org", user.email):
        response = client.post(
            "/console/login",
            data={"email": email, "password": "not the password", "csrf_token": token},
        )
        text = response.get_data(as_text=True).replace(email, "EMAIL")
        text = re.sub(r'name="csrf_token" value="[^"]+"', "TOKEN", text)  # signed with the time
        answers.append((response.status_code, text))
    assert checked == [dummy_hash(), user.password_hash]
    assert answers[0] == answers[1]
    assert answers[0][0] == 401 and "Adresse ou mot de passe incorrect." in answers[0][1]
