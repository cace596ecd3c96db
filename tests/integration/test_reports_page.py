"""The reports page over HTTP: the hand-built November of tests/integration/indicator_history.py
read by the programme manager, the finance officer and the administrator, scoped to their
helplines, filtered, with bad input said and kept, in French and in English."""

from __future__ import annotations

import html
import re
from datetime import datetime
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from reports import indicator_data, report_warm
from reports.indicator_data import Filters, Values
from reports.indicator_facts import Period
from reports.report_groups import change
from tests.factories import make_helpline, make_member, make_request, make_user
from tests.integration import indicator_history
from tests.integration.test_console_access import console, sign_in

__all__ = ["console"]  # the fixture, imported for these tests

NOVEMBER = "/reports?from=01/11/2026&to=30/11/2026"


def tile(page: str, indicator: str) -> tuple[str, str]:
    """A tile's value and N−1 value, as the page writes them."""
    found = re.search(
        rf'id="tile-{indicator}">.*?class="tile-value">([^<]*)<.*?class="tile-last">([^<]*)<',
        page,
        re.S,
    )
    assert found, f"no tile {indicator}"
    return html.unescape(found.group(1)), html.unescape(found.group(2))


def tile_html(page: str, indicator: str) -> str:
    """A tile's markup."""
    found = re.search(rf'id="tile-{indicator}">(.*?)</li>', page, re.S)
    assert found, f"no tile {indicator}"
    return found.group(1)


def row(page: str, indicator: str) -> list[str]:
    """A group table's cells for an indicator (value, N−1)."""
    found = re.search(rf'<tr id="row-{indicator}"[^>]*>(.*?)</tr>', page, re.S)
    assert found, f"no row {indicator}"
    return [html.unescape(c) for c in re.findall(r'<td class="num">([^<]*)</td>', found.group(1))]


@pytest.mark.parametrize("role", ["coordinator", "finance", "admin"])
def test_the_reports_page_shows_each_group_tiles_tables_and_charts_to_each_reading_role(
    console: FlaskClient, session: Session, role: str
) -> None:
    indicator_history.build(session)
    make_user(session, role, f"{role}@example.org")
    assert sign_in(console, f"{role}@example.org") == 302
    response = console.get(NOVEMBER)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert tile(page, "A01") == ("11", "0")
    assert tile(page, "A02") == ("10", "0")
    assert tile(page, "B08")[0] == "2"  # R3 and R9 are lost
    for letter in "ABCDEFG":
        assert f'id="group-{letter}"' in page and f'id="table-{letter}"' in page
    # Labels and definitions come from the registry; manual indicators say so.
    assert "Demandes ouvertes dans la période (tous canaux), comptées à leur ouverture." in page
    assert re.search(r'<tr id="row-G02" class="manual">.*?saisie manuelle', page, re.S)
    assert row(page, "G02") == ["saisie manuelle", "saisie manuelle"]
    for title in (
        "Demandes par mois et par catégorie, comparées à l&#39;année précédente",
        "Appels entrants par jour de la semaine et par heure",
        "Délai de mise en relation avec l&#39;interprète, par langue",
        "Principales langues interprétées",
        "Consommation du budget d&#39;interprétariat et prévision",
        "Professionnels nouveaux et fidèles, par mois",
        "Rappels dans le délai promis, par mois",
        "Issue des suivis de situation",
    ):
        assert f">{title}</title>" in page, title
    assert page.count('role="img"') == 9
    # The heatmap's table: Monday 10 h had one call (R1), hours in rows.
    assert re.search(r"<tr><td>10</td><td class=\"num\">1</td>", page)
    # Time to interpreter per language: Arabic 40 s, Dari 150 s.
    assert 'Arabe</td><td class="num">40 s</td>' in page
    assert 'Dari</td><td class="num">150 s</td>' in page
    # The follow-up outcome of R11.
    assert 'Situation améliorée</td><td class="num">1</td>' in page


def test_a_nurse_may_not_open_the_reports_page(console: FlaskClient, session: Session) -> None:
    indicator_history.build(session)
    make_user(session, "nurse", "nurse@example.org")
    assert sign_in(console, "nurse@example.org") == 302
    assert console.get("/reports").status_code == 403


def test_a_coordinator_reads_only_the_helplines_he_follows(
    console: FlaskClient, session: Session
) -> None:
    history = indicator_history.build(session)
    other = make_helpline(session, name="Permanence Sud", phone_number="+33561000099")
    for n in range(3):
        make_request(session, other, opened_at=indicator_history.T0, reference=f"2026-9000{n}")
    south = make_member(session, make_user(session, "coordinator", "sud@example.org"), other,
                        "coordinator")  # fmt: skip
    assert south.email == "sud@example.org"
    assert sign_in(console, "sud@example.org") == 302
    page = console.get(NOVEMBER).get_data(as_text=True)
    assert tile(page, "A01") == ("3", "0")
    # Asking for the other helpline's figures is refused, and the figures stay his own.
    asked = console.get(f"{NOVEMBER}&helpline={history.helpline_id}").get_data(as_text=True)
    assert "inconnue ou hors de celles que vous suivez" in asked
    assert tile(asked, "A01") == ("3", "0")


def test_a_regional_administrator_reads_every_helpline_consolidated_and_each_apart(
    console: FlaskClient, session: Session
) -> None:
    history = indicator_history.build(session)
    other = make_helpline(session, name="Permanence Sud", phone_number="+33561000099")
    for n in range(3):
        make_request(session, other, opened_at=indicator_history.T0, reference=f"2026-9000{n}")
    make_user(session, "admin", "region@example.org", is_regional_admin=True)
    assert sign_in(console, "region@example.org") == 302
    page = console.get(NOVEMBER).get_data(as_text=True)
    assert tile(page, "A01") == ("14", "0")
    assert "Consolidé : Permanence, Permanence Sud." in page
    # Side by side: each helpline's requests (A01 is the first column).
    table = re.search(r'<table id="per-helpline">.*?</table>', page, re.S)
    assert table is not None
    lines = re.findall(r'<th scope="row">([^<]*)</th><td class="num">([^<]*)</td>', table.group())
    assert lines == [("Permanence", "11"), ("Permanence Sud", "3")]
    alone = console.get(f"{NOVEMBER}&helpline={other.id}").get_data(as_text=True)
    assert tile(alone, "A01") == ("3", "0")
    first = console.get(f"{NOVEMBER}&helpline={history.helpline_id}").get_data(as_text=True)
    assert tile(first, "A01") == ("11", "0")


def test_the_period_and_the_filters_change_the_figures_and_n_minus_1_follows(
    console: FlaskClient, session: Session
) -> None:
    indicator_history.build(session)
    make_user(session, "coordinator", "coordination@example.org")
    assert sign_in(console, "coordination@example.org") == 302
    interpreting = console.get(f"{NOVEMBER}&category=interpreting").get_data(as_text=True)
    assert tile(interpreting, "A01") == ("2", "0")
    assert 'value="interpreting" selected' in interpreting
    # The export links carry the same period and filters.
    assert (
        'href="/reports/export?format=xlsx&amp;from=2026-11-01&amp;to=2026-11-30'
        '&amp;category=interpreting"'
    ) in interpreting
    export = console.get("/reports/export?format=csv&from=2026-11-01&to=2026-11-30&table=summary")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    arabic = console.get(f"{NOVEMBER}&language=ar").get_data(as_text=True)
    assert tile(arabic, "C01") == ("1", "0")
    october = console.get("/reports?from=2026-10-01&to=2026-10-31").get_data(as_text=True)
    assert tile(october, "A01") == ("1", "0")
    # A year later, November 2026 is N−1.
    later = console.get("/reports?from=01/11/2027&to=30/11/2027").get_data(as_text=True)
    assert tile(later, "A01") == ("0", "11")
    assert 'class="tile-change">−11<' in tile_html(later, "A01")
    # No change is said when a value is missing: no call offered in November 2027.
    assert tile(later, "B02") == ("—", "75,0 %")
    assert "tile-change" not in tile_html(later, "B02")
    assert "comparé au 01/11/2026 – 30/11/2026 (N−1)" in later


def test_bad_input_is_said_in_french_and_kept_in_the_form(
    console: FlaskClient, session: Session
) -> None:
    indicator_history.build(session)
    make_user(session, "coordinator", "coordination@example.org")
    assert sign_in(console, "coordination@example.org") == 302
    response = console.get("/reports?from=31/02/2026&to=30/11/2026&language=klingon")
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    assert "Date « 31/02/2026 » illisible : écrivez-la JJ/MM/AAAA ou AAAA-MM-JJ." in page
    assert "Langue « klingon » inconnue." in page
    assert 'value="31/02/2026"' in page and 'value="klingon" selected' in page
    backwards = html.unescape(console.get("/reports?from=30/11/2026&to=01/11/2026").get_data(
        as_text=True))  # fmt: skip
    assert "La période commence après sa fin" in backwards
    assert 'value="30/11/2026"' in backwards and 'value="01/11/2026"' in backwards


def test_the_reports_page_speaks_english(console: FlaskClient, session: Session) -> None:
    indicator_history.build(session)
    make_user(session, "coordinator", "coordination@example.org")
    assert sign_in(console, "coordination@example.org") == 302
    page = html.unescape(console.get(f"{NOVEMBER}&lang=en").get_data(as_text=True))
    assert '<html lang="en">' in page
    assert "Activity reports" in page
    assert "Requests opened in the period (all channels), counted when opened." in page
    assert ">Inbound calls by weekday and hour</title>" in page
    assert "entered by hand" in page
    bad = html.unescape(console.get("/reports?from=yesterday").get_data(as_text=True))
    assert "Unreadable date “yesterday”: write it DD/MM/YYYY or YYYY-MM-DD." in bad


def test_the_page_asks_the_indicators_once_for_the_period_and_once_for_n_minus_1(
    console: FlaskClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    indicator_history.build(session)
    make_user(session, "coordinator", "coordination@example.org")
    assert sign_in(console, "coordination@example.org") == 302
    asked: list[tuple[str, str, tuple[str, ...]]] = []
    computed: list[set[tuple[str, str]]] = []

    def counted(db: Session, period: Period, scope: list[int], filters: Filters,
                breakdowns: tuple[str, ...] = (),
                only: tuple[tuple[str, str], ...] | None = None,
                now: datetime | None = None) -> Values:  # fmt: skip
        asked.append((period.start.isoformat(), period.end.isoformat(), tuple(breakdowns)))
        values = indicator_data.compute(db, period, scope, filters, breakdowns, only, now)
        computed.append(set(values.breakdowns))
        return values

    monkeypatch.setattr(report_warm, "compute", counted)
    assert console.get(NOVEMBER).status_code == 200
    assert asked == [
        ("2026-10-31T23:00:00+00:00", "2026-11-30T23:00:00+00:00", ("month", "language")),
        ("2025-10-31T23:00:00+00:00", "2025-11-30T23:00:00+00:00", ("month",)),
    ]
    # Only the breakdowns the charts and tables show are computed, not every indicator's.
    assert computed == [
        {("A03", "month"), ("F01", "month"), ("E01", "month"), ("E02", "month"),
         ("D02", "month"), ("C07", "language")},
        {("A01", "month")},
    ]  # fmt: skip


def test_a_change_from_n_minus_1_is_signed_and_rates_move_in_points(app: Flask) -> None:
    with app.test_request_context("/reports"):
        assert change("rate", 0.8, 0.75) == "+5,0 pts"
        assert change("count", 3, 5) == "−2"
        assert change("eur", Decimal("10.50"), Decimal("10.50")) == "±0,00\u00a0€"
        assert change("seconds", 40.0, None) == ""
    with app.test_request_context("/reports?lang=en"):
        assert change("rate", 0.5, 0.75) == "−25.0 pts"
