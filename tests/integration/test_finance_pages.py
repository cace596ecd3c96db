"""The finance pages (reports): budgets, spend, the ledger and its export, the invoice check."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from interpreter_pool.admin import add_budget, add_interpreter
from tests.factories import (
    make_helpline,
    make_interpreting_session,
    make_ledger_entry,
    make_request,
    make_user,
)
from tests.integration.test_console_access import console, csrf_of, sign_in

__all__ = ["console"]  # the fixture, imported for these tests

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_the_finance_page_shows_the_budget_its_forecast_and_the_spend(
    console: FlaskClient, session: Session
) -> None:
    make_helpline(session)
    interpreter = add_interpreter(session, "Samira Haddad", "+33610000001", ["ar"])
    budget = add_budget(
        session,
        "Interprétariat 2026",
        date(2026, 1, 1),
        date(2026, 12, 31),
        Decimal(1000),
        hours_cap=250,
    )
    for day in range(10):
        make_ledger_entry(
            session,
            posted_at=T0,
            interpreter_id=interpreter.id,
            language="ar",
            service_at=T0 - timedelta(days=day),
            duration_s=1200,
            billable_s=1200,
            amount=Decimal("70.00"),
            label=f"Séance {day}",
            dedupe_key=f"s{day}",
            budget_line_id=budget.id,
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
    interpreter = add_interpreter(session, "Samira Haddad", "+33610000001", ["ar"])
    for n, (hour, minutes, amount) in enumerate([(10, 16, "56.00"), (14, 20, "70.00")]):
        request = make_request(session, reference=f"2026-0000{n + 1}", opened_at=T0)
        started = datetime(2026, 11, 23, hour - 1, 0, tzinfo=UTC)
        interpreting = make_interpreting_session(
            session, request, conference_name="r", status="ended",
            interpreter_id=interpreter.id, requested_at=started, deadline_at=started,
        )  # fmt: skip
        make_ledger_entry(
            session, posted_at=T0, interpreting_session_id=interpreting.id,
            interpreter_id=interpreter.id, language="ar", service_at=started,
            duration_s=minutes * 60, billable_s=minutes * 60, amount=Decimal(amount),
            label="Séance", dedupe_key=f"c{n}",
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
