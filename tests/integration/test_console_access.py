"""Console sign-in, CSRF, throttling and roles; the finance pages and the invoice check."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import AuditEvent, Helpline, Request, User
from hotline.users import create_user
from interpreter_pool.admin import add_budget, add_interpreter
from interpreter_pool.models import InterpretingSession, LedgerEntry
from tests.conftest import HOTLINE_NUMBER, Clock

PASSWORD = "correct horse battery"
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def console(app: Flask) -> FlaskClient:
    """A browser on the console, over https as in production (secure cookies)."""
    client = app.test_client()
    client.environ_base.update({"wsgi.url_scheme": "https", "HTTP_HOST": "hotline.example.org"})
    return client


def make_user(session: Session, roles: str, email: str | None = None) -> User:
    user = create_user(
        session, email or f"{roles.replace(',', '-')}@example.org", roles.title(), roles, PASSWORD
    )
    session.commit()
    return user


def csrf_of(console: FlaskClient, path: str = "/console/login") -> str:
    page = console.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def sign_in(console: FlaskClient, email: str, password: str = PASSWORD) -> int:
    token = csrf_of(console)
    response = console.post(
        "/console/login", data={"email": email, "password": password, "csrf_token": token}
    )
    return response.status_code


def test_sign_in_lands_on_the_section_of_the_role_and_sign_out_ends_it(
    console: FlaskClient, session: Session
) -> None:
    finance = make_user(session, "finance")
    assert console.get("/finance").status_code == 302  # to the sign-in page
    assert sign_in(console, finance.email) == 302
    assert console.get("/console").headers["Location"].endswith("/finance")
    assert console.get("/finance").status_code == 200
    token = csrf_of(console, "/finance")
    assert console.post("/console/logout", data={"csrf_token": token}).status_code == 302
    assert console.get("/finance").status_code == 302
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.user_id == finance.id)
    ).all()
    assert list(actions) == ["sign_in", "sign_out"]


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(
    console: FlaskClient, session: Session
) -> None:
    user = make_user(session, "nurse")
    token = csrf_of(console)
    response = console.post(
        "/console/login",
        data={"email": user.email, "password": "wrong password!", "csrf_token": token},
    )
    assert response.status_code == 401
    assert "Adresse ou mot de passe incorrect." in response.get_data(as_text=True)
    unknown = console.post(
        "/console/login",
        data={"email": "nobody@example.org", "password": PASSWORD, "csrf_token": token},
    )
    assert unknown.status_code == 401


def test_a_form_posted_without_its_csrf_token_is_refused(
    console: FlaskClient, session: Session
) -> None:
    user = make_user(session, "nurse")
    response = console.post("/console/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 403
    assert console.get("/finance").status_code == 302  # not signed in


def test_ten_wrong_passwords_in_a_minute_slow_the_account_and_the_address_down(
    console: FlaskClient, session: Session, clock: Clock
) -> None:
    user = make_user(session, "nurse")
    for _ in range(10):
        assert sign_in(console, user.email, "not the password") == 401
    assert sign_in(console, user.email) == 429  # even the right password waits
    assert sign_in(console, "someone.else@example.org") == 429  # the same address
    clock.at = T0 + timedelta(minutes=2)
    assert sign_in(console, user.email) == 302


def test_a_finance_officer_is_refused_admin_only_and_nurse_only_pages(
    console: FlaskClient, session: Session
) -> None:
    make_user(session, "nurse", "nurse@example.org")
    assert sign_in(console, "nurse@example.org") == 302
    assert console.get("/finance").status_code == 403


def test_the_finance_page_shows_the_budget_its_forecast_and_the_spend(
    console: FlaskClient, session: Session
) -> None:
    helpline = Helpline(name="Permanence", phone_number=HOTLINE_NUMBER)
    session.add(helpline)
    session.flush()
    interpreter = add_interpreter(session, "Samira Haddad", "+33610000001", ["ar"])
    add_budget(
        session,
        "Interprétariat 2026",
        date(2026, 1, 1),
        date(2026, 12, 31),
        Decimal(1000),
        hours_cap=250,
    )
    for day in range(10):
        session.add(
            LedgerEntry(
                posted_at=T0,
                kind="charge",
                interpreter_id=interpreter.id,
                language="ar",
                service_at=T0 - timedelta(days=day),
                duration_s=1200,
                billable_s=1200,
                amount=Decimal("70.00"),
                label=f"Séance {day}",
                dedupe_key=f"s{day}",
            )
        )
    make_user(session, "finance", "finance@example.org")
    assert sign_in(console, "finance@example.org") == 302
    page = console.get("/finance").get_data(as_text=True)
    assert "Interprétariat 2026" in page
    assert "70,0" in page  # 700 € of 1 000 €: 70.0 %
    assert "700,00\u00a0€" in page
    # 700 € over the last 30 days: 23.33 € a day, so the 300 € left last 13 more days.
    assert "Épuisement prévu le 06/12/2026" in page
    assert "23,33\u00a0€ / jour" in page
    assert "Arabe" in page and "Samira Haddad" in page
    english = console.get("/finance?lang=en").get_data(as_text=True)
    assert "€700.00" in english

    export = console.get("/finance/ledger.csv")
    assert export.mimetype == "text/csv"
    rows = export.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert rows[0].startswith("date;heure;type;prestataire;langue")
    assert len(rows) == 11
    assert rows[-1].split(";")[7] == "70,00"


def test_the_invoice_check_lists_each_difference(console: FlaskClient, session: Session) -> None:
    helpline = Helpline(name="Permanence", phone_number=HOTLINE_NUMBER)
    session.add(helpline)
    session.flush()
    interpreter = add_interpreter(session, "Samira Haddad", "+33610000001", ["ar"])
    for n, (hour, minutes, amount) in enumerate([(10, 16, "56.00"), (14, 20, "70.00")]):
        request = Request(reference=f"2026-0000{n + 1}", helpline_id=helpline.id, opened_at=T0)
        session.add(request)
        session.flush()
        started = datetime(2026, 11, 23, hour - 1, 0, tzinfo=UTC)
        interpreting = InterpretingSession(
            request_id=request.id, language="ar", conference_name="r", strategy="all", plan=[],
            status="ended", interpreter_id=interpreter.id, requested_at=started,
            deadline_at=started,
        )  # fmt: skip
        session.add(interpreting)
        session.flush()
        session.add(
            LedgerEntry(
                posted_at=T0, kind="charge", interpreting_session_id=interpreting.id,
                interpreter_id=interpreter.id, language="ar", service_at=started,
                duration_s=minutes * 60, billable_s=minutes * 60, amount=Decimal(amount),
                label="Séance", dedupe_key=f"c{n}",
            )
        )  # fmt: skip
    make_user(session, "finance", "finance@example.org")
    assert sign_in(console, "finance@example.org") == 302
    invoice = (
        "Date;Heure;Durée;Langue;Montant\n"
        "23/11/2026;10:01;00:16:00;arabe;56,00\n"
        "23/11/2026;14:00;00:30:00;arabe;105,00\n"
        "25/11/2026;09:00;15:00;arabe;52,50\n"
    )
    token = csrf_of(console, "/finance/invoice-check")
    response = console.post(
        "/finance/invoice-check",
        data={
            "csrf_token": token,
            "provider": str(interpreter.id),
            "month": "2026-11",
            "invoice": (io.BytesIO(invoice.encode()), "facture-novembre.csv"),
        },
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 écarts sur 3 lignes et séances" in page
    assert "durée facturée 30 min 00 s, mesurée 20 min 00 s" in page
    assert "aucune séance de notre côté" in page
    assert "conforme" in page
