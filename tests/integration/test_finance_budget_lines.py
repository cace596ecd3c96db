"""Budget lines in the console: a finance officer creates, edits, ends and deletes them over HTTP
(with CSRF), sees what each consumed and its charts, and only the lines he keeps."""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from hotline.models import AuditEvent, Helpline, User
from interpreter_pool.models import Budget
from tests.factories import (
    make_budget,
    make_helpline,
    make_interpreter,
    make_ledger_entry,
    make_member,
    make_structure,
    make_user,
)
from tests.integration.test_console_access import console, csrf_of, sign_in

__all__ = ["console"]  # the fixture, imported for these tests

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SVG = "{http://www.w3.org/2000/svg}"
LINE_FORM: dict[str, str] = {
    "name": "Facilisoins – Izards",
    "funder_line": "ARS – FIR",
    "starts_on": "2026-01-01",
    "ends_on": "2027-06-30",
    "amount": "50 000",
    "hours_cap": "",
    "thresholds": "50, 80, 100",
    "policy": "approval",
    "scope": "structure",
    "scope_helpline": "",
    "scope_structure": "",
    "scope_provider": "",
    "scope_language": "",
    "priority": "10",
}


@pytest.fixture
def helpline(session: Session) -> Helpline:
    return make_helpline(session)


@pytest.fixture
def finance(console: FlaskClient, session: Session, helpline: Helpline) -> User:
    """A finance officer of the helpline, signed in."""
    user = make_user(session, "finance", "finance@example.org")
    assert sign_in(console, user.email) == 302
    return user


def text(response: TestResponse) -> str:
    return html.unescape(response.get_data(as_text=True))


def post(console: FlaskClient, path: str, data: dict[str, str]) -> TestResponse:
    return console.post(path, data={**data, "csrf_token": csrf_of(console, "/finance/lines")})


def actions(session: Session) -> list[str]:
    rows = session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.object_type == "budget_line")
        .order_by(AuditEvent.id)
    )
    return list(rows)


def test_a_finance_officer_creates_a_structure_s_line_and_sees_it_in_words(
    console: FlaskClient, session: Session, finance: User
) -> None:
    structure = make_structure(session)
    response = post(
        console, "/finance/lines/new", {**LINE_FORM, "scope_structure": str(structure.id)}
    )
    assert response.status_code == 302
    line = session.scalars(select(Budget)).one()
    assert (line.scope, line.scope_structure_id, line.scope_helpline_id) == (
        "structure",
        structure.id,
        None,
    )
    assert (line.amount, line.policy, line.priority, line.funder_line) == (
        Decimal("50000.00"),
        "approval",
        10,
        "ARS – FIR",
    )
    assert (line.starts_on, line.ends_on, line.hours_cap) == (
        date(2026, 1, 1),
        date(2027, 6, 30),
        None,
    )
    assert actions(session) == ["budget_line_added"]
    page = text(console.get("/finance/lines"))
    assert "Facilisoins – Izards" in page
    assert "Structure : Maison de santé des Izards" in page
    assert "01/01/2026 → 30/06/2027" in page
    english = text(console.get("/finance/lines?lang=en"))
    assert "Structure: Maison de santé des Izards" in english


@pytest.mark.parametrize(
    ("lang", "missing_structure", "backwards"),
    [
        (
            "fr",
            "Choisissez la structure que la ligne budgétaire finance.",
            "Le dernier jour vient avant le premier.",
        ),
        (
            "en",
            "Choose the structure the budget line funds.",
            "The last day comes before the first.",
        ),
    ],
)
def test_a_line_without_its_scope_or_with_a_backwards_period_is_refused_with_the_form_kept(
    console: FlaskClient,
    session: Session,
    finance: User,
    lang: str,
    missing_structure: str,
    backwards: str,
) -> None:
    refused = post(console, f"/finance/lines/new?lang={lang}", LINE_FORM)
    assert refused.status_code == 400
    page = text(refused)
    assert (
        f'<span class="field-error" id="scope_structure-error">{missing_structure}</span>' in page
    )
    assert 'value="Facilisoins – Izards"' in page and 'value="50 000"' in page
    backwards_form = {**LINE_FORM, "scope": "all", "ends_on": "2025-12-31"}
    again = post(console, f"/finance/lines/new?lang={lang}", backwards_form)
    assert again.status_code == 400
    assert f'<span class="field-error" id="ends_on-error">{backwards}</span>' in text(again)
    assert session.scalars(select(Budget)).all() == []


def test_each_line_counts_only_the_entries_charged_to_it(
    console: FlaskClient, session: Session, finance: User, helpline: Helpline
) -> None:
    structure = make_structure(session)
    interpreter = make_interpreter(session, "ar")
    programme = make_budget(session, name="Programme 2026", scope="helpline",
                            scope_helpline_id=helpline.id)  # fmt: skip
    izards = make_budget(session, name="Izards 2026", scope="structure",
                         scope_structure_id=structure.id, amount=Decimal(500))  # fmt: skip
    for day in range(10):
        make_ledger_entry(
            session, interpreter_id=interpreter.id, language="ar",
            service_at=T0 - timedelta(days=day), amount=Decimal("35.00"), billable_s=1200,
            budget_line_id=izards.id if day % 2 else programme.id,
        )  # fmt: skip
    make_ledger_entry(session, amount=Decimal("99.00"))  # unfunded: on no line
    session.commit()
    page = text(console.get("/finance/lines"))
    rows = {
        name: page.split(f">{name}</a>")[1].split("</tr>")[0]
        for name in ("Programme 2026", "Izards 2026")
    }
    assert "175,00\u00a0€" in rows["Programme 2026"] and "17,5 %" in rows["Programme 2026"]
    assert "175,00\u00a0€" in rows["Izards 2026"] and "35,0 %" in rows["Izards 2026"]
    assert "Ligne d'écoute : " + helpline.name in rows["Programme 2026"]

    detail = console.get(f"/finance/lines/{izards.id}")
    assert detail.status_code == 200
    body = detail.get_data(as_text=True)
    start = body.index(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="line-{izards.id}-burn-up"'
    )
    svg = ET.fromstring(body[start : body.index("</svg>", start) + len("</svg>")])
    assert svg.get("role") == "img"
    assert svg.find(f".//{SVG}path[@class='forecast']") is not None
    desc = svg.find(f"{SVG}desc")
    assert desc is not None and "175,00\u00a0€ sur 500,00\u00a0€ (35,0 %)" in html.unescape(
        desc.text or ""
    )
    assert "Arabe" in body and "Dépense par jour" not in body
    assert "Dépense de chaque jour et cumul" in html.unescape(body)
    assert f'id="line-{izards.id}-months"' in body
    assert f'id="line-{izards.id}-languages"' in body
    english = text(console.get(f"/finance/lines/{izards.id}?lang=en"))
    assert (
        f'<title id="line-{izards.id}-burn-up-title">Consumption of the line “Izards 2026”'
        in english
    )
    assert "€175.00 of €500.00 (35.0%)" in english and "50% threshold" in english


def test_a_used_line_keeps_its_scope_and_cannot_end_before_its_last_charge(
    console: FlaskClient, session: Session, finance: User
) -> None:
    line = make_budget(session, name="Tout 2026")
    make_ledger_entry(session, service_at=datetime(2026, 11, 20, 10, tzinfo=UTC),
                      amount=Decimal(10), budget_line_id=line.id)  # fmt: skip
    session.commit()
    form = {**LINE_FORM, "name": "Tout 2026", "starts_on": "2026-01-01", "ends_on": "2026-12-31",
            "scope": "language", "scope_language": "ar", "amount": "1 200"}  # fmt: skip
    refused = post(console, f"/finance/lines/{line.id}/edit", form)
    assert refused.status_code == 400
    assert "son périmètre et son premier jour ne changent plus" in text(refused)
    done = post(console, f"/finance/lines/{line.id}/edit", {**form, "scope": "all"})
    assert done.status_code == 302
    session.refresh(line)
    assert (line.amount, line.scope, line.policy) == (Decimal("1200.00"), "all", "approval")

    too_early = post(console, f"/finance/lines/{line.id}/end", {"last_day": "2026-11-19"})
    assert too_early.status_code == 302
    assert "Des séances du 20/11/2026 sont imputées à cette ligne" in text(
        console.get(f"/finance/lines/{line.id}")
    )
    assert (
        post(console, f"/finance/lines/{line.id}/end", {"last_day": "2026-11-30"}).status_code
        == 302
    )
    session.refresh(line)
    assert line.ends_on == date(2026, 11, 30)
    kept = post(console, f"/finance/lines/{line.id}/delete?lang=en", {})
    assert kept.status_code == 302
    assert "it is never deleted" in text(console.get(f"/finance/lines/{line.id}?lang=en"))
    assert session.get(Budget, line.id) is not None
    assert actions(session) == ["budget_line_updated", "budget_line_ended"]


def test_an_unused_line_may_be_deleted(
    console: FlaskClient, session: Session, finance: User
) -> None:
    line = make_budget(session, name="Erreur de saisie")
    session.commit()
    assert post(console, f"/finance/lines/{line.id}/delete", {}).status_code == 302
    session.expire_all()
    assert session.scalars(select(Budget)).all() == []
    assert actions(session) == ["budget_line_deleted"]


def test_a_finance_officer_sees_neither_another_helpline_s_line_nor_its_page(
    console: FlaskClient, session: Session, helpline: Helpline
) -> None:
    other = make_helpline(session, name="Permanence du Gers", phone_number="+33562000000")
    user = make_user(session, "finance", "finance@example.org")
    make_member(session, user, helpline, "finance")
    theirs = make_budget(session, name="Gers 2026", scope="helpline", scope_helpline_id=other.id)
    ours = make_budget(session, name="Toulouse 2026", scope="helpline",
                       scope_helpline_id=helpline.id)  # fmt: skip
    shared = make_budget(session, name="Arabe 2026", scope="language", scope_language="ar")
    session.commit()
    assert sign_in(console, user.email) == 302
    page = text(console.get("/finance/lines"))
    assert "Toulouse 2026" in page and "Arabe 2026" in page
    assert "Gers 2026" not in page
    assert console.get(f"/finance/lines/{theirs.id}").status_code == 404
    assert console.get(f"/finance/lines/{theirs.id}/edit").status_code == 404
    assert console.get(f"/finance/lines/{ours.id}").status_code == 200
    assert console.get(f"/finance/lines/{shared.id}").status_code == 200
    stolen = post(console, f"/finance/lines/{ours.id}/edit",
                  {**LINE_FORM, "scope": "helpline", "scope_helpline": str(other.id)})  # fmt: skip
    assert stolen.status_code == 400
    assert "Choisissez une ligne d'écoute où vous avez le rôle finances." in text(stolen)
    session.refresh(ours)
    assert ours.scope_helpline_id == helpline.id
    assert "Gers" not in text(console.get("/finance/lines/new"))  # not offered either
