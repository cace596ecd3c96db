"""The programme manager in a real browser: she opens the reports page, changes the period and a
filter, and the figures and charts follow; then she reads it in English (screenshots saved)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.demo import DemoStack
from hotline.models import Helpline, Request
from tests.browser.conftest import screenshot
from tests.browser.test_console_browser import sign_in
from tests.browser.test_csp_browser import WATCH_CSP, violations
from tests.factories import make_call, make_interpreting_session, make_request

MANAGER = "coordination@demo.e-care.fr"


def _history(session: Session, helpline_id: int) -> None:
    """September 2026: 5 requests (4 interpreting, 1 complex situation); September 2025: 4
    (interpreting). Each has an inbound call at 10:00 Paris; the interpreting ones an Arabic
    interpreter in 40 s. (The demo's own requests are of October and November 2026.)"""
    dates = [
        (datetime(2026, 9, 8, 8, 0, tzinfo=UTC), "interpreting"),
        (datetime(2026, 9, 9, 8, 0, tzinfo=UTC), "interpreting"),
        (datetime(2026, 9, 10, 8, 0, tzinfo=UTC), "complex_situation"),
        (datetime(2026, 9, 15, 8, 0, tzinfo=UTC), "interpreting"),
        (datetime(2026, 9, 16, 8, 0, tzinfo=UTC), "interpreting"),
        *((datetime(2025, 9, 8 + n, 8, 0, tzinfo=UTC), "interpreting") for n in range(4)),
    ]
    for n, (at, category) in enumerate(dates):
        request = make_request(
            session, helpline_id=helpline_id, opened_at=at, category=category,
            reference=f"{at.year}-7{n:04d}",
        )  # fmt: skip
        make_call(session, request_id=request.id, helpline_id=helpline_id, role="gp",
                  created_at=at, answered_at=at, ended_at=at + timedelta(minutes=5))  # fmt: skip
        if category == "interpreting":
            asked = at + timedelta(seconds=20)
            make_interpreting_session(
                session, request, language="ar", requested_by="gp", requested_at=asked,
                connected_at=asked + timedelta(seconds=40),
                ended_at=asked + timedelta(minutes=10), status="ended", outcome="connected",
            )  # fmt: skip


def test_the_manager_changes_the_period_and_a_filter_and_the_figures_and_charts_follow(
    page: Page, stack: DemoStack
) -> None:
    with stack.app.extensions["hotline"].database.session() as session:
        helpline = session.scalars(
            select(Helpline).where(Helpline.phone_number == stack.settings.hotline_number)
        ).one()
        demo = session.scalar(
            select(func.count(Request.id)).where(Request.helpline_id == helpline.id)
        )
        _history(session, helpline.id)
        session.commit()
    page.add_init_script(WATCH_CSP)  # the SVG charts use no inline style nor script
    sign_in(page, stack, MANAGER)
    page.get_by_role("link", name="Rapports", exact=True).click()
    expect(page).to_have_url(re.compile(r"/reports$"))
    expect(page.locator("h1")).to_have_text("Rapports d'activité")
    # Year to date (1 January – 23 November 2026): the demo's requests and these 5, 4 in 2025.
    expect(page.locator("#tile-A01 .tile-value")).to_have_text(str(demo + 5))
    expect(page.locator("#tile-A01 .tile-last")).to_have_text("4")
    activity = page.get_by_role(
        "img", name="Demandes par mois et par catégorie, comparées à l'année précédente"
    )
    expect(activity).to_be_visible()
    expect(page.locator("#chart-activity title").first).to_have_text(
        "Demandes par mois et par catégorie, comparées à l'année précédente"
    )
    expect(page.locator("#chart-activity-desc")).to_have_text(
        f"Demandes sur la période : {demo + 5} ; un an plus tôt : 4."
    )
    screenshot(page, "reports-year-to-date")

    # September only: 5 requests against 4 in September 2025, one bar and N−1's point.
    page.get_by_label("Du (JJ/MM/AAAA)").fill("01/09/2026")
    page.get_by_label("Au (JJ/MM/AAAA)").fill("30/09/2026")
    page.get_by_role("button", name="Afficher").click()
    expect(page.locator("#tile-A01 .tile-value")).to_have_text("5")
    expect(page.locator("#tile-A01 .tile-last")).to_have_text("4")
    expect(page.locator("#chart-activity-desc")).to_have_text(
        "Demandes sur la période : 5 ; un an plus tôt : 4."
    )
    data = page.get_by_role("table", name="Demandes par mois, par catégorie, et année précédente")
    expect(data.locator("tbody tr")).to_have_count(1)
    expect(data.locator("thead th")).to_have_text(
        ["Mois", "Interprétariat", "Situation complexe", "Année N−1"]
    )
    expect(data.locator("tbody tr td")).to_have_text(["sept. 2026", "4", "1", "4"])
    expect(page.get_by_label("Du (JJ/MM/AAAA)")).to_have_value("01/09/2026")

    # Complex situations only: one request, the interpreting ones gone.
    page.get_by_label("Catégorie", exact=True).select_option(label="Situation complexe")
    page.get_by_role("button", name="Afficher").click()
    expect(page.locator("#tile-A01 .tile-value")).to_have_text("1")
    expect(page.locator("#tile-C01 .tile-value")).to_have_text("0")
    expect(page.get_by_label("Catégorie", exact=True)).to_have_value("complex_situation")
    expect(page.locator("#chart-activity-desc")).to_have_text(
        "Demandes sur la période : 1 ; un an plus tôt : 0."
    )
    # Without the filter, Arabic interpreters came in 40 s (median and P90).
    page.get_by_label("Catégorie", exact=True).select_option(value="")
    page.get_by_role("button", name="Afficher").click()
    delay = page.get_by_role(
        "table", name="Délai de mise en relation par langue (médiane et 90e centile)"
    )
    expect(delay.locator("tbody tr td")).to_have_text(["Arabe", "40 s", "40 s"])
    hours = page.get_by_role("img", name="Appels entrants par jour de la semaine et par heure")
    expect(hours).to_be_visible()
    expect(page.locator("#chart-hours-desc")).to_contain_text("Appels : 5 ;")
    assert violations(page) == []
    screenshot(page, "reports-september")

    # In English, the same period and figures.
    page.get_by_role("link", name="EN", exact=True).click()
    expect(page.locator("h1")).to_have_text("Activity reports")
    expect(page.get_by_label("From (DD/MM/YYYY)")).to_have_value("01/09/2026")
    expect(page.locator("#tile-A01 .tile-value")).to_have_text("5")
    english = "Requests by month and category, compared with the previous year"
    expect(page.get_by_role("img", name=english)).to_be_visible()
    expect(page.locator("#tile-A01 .tile-label")).to_have_text("Requests")
    screenshot(page, "reports-english")
