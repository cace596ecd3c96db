"""The rota's calendar in a real browser: a weekly pattern set with the keyboard, the open hours
nobody is on duty for shown as holes, in words and on the day's line."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from hotline.demo import DemoStack
from tests.browser.conftest import screenshot
from tests.browser.test_console_browser import sign_in

ADMIN = "admin@demo.e-care.fr"


def test_the_calendar_shows_an_uncovered_open_hour_as_a_hole(page: Page, stack: DemoStack) -> None:
    sign_in(page, stack, ADMIN)
    page.goto(f"{stack.settings.public_root}/admin/rota?week=2026-W48")
    monday = page.locator("#day-2026-11-23")
    # The demo's rota: Amélie on duty all month (a one-off shift), Paul in backup; open 24/7.
    expect(monday.locator(".hole")).to_have_count(0)
    monday.locator(".shift", has_text="Amélie Roux").get_by_role("button").click()
    expect(page.locator("#day-2026-11-23")).not_to_contain_text("Amélie Roux")

    # Her weekly pattern instead, typed with the keyboard: Monday to Wednesday, 09:00-17:00.
    form = page.locator("#pattern-form")
    form.get_by_label("Infirmière").select_option(label="Amélie Roux")
    for day in ("lundi", "mardi", "mercredi"):
        form.get_by_label(day, exact=True).focus()
        page.keyboard.press("Space")
    form.get_by_label("De (heure locale)").fill("09:00")
    form.get_by_label("À (heure locale)").fill("17:00")
    form.get_by_role("button", name="Enregistrer la semaine type").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".flash.success")).to_contain_text("Semaine type enregistrée")

    monday = page.locator("#day-2026-11-23")
    expect(monday.locator(".shift", has_text="Amélie Roux")).to_contain_text("09:00 – 17:00")
    holes = monday.locator("li.hole")
    expect(holes).to_have_count(2)
    expect(holes.nth(0)).to_have_text("Non couvert 00:00 – 09:00")
    expect(holes.nth(1)).to_have_text("Non couvert 17:00 – 24:00")
    # On the day's line too: a dashed bar labelled "Non couvert" where nobody is on duty.
    expect(monday.locator("svg rect.hole")).to_have_count(2)
    expect(monday.locator("svg text.hole-text").first).to_have_text("Non couvert")
    thursday = page.locator("#day-2026-11-26")
    expect(thursday.locator("li.hole")).to_have_text("Non couvert 00:00 – 24:00")
    monday.scroll_into_view_if_needed()
    screenshot(page, "rota-holes")

    page.get_by_role("link", name="Vue du mois").click()
    expect(page.locator("#day-2026-11-23")).to_contain_text("Non couvert 00:00–09:00")
    screenshot(page, "rota-month")

    page.goto(f"{stack.settings.public_root}/admin")
    expect(page.locator("#rota-holes")).to_contain_text("Non couvert")
    screenshot(page, "rota-admin-home")
