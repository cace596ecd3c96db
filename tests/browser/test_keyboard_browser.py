"""The nurse's whole call with the keyboard only, in Chromium: sign in, take the call, add an
interpreter, fill in and close the request, go off duty, never with the mouse (Tab, Enter,
Space and the arrows; typing only into text fields), the focus visible at each step; the
board's live changes said in its live region without moving the focus."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import select

from hotline.demo import DEMO_PASSWORDS, DemoStack
from hotline.models import Request
from tests.browser.test_console_browser import ARABIC, NURSE
from tests.e2e.conftest import until, until_input

# How far the focus may travel before the test gives up looking for an element.
MOST_TABS = 80
# The focus ring the nurse sees: an outline or a box shadow on the focused element.
FOCUS_RING = """() => {
  const element = document.activeElement;
  const style = getComputedStyle(element);
  const outlined = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  return element.matches(":focus-visible") && (outlined || style.boxShadow !== "none");
}"""


def focused(page: Page) -> str:
    """The focused element, as `tag#id` (or its text when it has no id)."""
    return str(
        page.evaluate(
            """() => { const e = document.activeElement;
            return e.tagName.toLowerCase() + (e.id ? "#" + e.id : ":" + e.textContent.trim()); }"""
        )
    )


def tab_to(page: Page, selector: str) -> None:
    """Press Tab until the element matching selector has the focus, and check it shows."""
    for _ in range(MOST_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            assert page.evaluate(FOCUS_RING), f"{selector}: focused but no visible focus ring"
            return
    raise AssertionError(f"{selector} never got the focus (last: {focused(page)})")


def choose(page: Page, selector: str, value: str) -> None:
    """Tab to a list and move through its options with the down arrow until value is chosen."""
    tab_to(page, selector)
    for _ in range(40):
        if page.eval_on_selector(selector, "s => s.value") == value:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"{selector}: no option {value!r} below the current one")


def test_the_nurse_handles_a_whole_call_with_the_keyboard_only(
    page: Page, stack: DemoStack
) -> None:
    root = stack.settings.public_root
    page.goto(f"{root}/console/login")
    tab_to(page, "#email")
    page.keyboard.type(NURSE)
    tab_to(page, "#password")
    page.keyboard.type(DEMO_PASSWORDS[NURSE])
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/console/board$"))
    expect(page.locator("#duty-state")).to_have_text("De permanence")
    expect(page.locator("#phone-state")).to_have_text("Prêt : les appels sonnent ici.")

    # A call comes in while the nurse's focus is on her duty button: the live region says so,
    # and the focus stays where she left it.
    tab_to(page, "#duty-toggle")
    gp = stack.sandbox.place_call(from_="06 12 34 56 78", to=stack.settings.hotline_number)
    news = page.locator("#board-news")
    expect(news).to_contain_text("Nouvel appel : Dr Claire Martin", timeout=3000)
    expect(news).to_have_attribute("aria-live", "polite")
    until_input(stack, gp)
    gp.press("2")
    until(stack, lambda: gp.conference is not None, "the GP in the room")
    expect(news).to_contain_text("Dr Claire Martin — Sonne chez Amélie Roux", timeout=3000)
    expect(page.locator("#incoming")).to_be_visible(timeout=3000)
    assert focused(page) == "button#duty-toggle"

    # She takes the call, then opens its request from the phone's panel.
    tab_to(page, "#accept")
    page.keyboard.press("Enter")
    expect(page.locator("#in-call")).to_be_visible()
    expect(news).to_contain_text("En ligne avec Amélie Roux", timeout=3000)
    tab_to(page, "#in-call-request")
    page.keyboard.press("Enter")
    expect(page.locator("#caller")).to_have_text("Dr Claire Martin")

    # An Arabic interpreter, chosen in the list with the arrows.
    choose(page, "#language", "ar")
    tab_to(page, "#add-interpreter")
    page.keyboard.press("Enter")
    expect(page.locator(".flash.success")).to_contain_text("3 interprètes appelés")
    first = stack.sandbox.person(ARABIC[0]).wait_for_ring(timeout=3)
    assert first is not None
    first.answer()
    stack.sandbox.settle()
    until_input(stack, first)
    first.press("1")
    until(stack, lambda: first.conference is not None, "the interpreter in the room")

    # The GP hangs up once done; the nurse fills in the request and saves it with Space.
    gp.hang_up()
    stack.sandbox.settle()
    choose(page, "#category", "interpreting")
    choose(page, "#outcome", "interpreter_provided")
    tab_to(page, "#notes")
    page.keyboard.type("Consultation avec interprète arabe.")
    tab_to(page, "#save")
    page.keyboard.press("Space")
    expect(page.locator(".flash.success")).to_contain_text("enregistrée")

    # The call is over: the request can be closed.
    tab_to(page, "#close")
    page.keyboard.press("Enter")
    expect(page.locator("#request-status")).to_have_text("Clôturée")
    with stack.app.extensions["hotline"].database.session() as session:
        saved = session.scalars(
            select(Request).where(Request.caller_number == "+33612345678")
        ).one()
        assert (saved.category, saved.outcome) == ("interpreting", "interpreter_provided")
        assert saved.status == "closed"

    # Back to the board through the menu, and off duty.
    tab_to(page, "header nav a[href$='/console/board']")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/console/board$"))
    tab_to(page, "#duty-toggle")
    page.keyboard.press("Space")
    expect(page.locator("#duty-state")).to_have_text("Hors permanence")
