"""The finance pages (reports): budgets, spend, the ledger and its export, the invoice check."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import openpyxl
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import Helpline
from interpreter_pool.admin import add_budget, add_interpreter
from interpreter_pool.models import InvoiceCheck
from tests.factories import (
    make_helpline,
    make_interpreting_session,
    make_ledger_entry,
    make_member,
    make_request,
    make_user,
)
from tests.integration.test_console_access import console, csrf_of, sign_in

__all__ = ["console"]  # the fixture, imported for these tests

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_the_finance_page_shows_the_budget_its_forecast_and_the_spend(
    console: FlaskClient, session: Session
) -> None:
    helpline = make_helpline(session)
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
            helpline_id=helpline.id,
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
    export = console.get("/finance/ledger.csv")
    assert export.mimetype == "text/csv"
    rows = export.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert rows[0].startswith("date;heure;type;prestataire;langue;permanence;structure")
    assert len(rows) == 12  # the header, 10 entries, the totals
    assert rows[-2].split(";")[:3] == ["23/11/2026", "10:00:00", "séance"]
    assert rows[-2].split(";")[10] == "70,00"
    assert rows[-1].split(";")[10] == "700,00"
    international = console.get("/finance/ledger.csv?numbers=intl").get_data(as_text=True)
    assert international.splitlines()[-2].split(",")[:1] == ["2026-11-23"]
    assert international.splitlines()[-1].split(",")[10] == "700.00"
    english = console.get("/finance?lang=en").get_data(as_text=True)
    assert "€700.00" in english


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
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 écarts sur 3 lignes et séances" in page
    assert "durée facturée 30 min 00 s, mesurée 20 min 00 s" in page
    assert "aucune séance de notre côté" in page
    assert "conforme" in page


def _session_of(
    session: Session, helpline: Helpline, interpreter_id: int, started: datetime, seconds: int,
    amount: str, reference: str,
) -> None:  # fmt: skip
    request = make_request(session, helpline, reference=reference, opened_at=started)
    interpreting = make_interpreting_session(
        session, request, conference_name="r", status="ended", interpreter_id=interpreter_id,
        requested_at=started, deadline_at=started,
    )  # fmt: skip
    make_ledger_entry(
        session, interpreting_session_id=interpreting.id, interpreter_id=interpreter_id,
        helpline_id=helpline.id, language="ar", service_at=started, duration_s=seconds,
        billable_s=seconds, amount=Decimal(amount), label="Séance", dedupe_key=f"c{reference}",
    )  # fmt: skip


def test_an_invoice_check_shows_seconds_and_totals_is_kept_listed_reopened_and_exported(
    console: FlaskClient, session: Session
) -> None:
    a = make_helpline(session, name="Permanence A")
    b = make_helpline(session, name="Permanence B", phone_number="+33561000099")
    interpreter = add_interpreter(session, "Samira Haddad", "+33610000001", ["ar"])
    other = add_interpreter(session, "Agence Lingua", "+33610000002", ["ar"])
    started = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    _session_of(session, a, interpreter.id, started, 17, "3.50", "2026-00001")
    _session_of(session, a, interpreter.id, started.replace(hour=13), 1200, "70.00", "2026-00002")
    # Helpline B's session at the same time is not A's to check.
    _session_of(session, b, interpreter.id, started.replace(hour=13), 900, "52.50", "2026-00003")
    finance_a = make_member(session, make_user(session, "finance", "fa@example.org"), a, "finance")
    finance_b = make_member(session, make_user(session, "finance", "fb@example.org"), b, "finance")
    assert sign_in(console, finance_a.email) == 302
    invoice = (
        "Date;Heure;Durée;Langue;Montant\n"
        "23/11/2026;10:00;17;arabe;3,50\n"
        "23/11/2026;14:00;00:25:00;arabe;87,50\n"
        "=1+1;x;y;z;w\n"
    )
    token = csrf_of(console, "/finance/invoice-check")
    response = console.post(
        "/finance/invoice-check",
        data={
            "csrf_token": token,
            "provider": str(interpreter.id),
            "helpline": str(a.id),
            "month": "2026-11",
            "invoice": (io.BytesIO(invoice.encode()), "facture-novembre.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    kept = session.scalars(select(InvoiceCheck)).one()
    assert response.headers["Location"].endswith(f"/finance/invoice-checks/{kept.id}")
    assert (kept.helpline_id, kept.invoice_count, kept.ledger_count) == (a.id, 2, 2)
    assert (kept.invoice_duration_s, kept.ledger_duration_s) == (1517, 1217)
    assert (kept.invoice_amount, kept.ledger_amount) == (Decimal("91.00"), Decimal("73.50"))
    assert len(kept.lines) == 2 and len(kept.unread) == 1

    page = console.get(f"/finance/invoice-checks/{kept.id}").get_data(as_text=True)
    assert "0:17" in page and not re.search(r"(?<!\d)0 min", page)
    totals = page[page.index('id="check-totals"') : page.index("</table>")]
    for cells in (("2", "25:17", "91,00"), ("2", "20:17", "73,50"), ("0", "5:00", "17,50")):
        assert re.search(r"<td[^>]*>{}</td><td[^>]*>{}</td><td[^>]*>{}".format(*cells), totals)
    assert "2026-00003" not in page and "Lignes illisibles" in page
    listing = console.get("/finance/invoice-check").get_data(as_text=True)
    assert f"/finance/invoice-checks/{kept.id}" in listing and "Permanence A" in listing
    for args, listed in (
        ({"from": "15/11/2026", "to": "30/11/2026"}, True),
        ({"from": "01/12/2026"}, False),
        ({"provider": str(interpreter.id)}, True),
        ({"provider": str(other.id)}, False),
    ):
        narrowed = console.get("/finance/invoice-check", query_string=args).get_data(as_text=True)
        assert (f"/finance/invoice-checks/{kept.id}" in narrowed) is listed, args

    exported = console.get(f"/finance/invoice-checks/{kept.id}.csv").get_data(as_text=True)
    lines = exported.lstrip("\ufeff").splitlines()
    assert any(line.startswith("conforme;2;23/11/2026 10:00:00;0:17;ar;3,50;2026-00001")
               for line in lines)  # fmt: skip
    assert "Total;2;;25:17;;91,00;;;20:17;73,50;" in lines
    workbook = openpyxl.load_workbook(
        io.BytesIO(console.get(f"/finance/invoice-checks/{kept.id}.xlsx").get_data())
    )
    sides = list(workbook["Totaux"].values)
    assert sides[1:] == [
        ("Facture", 2, "25:17", 1517, 91),
        ("Nos données", 2, "20:17", 1217, 73.5),
        ("Écart (facture − nos données)", 0, "5:00", 300, 17.5),
    ]
    findings = workbook.worksheets[0]
    assert (
        findings["D2"].value == timedelta(seconds=17) and findings["D2"].number_format == "[m]:ss"
    )

    # Another helpline's finance officer neither lists nor opens it.
    console.post("/console/logout", data={"csrf_token": csrf_of(console, "/finance")})
    assert sign_in(console, finance_b.email) == 302
    assert f"/finance/invoice-checks/{kept.id}" not in console.get(
        "/finance/invoice-check"
    ).get_data(as_text=True)
    assert console.get(f"/finance/invoice-checks/{kept.id}").status_code == 404
    assert console.get(f"/finance/invoice-checks/{kept.id}.xlsx").status_code == 404


def test_the_overview_shows_the_budget_lines_of_the_period_read(
    console: FlaskClient, session: Session
) -> None:
    # A region's earlier years' lines are not summed on every visit: the overview shows the
    # lines of the period read (the last twelve months by default), another period's lines
    # when that period is asked for, and any line chosen in the filter.
    make_helpline(session)
    today = datetime.now(UTC).date()
    start, end = today - timedelta(days=100), today + timedelta(days=200)
    add_budget(session, "Ligne courante", start, end, Decimal(1000))
    old = add_budget(session, "Ligne ancienne", date(today.year - 3, 1, 1),
                     date(today.year - 3, 12, 31), Decimal(500))  # fmt: skip
    make_user(session, "finance", "finance@example.org")
    assert sign_in(console, "finance@example.org") == 302
    page = console.get("/finance").get_data(as_text=True)
    assert 'aria-label="Ligne courante"' in page
    assert 'aria-label="Ligne ancienne"' not in page
    asked = console.get(f"/finance?from=01/03/{today.year - 3}&to=30/06/{today.year - 3}")
    assert 'aria-label="Ligne ancienne"' in asked.get_data(as_text=True)
    assert 'aria-label="Ligne ancienne"' in console.get(f"/finance?budget_line={old.id}").get_data(
        as_text=True
    )
    none = console.get(f"/finance?from=01/01/{today.year - 10}&to=31/01/{today.year - 10}")
    assert "Aucune ligne budgétaire sur la période affichée" in none.get_data(as_text=True)
    english = console.get(
        f"/finance?from=01/01/{today.year - 10}&to=31/01/{today.year - 10}&lang=en"
    )
    assert "No budget line in the period shown" in english.get_data(as_text=True)
