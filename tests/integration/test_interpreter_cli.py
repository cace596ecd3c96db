"""`hotline interpreter …`: the pool from the command line, bad input refused clearly."""

from __future__ import annotations

from sqlalchemy import select

from hotline.models import Helpline
from interpreter_pool.models import Budget, Interpreter
from tests.integration.test_routing_cli import database_url, read, run

__all__ = ["database_url"]


def test_an_interpreter_an_agency_and_the_dispatch_settings(database_url: str) -> None:
    code, out = run(
        database_url,
        "interpreter", "add", "--name", "Tesfay Gebre", "--phone", "06 10 00 00 04",
        "--languages", "ti, am",
    )  # fmt: skip
    assert code == 0, out
    assert "tigrigna" in out and "amharique" in out
    code, out = run(
        database_url,
        "interpreter", "add", "--agency", "--name", "Agence", "--phone", "01 40 00 00 00",
        "--languages", "ar,ti", "--access-code", "1234", "--codes", "ar=11,ti=12",
    )  # fmt: skip
    assert code == 0, out
    code, out = run(
        database_url, "interpreter", "dispatch", "--strategy", "priority", "--budget", "90",
        "--pinned", "ar,ti",
    )  # fmt: skip
    assert code == 0, out
    database = read(database_url)
    with database.session() as session:
        agency = session.scalars(select(Interpreter).where(Interpreter.kind == "agency")).one()
        assert agency.phone == "+33140000000" and agency.access_code == "1234"
        assert {lang.language: lang.agency_code for lang in agency.languages} == {
            "ar": "11",
            "ti": "12",
        }
        helpline = session.scalars(select(Helpline)).one()
        assert helpline.dispatch_strategy == "priority"
        assert helpline.interpreter_budget_s == 90
        assert helpline.language_menu_pinned == "ar,ti"
    database.dispose()


def test_an_unknown_language_or_a_bad_agency_code_is_refused(database_url: str) -> None:
    code, out = run(
        database_url, "interpreter", "add", "--name", "X", "--phone", "0610000004",
        "--languages", "zz9",
    )  # fmt: skip
    assert code != 0 and "« zz9 » : langue inconnue" in out
    code, out = run(
        database_url, "interpreter", "add", "--agency", "--name", "A", "--phone", "0140000000",
        "--languages", "ar", "--codes", "ar:11",
    )  # fmt: skip
    assert code != 0 and "expected language=digits" in out
    code, out = run(
        database_url, "interpreter", "add", "--agency", "--name", "A", "--phone", "0140000000",
        "--languages", "ar", "--access-code", "12 34",
    )  # fmt: skip
    assert code != 0 and "Code d'accès invalide" in out
    database = read(database_url)
    with database.session() as session:
        assert session.scalars(select(Interpreter)).all() == []
    database.dispose()


def test_a_budget_line_takes_a_scope_and_a_priority(database_url: str) -> None:
    base = ["budget", "add", "--from", "2026-01-01", "--to", "2026-12-31", "--amount", "5000"]
    code, out = run(database_url, *base, "--name", "ARS – FIR 2026", "--scope", "helpline")
    assert code == 0, out
    assert "scope helpline" in out and "priority 100" in out
    code, out = run(
        database_url, *base, "--name", "Arabe 2026", "--scope", "language", "--language", "ar",
        "--priority", "20",
    )  # fmt: skip
    assert code == 0, out
    assert "scope language ar, priority 20" in out
    code, out = run(database_url, *base, "--name", "X", "--scope", "language", "--language", "zz9")
    assert code != 0 and "« zz9 » n'est pas un code de langue" in out
    code, out = run(database_url, *base, "--name", "X", "--scope", "structure", "--structure", "4")
    assert code != 0 and "Aucune structure d'identifiant ou de FINESS « 4 »" in out
    code, out = run(database_url, *base, "--name", "X", "--priority", "-1")
    assert code != 0 and "La priorité d'une ligne est un nombre entier de 0 à 9999" in out
    database = read(database_url)
    with database.session() as session:
        helpline = session.scalars(select(Helpline)).one()
        lines = session.scalars(select(Budget).order_by(Budget.id)).all()
        assert [(b.scope, b.scope_helpline_id, b.scope_language, b.priority) for b in lines] == [
            ("helpline", helpline.id, None, 100),
            ("language", None, "ar", 20),
        ]
    database.dispose()
