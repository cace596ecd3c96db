"""Contracts in the console for the finance role: added, changed while unused, ended; a used
contract's rates are never changed (over HTTP, with CSRF, in French and in English)."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from hotline.models import AuditEvent, Helpline, User
from interpreter_pool.models import Contract, Interpreter
from tests.factories import (
    make_contract,
    make_helpline,
    make_interpreter,
    make_ledger_entry,
    make_user,
)
from tests.integration.test_console_access import console, csrf_of, sign_in

__all__ = ["console"]  # the fixture, imported for these tests

CONTRACT_FORM: dict[str, str] = {
    "name": "Marché 2026", "unit": "block", "unit_price": "35,00", "block_min": "15",
    "minimum_min": "0", "connection_fee": "2,50", "night_pct": "25", "night_hours": "20:00-08:00",
    "saturday_pct": "", "sunday_pct": "50", "holiday_pct": "50", "urgent_pct": "",
    "pro_rata": "on", "surcharge_rule": "highest", "valid_from": "2026-01-01",
    "valid_to": "2026-12-31",
}  # fmt: skip
MINUTE_FORM: dict[str, str] = {
    "name": "Contrat 2026", "unit": "minute", "unit_price": "3,50", "block_min": "1",
    "minimum_min": "0", "connection_fee": "0", "surcharge_rule": "highest",
    "valid_from": "2026-01-01", "valid_to": "",
}  # fmt: skip


@pytest.fixture
def helpline(session: Session) -> Helpline:
    return make_helpline(session)


@pytest.fixture
def finance(console: FlaskClient, session: Session, helpline: Helpline) -> User:
    """A finance officer, signed in."""
    user = make_user(session, "finance", "finance@example.org")
    assert sign_in(console, user.email) == 302
    return user


@pytest.fixture
def interpreter(session: Session) -> Interpreter:
    made = make_interpreter(session, "ar", name="Samira Haddad")
    session.commit()
    return made


def text(response: TestResponse) -> str:
    return html.unescape(response.get_data(as_text=True))


def post(console: FlaskClient, path: str, data: dict[str, str]) -> TestResponse:
    return console.post(path, data={**data, "csrf_token": csrf_of(console, "/finance/contracts")})


def actions(session: Session) -> list[str]:
    rows = session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.object_type == "contract")
        .order_by(AuditEvent.id)
    )
    return list(rows)


def test_a_finance_officer_adds_a_contract_to_a_provider(
    console: FlaskClient, session: Session, finance: User, interpreter: Interpreter
) -> None:
    response = post(console, f"/finance/contracts/provider/{interpreter.id}", CONTRACT_FORM)
    assert response.status_code == 302
    contract = session.scalars(select(Contract)).one()
    assert (contract.unit, contract.unit_price, contract.block_s, contract.increment_s) == (
        "block",
        Decimal("35.00"),
        900,
        900,
    )
    assert (contract.connection_fee, contract.night_pct, contract.surcharge_mode) == (
        Decimal("2.50"),
        Decimal("25.00"),
        "pro_rata",
    )
    assert contract.valid_to == date(2026, 12, 31)
    page = text(console.get(f"/finance/contracts/provider/{interpreter.id}"))
    assert "Marché 2026" in page and "le forfait de 15 min" in page
    listing = text(console.get("/finance/contracts"))
    assert "Samira Haddad" in listing and "Marché 2026" in listing
    refused = post(
        console,
        f"/finance/contracts/provider/{interpreter.id}",
        {**CONTRACT_FORM, "name": "Sans heures", "night_hours": ""},
    )
    assert refused.status_code == 400
    assert "Une majoration de nuit demande ses heures" in text(refused)
    assert 'value="Sans heures"' in text(refused)
    assert actions(session) == ["contract_added"]


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("fr", "Prix unitaire : un nombre est attendu (par exemple 1,20)."),
        ("en", "Unit price: a number is expected (for example 1.20)."),
    ],
)
def test_a_price_that_is_not_a_number_is_refused_next_to_its_field(
    console: FlaskClient,
    session: Session,
    finance: User,
    interpreter: Interpreter,
    lang: str,
    message: str,
) -> None:
    form = {"name": "Marché", "unit": "minute", "unit_price": "1,2,0", "valid_from": "2026-01-01"}
    response = post(console, f"/finance/contracts/provider/{interpreter.id}?lang={lang}", form)
    page = text(response)
    assert response.status_code == 400
    assert f'<span class="field-error" id="unit_price-error">{message}</span>' in page
    assert 'value="1,2,0"' in page and 'value="Marché"' in page
    assert session.scalars(select(Contract)).first() is None


def test_an_unused_contract_s_rates_are_changed(
    console: FlaskClient, session: Session, finance: User, interpreter: Interpreter
) -> None:
    contract = make_contract(session, interpreter)
    session.commit()
    form = text(console.get(f"/finance/contracts/{contract.id}/edit"))
    assert 'value="3.50"' in form and 'value="Contrat 2026"' in form
    changed = {**MINUTE_FORM, "unit_price": "3,80"}
    assert post(console, f"/finance/contracts/{contract.id}/edit", changed).status_code == 302
    session.refresh(contract)
    assert contract.unit_price == Decimal("3.80")
    assert actions(session) == ["contract_updated"]


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        (
            "fr",
            "Ce contrat a déjà servi à facturer des séances : ses tarifs et ses dates ne changent "
            "plus. Mettez-y fin, puis créez un nouveau contrat avec les nouveaux tarifs.",
        ),
        (
            "en",
            "Sessions have already been billed with this contract: its rates and dates no longer "
            "change. End it, then create a new contract with the new rates.",
        ),
    ],
)
def test_a_used_contract_s_rates_are_never_changed_only_its_name(
    console: FlaskClient,
    session: Session,
    finance: User,
    interpreter: Interpreter,
    lang: str,
    message: str,
) -> None:
    contract = make_contract(session, interpreter)
    make_ledger_entry(session, contract_id=contract.id, interpreter_id=interpreter.id,
                      amount=Decimal("70.00"))  # fmt: skip
    session.commit()
    path = f"/finance/contracts/{contract.id}/edit?lang={lang}"
    refused = post(console, path, {**MINUTE_FORM, "unit_price": "3,80"})
    assert refused.status_code == 400
    assert message in text(refused)
    assert 'value="3,80"' in text(refused)  # what was typed is kept
    session.refresh(contract)
    assert contract.unit_price == Decimal("3.50")
    renamed = post(console, path, {**MINUTE_FORM, "name": "Marché 2026 (lot 2)"})
    assert renamed.status_code == 302
    session.refresh(contract)
    assert (contract.name, contract.unit_price) == ("Marché 2026 (lot 2)", Decimal("3.50"))
    assert actions(session) == ["contract_updated"]


def test_a_used_contract_is_ended_but_not_before_the_last_session_it_priced(
    console: FlaskClient, session: Session, finance: User, interpreter: Interpreter
) -> None:
    contract = make_contract(session, interpreter)
    make_ledger_entry(session, contract_id=contract.id, amount=Decimal("7.00"),
                      service_at=datetime(2026, 11, 20, 10, tzinfo=UTC))  # fmt: skip
    session.commit()
    path = f"/finance/contracts/{contract.id}/end"
    page_path = f"/finance/contracts/provider/{interpreter.id}"
    assert post(console, path, {"last_day": "2026-11-19"}).status_code == 302
    assert "Des séances du 20/11/2026 ont été facturées avec ce contrat" in text(
        console.get(page_path)
    )
    assert post(console, f"{path}?lang=en", {"last_day": ""}).status_code == 302
    assert "Give the last day." in text(console.get(f"{page_path}?lang=en"))
    assert post(console, f"{path}?lang=fr", {"last_day": "2026-11-30"}).status_code == 302
    session.refresh(contract)
    assert contract.valid_to == date(2026, 11, 30)
    later = post(console, path, {"last_day": "2026-12-31"})
    assert later.status_code == 302
    assert "Le contrat finit déjà le 30/11/2026." in text(console.get(page_path))
    session.refresh(contract)
    assert contract.valid_to == date(2026, 11, 30)
    assert session.get(Contract, contract.id) is not None  # never deleted
    assert actions(session) == ["contract_ended"]


def test_a_nurse_reaches_no_contract_page(
    console: FlaskClient, session: Session, helpline: Helpline, interpreter: Interpreter
) -> None:
    nurse = make_user(session, "nurse", "nurse@example.org")
    session.commit()
    assert sign_in(console, nurse.email) == 302
    assert console.get("/finance/contracts").status_code == 403
    assert console.get(f"/finance/contracts/provider/{interpreter.id}").status_code == 403


def test_contract_durations_are_typed_and_shown_in_minutes_and_stored_in_seconds(
    console: FlaskClient, session: Session, finance: User, interpreter: Interpreter
) -> None:
    form = {**MINUTE_FORM, "block_min": "1", "increment_min": "0,5", "minimum_min": "1:30"}
    assert post(console, f"/finance/contracts/provider/{interpreter.id}", form).status_code == 302
    contract = session.scalars(select(Contract)).one()
    assert (contract.block_s, contract.increment_s, contract.minimum_s) == (60, 30, 90)
    page = text(console.get(f"/finance/contracts/{contract.id}/edit"))
    assert 'name="minimum_min" inputmode="decimal" value="1:30"' in page
    assert 'name="increment_min" inputmode="decimal" value="0:30"' in page
    assert "pas 0:30 min, minimum 1:30 min" in text(
        console.get(f"/finance/contracts/provider/{interpreter.id}")
    )
    refused = post(
        console,
        f"/finance/contracts/provider/{interpreter.id}?lang=en",
        {**form, "name": "Autre", "minimum_min": "0,001"},
    )
    assert refused.status_code == 400
    assert "a duration in minutes is expected" in text(refused)


def test_a_used_contract_s_page_offers_to_end_it_rather_than_change_its_rates(
    console: FlaskClient, session: Session, finance: User, interpreter: Interpreter
) -> None:
    contract = make_contract(session, interpreter)
    make_ledger_entry(session, contract_id=contract.id, interpreter_id=interpreter.id)
    session.commit()
    page = text(console.get(f"/finance/contracts/{contract.id}/edit"))
    assert f'action="/finance/contracts/{contract.id}/end"' in page
