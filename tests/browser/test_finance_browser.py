"""The finance officer in a real browser: she creates a budget line for Arabic, ends a provider's
contract, and reads the line's burn-up with its forecast, thresholds and data table, under the
console's Content-Security-Policy."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from playwright.sync_api import Page, expect
from sqlalchemy import select

from hotline.demo import DemoStack
from interpreter_pool.models import Budget, Contract, Interpreter
from tests.browser.conftest import screenshot
from tests.browser.test_console_browser import FINANCE, sign_in
from tests.browser.test_csp_browser import WATCH_CSP, violations
from tests.factories import make_ledger_entry

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_a_finance_officer_creates_a_line_ends_a_contract_and_reads_the_burn_up(
    page: Page, stack: DemoStack
) -> None:
    page.add_init_script(WATCH_CSP)  # the SVG charts use no inline style nor script
    sign_in(page, stack, FINANCE)
    expect(page).to_have_url(re.compile(r"/finance$"))
    page.get_by_role("link", name="Lignes budgétaires").first.click()
    page.get_by_role("link", name="Nouvelle ligne budgétaire").click()
    page.get_by_label("Nom de la ligne").fill("Arabe – ARS 2026")
    page.get_by_label("Ligne du financeur").fill("ARS – FIR")
    page.get_by_label("Premier jour").fill("2026-01-01")
    page.get_by_label("Dernier jour").fill("2026-12-31")
    page.get_by_label("Montant (€)").fill("1 000")
    page.get_by_label("Seuils d'alerte").fill("50, 80")
    page.get_by_label("une langue").check()
    page.get_by_label("Langue financée").select_option(label="Arabe")
    screenshot(page, "budget-line-form")
    page.get_by_role("button", name="Créer la ligne").click()
    expect(page.locator(".flash.success")).to_contain_text(
        "Ligne budgétaire « Arabe – ARS 2026 » créée."
    )
    expect(page.locator("h1")).to_have_text("Arabe – ARS 2026")
    expect(page.locator("main")).to_contain_text("Langue : Arabe")

    # Ten days of Arabic sessions charged to the line (as the ledger posts them).
    with stack.app.extensions["hotline"].database.session() as session:
        line = session.scalars(select(Budget).where(Budget.name == "Arabe – ARS 2026")).one()
        for day in range(10):
            make_ledger_entry(
                session, posted_at=T0, service_at=T0 - timedelta(days=day), language="ar",
                amount=Decimal("70.00"), billable_s=1200, budget_line_id=line.id,
            )  # fmt: skip
        session.commit()
        line_id = line.id

    page.get_by_role("link", name="Lignes budgétaires").first.click()
    page.get_by_role("link", name="Contrats des prestataires").first.click()
    page.get_by_role("link", name="Samira Haddad").click()
    page.get_by_label("Dernier jour de « Tarif interprète libéral »").fill("2026-11-30")
    page.get_by_role("button", name="Mettre fin au contrat « Tarif interprète libéral »").click()
    expect(page.locator(".flash.success")).to_contain_text(
        "Le contrat « Tarif interprète libéral » finit le 30/11/2026."
    )
    expect(page.locator("#contracts")).to_contain_text("01/01/2025 → 30/11/2026")
    screenshot(page, "provider-contracts")
    with stack.app.extensions["hotline"].database.session() as session:
        samira = session.scalars(select(Interpreter).where(Interpreter.name == "Samira Haddad"))
        contract = session.scalars(
            select(Contract).where(Contract.interpreter_id == samira.one().id)
        ).one()
        assert contract.valid_to is not None and contract.valid_to.isoformat() == "2026-11-30"

    page.goto(f"{stack.settings.public_root}/finance/lines/{line_id}")
    chart = page.get_by_role("img", name="Consommation de la ligne « Arabe – ARS 2026 »")
    expect(chart).to_be_visible()
    expect(chart.locator("path.spent")).to_have_count(1)
    expect(chart.locator("path.forecast")).to_have_count(1)
    expect(chart.locator("text.forecast-label")).to_have_text("06/12/2026")
    expect(chart.locator("text.level-label")).to_have_text(["Montant", "Seuil 80 %", "Seuil 50 %"])
    expect(page.locator("#line-forecast")).to_contain_text("Épuisement prévu le 06/12/2026")
    data = page.get_by_role("table", name="Dépense de chaque jour et cumul")
    expect(data.locator("tbody tr")).to_have_count(10)
    expect(data.locator("tbody tr").last).to_contain_text("700,00")
    expect(
        page.get_by_role("img", name="Dépense par langue de la ligne « Arabe – ARS 2026 »")
    ).to_be_visible()
    assert violations(page) == []
    screenshot(page, "budget-line-burn-up")
