"""The yearly report's exports: `hotline report` writes XLSX and ODS holding the figures of
``indicator_data.compute`` for the period, a PDF with a page per section and the charts' titles,
CSV neutralised; small cells masked for outside readers; the request sheet names nobody; and the
HTTP export gives a coordinator only his helplines' figures."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from python_calamine import CalamineWorkbook
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hotline.db import Database
from hotline.models import Helpline
from interpreter_pool.models import Interpreter
from reports import indicator_data
from reports.cli import progress_bar
from reports.indicator_facts import Period
from reports.indicators import REGISTRY, Value
from reports.report_content import monthly_indicators, shown
from tests.conftest import fresh_database_url
from tests.factories import make_helpline, make_member, make_professional, make_request, make_user
from tests.integration import indicator_history
from tests.integration.indicator_history import NOVEMBER
from tests.integration.test_console_access import console, sign_in
from tests.integration.test_routing_cli import run

__all__ = ["console"]  # the fixture, imported for these tests

CALLER = "+33698765432"
FIRST_NAME, LAST_NAME = "Zéphirine", "Quasimodo"
NOTES = "Madame Secretissime, née le 3 mars"
# The traces a number or a name would leave in a cell, whatever its format.
FORBIDDEN = (CALLER, "0698765432", "98765432", "98 76 54 32", FIRST_NAME, LAST_NAME, "Secretissime")
FORMULA_NAME = '=HYPERLINK("http://evil.example","x")'
PDF_SECTIONS = (
    "Synthèse",
    "Mensuel",
    "Motifs",
    "Professions",
    "Territoires",
    "Langues",
    "Prestataires",
    "Structures",
    "Lignes d'écoute",
    "Finances",
    "Définitions",
)
CHART_TITLES = (
    "Demandes par mois",
    "Interprétariats par langue",
    "Dépense d'interprétariat par mois",
)


@dataclass
class Built:
    """A database holding November's hand-built history and one request with a known caller."""

    url: str
    reference: str


def _with_history(session: Session) -> str:
    history = indicator_history.build(session)
    professional = make_professional(
        session, CALLER, first_name=FIRST_NAME, last_name=LAST_NAME, profession="gp"
    )
    extra = make_request(
        session,
        helpline_id=history.helpline_id,
        opened_at=datetime(2026, 11, 25, 10, tzinfo=UTC),
        caller_number=CALLER,
        professional_id=professional.id,
        notes=NOTES,
        category="rights",
        language="ar",
    )
    session.execute(
        update(Interpreter).where(Interpreter.id == history.agency.id).values(name=FORMULA_NAME)
    )
    session.flush()
    return extra.reference


@pytest.fixture
def built(backend: str, tmp_path: Path) -> Built:
    url = fresh_database_url(backend, tmp_path)
    database = Database.from_url(url)
    with database.session() as session:
        reference = _with_history(session)
        session.commit()
    database.dispose()
    return Built(url, reference)


def _values(url: str) -> indicator_data.Values:
    database = Database.from_url(url)
    with database.session() as session:
        scope = list(session.scalars(select(Helpline.id)))
        values = indicator_data.compute(
            session, Period.local(*NOVEMBER), scope, breakdowns=("month", "language")
        )
    database.dispose()
    return values


def _report(built: Built, tmp_path: Path, fmt: str, *extra: str) -> Path:
    output = tmp_path / f"rapport.{fmt}"
    code, out = run(
        built.url,
        "report", "--from", "2026-11-01", "--to", "2026-11-30", "--format", fmt,
        "--output", str(output), *extra,
    )  # fmt: skip
    assert code == 0, out
    assert out.count("\n") == 1, out  # no progress bar away from a terminal
    return output


def _sheets(path: Path) -> dict[str, list[list[object]]]:
    workbook = CalamineWorkbook.from_path(str(path))
    return {name: workbook.get_sheet_by_name(name).to_python() for name in workbook.sheet_names}


def _rows_by_id(sheet: list[list[object]]) -> dict[str, list[object]]:
    return {str(row[0]): row for row in sheet[1:] if row and row[0]}


def _same(cell: object, figure: object) -> bool:
    if figure is None:
        return cell in ("", None)
    return float(cell) == pytest.approx(float(figure), abs=0.006)  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_the_workbooks_of_hotline_report_hold_the_figures_compute_gives(
    built: Built, tmp_path: Path, fmt: str
) -> None:
    sheets = _sheets(
        _report(built, tmp_path, fmt, "--mode", "internal", "--helpline", "05 61 00 00 00")
    )
    assert list(sheets) == [
        "Synthèse", "Mensuel", "Motifs", "Professions", "Territoires", "Langues", "Prestataires",
        "Structures", "Lignes d'écoute", "Finances", "Définitions", "Données",
    ]  # fmt: skip
    values = _values(built.url)
    summary = _rows_by_id(sheets["Synthèse"])
    assert set(summary) == set(REGISTRY)
    for indicator_id, indicator in REGISTRY.items():
        value = values.values[indicator_id]
        figure = None if value is None else shown(value.value, indicator.unit)
        assert _same(summary[indicator_id][3], figure), (indicator_id, summary[indicator_id])
    monthly = _rows_by_id(sheets["Mensuel"])
    assert [row[2] for row in sheets["Mensuel"][:1]] == ["2026-11"]
    for indicator in monthly_indicators():
        month: Value = values.breakdowns[(indicator.id, "month")]["2026-11"]
        assert _same(monthly[indicator.id][2], month.value), indicator.id
        assert _same(monthly[indicator.id][3], values.values[indicator.id].value)  # type: ignore[union-attr]
    by_language = {row[0]: row for row in sheets["Langues"][1:]}
    c01 = sheets["Langues"][0].index(
        next(t for t in sheets["Langues"][0] if str(t).startswith("C01"))
    )
    assert _same(by_language["Arabe"][c01], values.breakdowns[("C01", "language")]["ar"].value)
    assert _same(by_language["Dari"][c01], values.breakdowns[("C01", "language")]["prs"].value)
    assert len(sheets["Définitions"]) == 1 + len(REGISTRY)
    assert len(sheets["Données"]) == 1 + int(values.values["A01"].value)  # type: ignore[union-attr, arg-type]
    assert built.reference in {row[0] for row in sheets["Données"]}


@pytest.mark.parametrize("fmt", ["xlsx", "ods", "csv"])
def test_no_sheet_holds_the_callers_number_a_name_or_the_notes(
    built: Built, tmp_path: Path, fmt: str
) -> None:
    for mode in ("internal", "external"):
        path = _report(built, tmp_path, fmt, "--mode", mode)
        if fmt == "csv":
            cells = [
                c
                for row in csv.reader(io.StringIO(path.read_text("utf-8-sig")), delimiter=";")
                for c in row
            ]
        else:
            cells = [c for sheet in _sheets(path).values() for row in sheet for c in row]
        assert cells
        for cell in cells:
            for trace in FORBIDDEN:
                assert trace not in str(cell), (mode, cell)
        assert built.reference in {str(c) for c in cells}


def test_small_cells_are_masked_for_outside_readers_and_shown_inside(
    built: Built, tmp_path: Path
) -> None:
    inside = _sheets(_report(built, tmp_path, "xlsx", "--mode", "internal"))
    outside = _sheets(_report(built, tmp_path, "ods", "--mode", "external"))
    # One "complex" request in November: a small cell, and every figure of its row with it.
    row_in = next(r for r in inside["Motifs"] if r[0] == "complex")
    row_out = next(r for r in outside["Motifs"] if r[0] == "complex")
    assert row_in[1] == 1
    assert all(cell == "< 5" for cell in row_out[1:] if cell not in ("", None))
    # Twelve requests in the month: not small; two lost calls are.
    assert _rows_by_id(outside["Mensuel"])["A01"][2] == 12
    assert _rows_by_id(outside["Mensuel"])["B08"][2] == "< 5"
    assert _rows_by_id(inside["Mensuel"])["B08"][2] == 2
    # The summary (the whole helpline's month) is never masked.
    assert _rows_by_id(outside["Synthèse"])["B08"][3] == 2
    # A language fewer than five requests share is masked in the request list, not inside.
    assert "ar" in {r[6] for r in inside["Données"]}
    assert "ar" not in {r[6] for r in outside["Données"]} and "< 5" in {
        r[6] for r in outside["Données"]
    }


def test_the_pdf_starts_each_section_on_a_page_and_carries_the_charts_titles(
    built: Built, tmp_path: Path
) -> None:
    reader = PdfReader(str(_report(built, tmp_path, "pdf")))
    pages = [page.extract_text() or "" for page in reader.pages]
    starts = {}
    for title in PDF_SECTIONS:
        found = [n for n, page in enumerate(pages) if title in page.splitlines()[:4]]
        assert found, (title, [p.splitlines()[:4] for p in pages])
        starts[title] = found[0]
    assert len(set(starts.values())) == len(PDF_SECTIONS)  # one section a page, never two
    whole = "\n".join(pages)
    for title in CHART_TITLES:
        assert title in whole
    assert "Rapport d'activité" in pages[0]


def test_csv_cells_that_look_like_formulas_are_neutralised(built: Built, tmp_path: Path) -> None:
    path = _report(built, tmp_path, "csv", "--mode", "internal", "--table", "provider")
    rows = list(csv.reader(io.StringIO(path.read_text("utf-8-sig")), delimiter=";"))
    names = [row[0] for row in rows[1:]]
    assert "'" + FORMULA_NAME in names
    assert FORMULA_NAME not in names


def test_hotline_report_help_lists_its_options(built: Built) -> None:
    code, out = run(built.url, "report", "--help")
    assert code == 0, out
    for option in ("--helpline", "--from", "--to", "--format", "--output", "--mode"):
        assert option in out


def test_a_bad_period_or_format_is_refused_clearly(built: Built, tmp_path: Path) -> None:
    output = str(tmp_path / "x.xlsx")
    code, out = run(built.url, "report", "--from", "2026-12-01", "--to", "2026-11-01",
                    "--format", "xlsx", "--output", output)  # fmt: skip
    assert code != 0 and "--to is before --from" in out
    code, out = run(built.url, "report", "--from", "2026-11-01", "--to", "2026-11-30",
                    "--format", "docx", "--output", output)  # fmt: skip
    assert code != 0 and "docx" in out
    assert not Path(output).exists()


def console_for(app: Flask) -> FlaskClient:
    """Another browser on the console (another person signed in)."""
    client = app.test_client()
    client.environ_base.update({"wsgi.url_scheme": "https", "HTTP_HOST": "hotline.example.org"})
    return client


def _xlsx_summary(response: object) -> dict[str, list[object]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]  # type: ignore[attr-defined]
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(response.get_data()))  # type: ignore[attr-defined]
    return _rows_by_id(workbook.get_sheet_by_name("Synthèse").to_python())


def test_a_coordinator_downloads_his_helplines_report_and_none_of_another(
    app: Flask, console: FlaskClient, session: Session
) -> None:
    history = indicator_history.build(session)
    other = make_helpline(session, name="Permanence B", phone_number="+33561000099")
    for day in range(1, 8):
        make_request(session, other, opened_at=datetime(2026, 11, day, 9, tzinfo=UTC))
    coordinator = make_user(session, "coordinator", "coord-a@example.org")
    a = session.get(Helpline, history.helpline_id)
    make_member(session, coordinator, a, "coordinator")
    nurse = make_user(session, "nurse", "nurse-a@example.org")
    make_member(session, nurse, a, "nurse")
    session.commit()
    query = "/reports/export?format=xlsx&mode=internal&from=2026-11-01&to=2026-11-30"
    assert sign_in(console, coordinator.email) == 302
    summary = _xlsx_summary(console.get(query))
    assert summary["A01"][3] == 11  # A's eleven November requests, none of B's seven
    assert console.get(f"{query}&helpline={other.id}").status_code == 404
    assert _xlsx_summary(console.get(f"{query}&helpline={a.id}"))["A01"][3] == 11
    pdf = console.get(query.replace("xlsx", "pdf"))
    assert pdf.status_code == 200 and pdf.get_data().startswith(b"%PDF")
    assert console.get(query.replace("xlsx", "docx")).status_code == 400
    monthly = console.get(query.replace("xlsx", "csv") + "&table=monthly&lang=en")
    assert monthly.status_code == 200 and monthly.mimetype == "text/csv"
    rows = list(
        csv.reader(io.StringIO(monthly.get_data(as_text=True).lstrip("\ufeff")), delimiter=";")
    )
    assert rows[0][:3] == ["indicator", "label", "2026-11"]
    assert next(row for row in rows if row[0] == "A01")[2:] == ["11", "11"]
    nurse_browser = console_for(app)
    assert sign_in(nurse_browser, nurse.email) == 302
    assert nurse_browser.get(query).status_code == 403


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_is_drawn_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    with progress_bar("Rapport", 3) as progress:
        for _ in range(3):
            progress(1)
    assert "Rapport" in terminal.getvalue() and "100%" in terminal.getvalue()
    pipe = io.StringIO()
    monkeypatch.setattr("sys.stderr", pipe)
    with progress_bar("Rapport", 3) as progress:
        progress(3)
    assert pipe.getvalue() == ""
