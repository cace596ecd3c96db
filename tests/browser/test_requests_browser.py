"""The nurse's requests in a real browser: a call that ended before she opened it is "à
compléter", she completes and closes it; the search finds a request by the caller's number."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import select

from hotline.demo import DemoStack
from hotline.models import Request, RequestStatus
from tests.browser.conftest import screenshot
from tests.browser.test_console_browser import NURSE, sign_in
from tests.e2e.conftest import until, until_input


def a_call_that_ends_at_the_menu(stack: DemoStack) -> str:
    """A GP calls, hears the menu and hangs up before anyone takes the call: its reference."""
    gp = stack.sandbox.place_call(from_="06 12 34 56 78", to=stack.settings.hotline_number)
    until_input(stack, gp)
    gp.hang_up()
    stack.sandbox.settle()
    database = stack.app.extensions["hotline"].database

    def to_complete() -> str | None:
        with database.session() as db:
            return db.scalars(
                select(Request.reference).where(
                    Request.caller_number == "+33612345678",
                    Request.status == RequestStatus.TO_COMPLETE,
                )
            ).first()

    until(stack, to_complete, "the request to complete")
    reference = to_complete()
    assert reference is not None
    return reference


def test_a_call_ended_before_the_nurse_opened_it_is_to_complete_and_she_closes_it(
    page: Page, stack: DemoStack
) -> None:
    reference = a_call_that_ends_at_the_menu(stack)
    sign_in(page, stack, NURSE)
    summary = page.locator("#day-summary")
    expect(summary.locator('[data-summary="to_complete"] .count')).not_to_have_text("0")
    expect(page.locator("#updated")).to_have_text(re.compile(r"Mis à jour à \d\d:\d\d:\d\d$"))
    screenshot(page, "board-day-summary")
    summary.get_by_role("link", name="Demandes à compléter").click()
    expect(page).to_have_url(re.compile(r"/console/requests\?state=to_complete$"))
    row = page.locator("#requests tbody tr", has_text=reference)
    expect(row).to_contain_text("À compléter")
    expect(row).to_contain_text("06 12 34 56 78")
    expect(page.locator("#result-count")).to_contain_text("trouvée")
    screenshot(page, "requests-to-complete")

    row.get_by_role("link", name=reference).click()
    expect(page.locator("h1")).to_contain_text(reference)
    expect(page.locator("#call-ended")).to_contain_text("Appel terminé à")
    expect(page.locator("#request-status")).to_have_text("À compléter")
    for control in ("#transfer", "#add-interpreter", "#call-actions"):
        expect(page.locator(control)).to_have_count(0)
    screenshot(page, "request-ended-call")

    page.click("#close")  # nothing recorded yet: refused, and said
    expect(page.locator(".flash.error")).to_contain_text("choisissez d'abord sa catégorie")
    page.select_option("#category", "orientation")
    page.select_option("#outcome", "oriented")
    page.click("#save")
    expect(page.locator(".flash.success")).to_contain_text("enregistrée")
    page.click("#close")
    expect(page.locator(".flash.success")).to_contain_text(f"Demande {reference} clôturée.")
    expect(page.locator("#request-status")).to_have_text("Clôturée")
    expect(page.locator("#reopen")).to_be_visible()

    page.goto(f"{stack.settings.public_root}/console/requests?state=to_complete")
    expect(page.locator("#requests tbody")).not_to_contain_text(reference)


def test_the_search_finds_a_request_by_the_caller_s_number(page: Page, stack: DemoStack) -> None:
    reference = a_call_that_ends_at_the_menu(stack)
    sign_in(page, stack, NURSE)
    page.get_by_role("navigation").get_by_role("link", name="Demandes").click()
    expect(page.locator("h1")).to_have_text("Demandes")
    page.fill("#q", "+33 6 12 34 56 78")
    page.click("#search")
    row = page.locator("#requests tbody tr", has_text=reference)
    expect(row).to_be_visible()
    expect(row).to_contain_text("06 12 34 56 78")
    expect(page.locator("#result-count")).to_contain_text("trouvée")
    screenshot(page, "requests-search")
    page.fill("#q", "07 00 00 00 00")
    page.click("#search")
    expect(page.locator("#requests tbody")).to_contain_text("Aucune demande ne correspond.")
