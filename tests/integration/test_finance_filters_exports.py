"""The finance pages and their exports over HTTP: every filter narrows the page and the exports
alike, the XLSX holds the page's totals, and a finance officer sees only his helplines."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hotline.models import Helpline, Structure, User
from interpreter_pool.models import Budget, Interpreter, InterpreterKind
from tests.factories import (
    make_budget,
    make_call,
    make_helpline,
    make_interpreter,
    make_ledger_entry,
    make_member,
    make_structure,
    make_user,
)
from tests.integration.test_console_access import console, sign_in

__all__ = ["console"]  # the fixture, imported for these tests


@dataclass
class Region:
    """Two helplines, two providers, a structure, two budget lines and their entries."""

    a: Helpline
    b: Helpline
    samira: Interpreter
    agency: Interpreter
    structure: Structure
    line_a: Budget
    line_structure: Budget
    finance_a: User
    regional: User


# label: (helpline, provider, language, structure?, budget line, local service day, amount)
ENTRIES = {
    "A-oct": ("a", "samira", "ar", False, "line_a", datetime(2026, 10, 15, 8, tzinfo=UTC), "7.25"),
    "A-nov": ("a", "samira", "ar", False, "line_a", datetime(2026, 11, 3, 9, tzinfo=UTC), "10.00"),
    "A-nord": (
        "a", "agency", "ps", True, "line_structure", datetime(2026, 11, 20, 14, tzinfo=UTC),
        "25.50",
    ),
    "A-unfunded": ("a", "samira", "ps", False, None, datetime(2026, 11, 21, 9, tzinfo=UTC), "3.00"),
    "B-secret": ("b", "samira", "ar", False, None, datetime(2026, 11, 5, 9, tzinfo=UTC), "1000.00"),
}  # fmt: skip


def _region(session: Session) -> Region:
    a = make_helpline(session, name="Permanence A")
    b = make_helpline(session, name="Permanence B", phone_number="+33561000099")
    samira = make_interpreter(session, "ar", "ps", name="Samira Haddad")
    agency = make_interpreter(
        session, "ps", name="Agence Lingua", phone="+33610000002", kind=InterpreterKind.AGENCY
    )
    structure = make_structure(session, name="Centre de santé Nord")
    line_a = make_budget(session, name="FIR A", scope="helpline", scope_helpline_id=a.id)
    line_structure = make_budget(
        session, name="Nord 18 mois", scope="structure", scope_structure_id=structure.id
    )
    finance_a = make_user(session, "finance", "finance-a@example.org")
    make_member(session, finance_a, a, "finance")
    regional = make_user(session, "admin", "region@example.org", is_regional_admin=True)
    region = Region(a, b, samira, agency, structure, line_a, line_structure, finance_a, regional)
    for label, (helpline, provider, language, in_structure, line, at, amount) in ENTRIES.items():
        make_ledger_entry(
            session,
            helpline_id=getattr(region, helpline).id,
            interpreter_id=getattr(region, provider).id,
            language=language,
            structure_id=structure.id if in_structure else None,
            budget_line_id=getattr(region, line).id if line else None,
            service_at=at,
            duration_s=600,
            billable_s=600,
            amount=Decimal(amount),
            label=f"Séance {label}",
            dedupe_key=f"charge:{label}",
        )
    return region


def _amount(text: str) -> Decimal:
    """A French amount as the page writes it ("1 045,75 €") as a Decimal."""
    return Decimal(re.sub(r"[^\d,-]", "", text).replace(",", "."))


def _page_total(page: str) -> Decimal:
    found = re.search(r'<span id="total-amount">([^<]+)</span>', page)
    assert found, page
    return _amount(found.group(1))


def _xlsx(response: Any) -> openpyxl.Workbook:
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    return openpyxl.load_workbook(io.BytesIO(response.get_data()))


def _ledger_labels_in_csv(text: str) -> set[str]:
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    header = rows[0]
    return {row[header.index("libellé")] for row in rows[1:-1]}


FILTERS: dict[str, tuple[Callable[[Region], dict[str, str]], set[str]]] = {
    "period": (
        lambda r: {"from": "01/11/2026", "to": "2026-11-20"},
        {"A-nov", "A-nord", "B-secret"},
    ),
    "helpline": (lambda r: {"helpline": str(r.a.id)}, {"A-oct", "A-nov", "A-nord", "A-unfunded"}),
    "budget line": (lambda r: {"budget_line": str(r.line_a.id)}, {"A-oct", "A-nov"}),
    "unfunded": (lambda r: {"budget_line": "none"}, {"A-unfunded", "B-secret"}),
    "provider": (lambda r: {"provider": str(r.agency.id)}, {"A-nord"}),
    "language": (lambda r: {"language": "ps"}, {"A-nord", "A-unfunded"}),
    "structure": (lambda r: {"structure": str(r.structure.id)}, {"A-nord"}),
    "several": (
        lambda r: {"language": "ar", "from": "2026-11-01", "helpline": str(r.a.id)},
        {"A-nov"},
    ),
}


@pytest.mark.parametrize("name", FILTERS)
def test_every_filter_narrows_the_page_and_the_exports_the_same_way(
    console: FlaskClient, session: Session, name: str
) -> None:
    region = _region(session)
    args_of, expected = FILTERS[name]
    args = args_of(region)
    expected_total = sum((Decimal(ENTRIES[label][6]) for label in expected), Decimal("0.00"))
    assert sign_in(console, region.regional.email) == 302

    ledger = console.get("/finance/ledger", query_string=args).get_data(as_text=True)
    assert {label for label in ENTRIES if f"Séance {label}<" in ledger} == expected
    assert _page_total(ledger) == expected_total
    overview = console.get("/finance", query_string=args).get_data(as_text=True)
    assert _page_total(overview) == expected_total

    export = console.get("/finance/ledger.csv", query_string=args).get_data(as_text=True)
    assert _ledger_labels_in_csv(export) == {f"Séance {label}" for label in expected}
    sheet = _xlsx(console.get("/finance/ledger.xlsx", query_string=args))["Grand livre"]
    rows = list(sheet.iter_rows(values_only=True))
    assert {row[11] for row in rows[1:-1]} == {f"Séance {label}" for label in expected}
    assert rows[-1][0] == "Total" and Decimal(str(rows[-1][10])) == expected_total

    spend = _xlsx(console.get("/finance/spend.xlsx", query_string=args))
    for title in ("Par mois", "Par langue", "Par prestataire", "Par ligne budgétaire"):
        assert Decimal(str(list(spend[title].values)[-1][3])) == expected_total
    spend_csv = console.get("/finance/spend.csv", query_string=args).get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(spend_csv.lstrip("\ufeff")), delimiter=";"))
    section_totals = [row[3] for row in rows if row and row[0] == "Total" and len(row) == 4]
    assert len(section_totals) >= 4
    assert set(section_totals) == {f"{expected_total:.2f}".replace(".", ",")}


def test_the_xlsx_export_opens_and_holds_the_same_totals_as_the_page(
    console: FlaskClient, session: Session
) -> None:
    region = _region(session)
    assert sign_in(console, region.regional.email) == 302
    args = {"from": "01/10/2026", "to": "30/11/2026"}
    page = console.get("/finance", query_string=args).get_data(as_text=True)
    page_total = _page_total(page)
    assert page_total == Decimal("1045.75")
    assert "5 écritures" in page and "0,83 h" in page  # 5 × 10 min

    ledger = _xlsx(console.get("/finance/ledger.xlsx", query_string=args))["Grand livre"]
    *_entries, total_row = list(ledger.values)
    assert Decimal(str(total_row[10])) == page_total
    assert total_row[9] == 3000 and total_row[11] == "5 écritures"
    assert ledger["K2"].number_format == "#,##0.00"

    spend = _xlsx(console.get("/finance/spend.xlsx", query_string=args))
    assert spend.sheetnames == [
        "Par mois", "Par langue", "Par prestataire", "Par ligne budgétaire", "Par permanence",
        "Coûts",
    ]  # fmt: skip
    by_month = list(spend["Par mois"].values)
    assert by_month[1:] == [
        ("2026-11", 4, 0.67, 1038.5),
        ("2026-10", 1, 0.17, 7.25),
        ("Total", 5, 0.83, 1045.75),
    ]
    by_line = {row[0]: row[3] for row in list(spend["Par ligne budgétaire"].values)[1:]}
    assert by_line == {"Non financé": 1003.0, "FIR A": 17.25, "Nord 18 mois": 25.5,
                       "Total": 1045.75}  # fmt: skip
    for title in spend.sheetnames[:-1]:
        assert Decimal(str(list(spend[title].values)[-1][3])) == page_total
    assert Decimal(str(list(spend["Coûts"].values)[-1][1])) == page_total


def test_a_finance_officer_of_a_sees_neither_bs_entries_on_the_pages_nor_in_the_exports(
    console: FlaskClient, session: Session
) -> None:
    region = _region(session)
    assert sign_in(console, region.finance_a.email) == 302
    for path in ("/finance", "/finance/ledger", "/finance/ledger.csv", "/finance/spend.csv"):
        body = console.get(path).get_data(as_text=True)
        assert "B-secret" not in body and "1000" not in body and "1 000" not in body, path
        assert "Permanence B" not in body, path
    page = console.get("/finance").get_data(as_text=True)
    assert _page_total(page) == Decimal("45.75")
    for path in ("/finance/ledger.xlsx", "/finance/spend.xlsx"):
        workbook = _xlsx(console.get(path))
        cells = [cell for sheet in workbook for row in sheet.values for cell in row]
        assert "Séance B-secret" not in cells and 1000 not in cells, path
        assert 45.75 in cells
    # Asking for B by its id is refused and shows nothing of it.
    refused = console.get("/finance/ledger", query_string={"helpline": region.b.id})
    body = refused.get_data(as_text=True)
    assert f"Permanence « {region.b.id} » inconnue ou hors de celles que vous suivez." in body
    assert "B-secret" not in body
    workbook = _xlsx(console.get("/finance/ledger.xlsx", query_string={"helpline": region.b.id}))
    assert "Séance B-secret" not in [row[11] for row in workbook["Grand livre"].values]


def test_the_regional_administrator_sees_every_helpline_and_a_consolidated_view(
    console: FlaskClient, session: Session
) -> None:
    region = _region(session)
    assert sign_in(console, region.regional.email) == 302
    page = console.get("/finance").get_data(as_text=True)
    assert "Par permanence" in page and "Permanence B" in page
    assert _page_total(page) == Decimal("1045.75")
    one = console.get("/finance", query_string={"helpline": region.b.id}).get_data(as_text=True)
    assert "Par permanence" not in one and _page_total(one) == Decimal("1000.00")


def test_a_bad_filter_is_said_in_french_or_english_and_what_was_typed_stays_in_the_form(
    console: FlaskClient, session: Session
) -> None:
    region = _region(session)
    assert sign_in(console, region.regional.email) == 302
    args = {"from": "31/02/2026", "provider": "999999", "language": "ar"}
    page = console.get("/finance/ledger", query_string=args).get_data(as_text=True)
    assert "Date « 31/02/2026 » illisible : écrivez-la JJ/MM/AAAA ou AAAA-MM-JJ." in page
    assert "Prestataire « 999999 » inconnu." in page
    assert 'name="from" type="text" inputmode="numeric" value="31/02/2026"' in page
    # The filters understood still apply: Arabic only.
    assert _page_total(page) == Decimal("1017.25")
    english = console.get("/finance/ledger", query_string={**args, "lang": "en"})
    text = english.get_data(as_text=True)
    assert "Unknown provider “999999”." in text
    assert "Unreadable date “31/02/2026”" in text


def test_the_ledger_is_read_a_page_at_a_time_with_totals_of_every_page(
    console: FlaskClient, session: Session
) -> None:
    helpline = make_helpline(session)
    for number in range(105):
        make_ledger_entry(
            session,
            helpline_id=helpline.id,
            service_at=datetime(2026, 11, 1, 9, tzinfo=UTC).replace(minute=number % 60),
            amount=Decimal("1.00"),
            billable_s=60,
            label=f"Entrée n°{number:03d}",
            dedupe_key=f"charge:p{number}",
        )
    make_user(session, "finance", "finance@example.org")
    assert sign_in(console, "finance@example.org") == 302
    first = console.get("/finance/ledger").get_data(as_text=True)
    assert first.count("Entrée n°") == 100 and "page 1 sur 2" in first
    assert _page_total(first) == Decimal("105.00")
    second = console.get("/finance/ledger?page=2").get_data(as_text=True)
    assert second.count("Entrée n°") == 5 and _page_total(second) == Decimal("105.00")
    rows = list(_xlsx(console.get("/finance/ledger.xlsx"))["Grand livre"].values)
    assert len(rows) == 1 + 105 + 1


def test_interpreting_and_telephony_costs_are_shown_apart_for_the_filtered_helpline_and_period(
    console: FlaskClient, session: Session
) -> None:
    region = _region(session)
    for helpline, month, price in (
        (region.a, 11, "-0.01300"),
        (region.a, 11, "-0.02700"),
        (region.a, 9, "-5.00000"),
        (region.b, 11, "-9.00000"),
    ):
        make_call(
            session, helpline_id=helpline.id, price=Decimal(price), price_unit="USD",
            ended_at=datetime(2026, month, 10, 9, tzinfo=UTC),
        )  # fmt: skip
    assert sign_in(console, region.finance_a.email) == 302
    args = {"from": "2026-11-01", "to": "2026-11-30"}
    page = console.get("/finance", query_string=args).get_data(as_text=True)
    costs = page[page.index('id="costs"') :]
    telephony = re.search(r'id="total-telephony">([^<]+)<', costs)
    assert telephony and telephony.group(1) == "0,04\u00a0$US"
    interpreting = re.search(r'id="total-interpreting">([^<]+)<', costs)
    assert interpreting and _amount(interpreting.group(1)) == Decimal("38.50")
    sheet = list(_xlsx(console.get("/finance/spend.xlsx", query_string=args))["Coûts"].values)
    assert sheet[-1] == ("Total", 38.5, 0.04, 0, "USD", 2)
    # By provider, only the calls to that provider's interpreters count.
    make_call(
        session, helpline_id=region.a.id, price=Decimal("-0.50000"), price_unit="USD",
        ended_at=datetime(2026, 11, 12, 9, tzinfo=UTC), interpreter_id=region.agency.id,
        role="interpreter",
    )  # fmt: skip
    by_agency = {**args, "provider": str(region.agency.id)}
    sheet = list(_xlsx(console.get("/finance/spend.xlsx", query_string=by_agency))["Coûts"].values)
    assert sheet[-1] == ("Total", 25.5, 0.5, 0, "USD", 1)
