"""The call story in a real browser: a GP's interpreting call told as a person tells it, saved
as a screenshot for people to look at."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import select

from hotline.demo import DemoStack
from hotline.models import Call
from tests.browser.conftest import SCREENSHOTS, screenshot
from tests.browser.test_console_browser import ARABIC, NURSE, sign_in
from tests.e2e.conftest import listen, until, until_input
from tests.e2e.test_interpreting_e2e import digit_for


def test_the_nurse_reads_the_story_of_an_interpreting_call(page: Page, stack: DemoStack) -> None:
    interpreters = [stack.sandbox.person(number) for number in ARABIC]
    gp = stack.sandbox.place_call(from_="06 12 34 56 78", to=stack.settings.hotline_number)
    stack.sandbox.settle()
    until_input(stack, gp)
    gp.press("1")
    listen(stack, gp, "l'arabe")
    until_input(stack, gp)
    gp.press(digit_for(gp.heard_text(), "l'arabe"))
    legs = [person.wait_for_ring(timeout=3) for person in interpreters]
    assert all(leg is not None for leg in legs)
    stack.sandbox.clock.advance(9)
    second = legs[1]
    assert second is not None
    second.answer()
    stack.sandbox.settle()
    until_input(stack, second)
    second.press("1")
    stack.sandbox.settle()
    until(stack, lambda: second.conference is not None, "the interpreter in the room")
    stack.sandbox.clock.advance(250)
    gp.hang_up()
    stack.sandbox.settle()
    with stack.app.extensions["hotline"].database.session() as db:
        request_id = db.scalars(select(Call.request_id).where(Call.sid == gp.sid)).one()

    sign_in(page, stack, NURSE)
    page.goto(f"{stack.settings.public_root}/console/requests/{request_id}")
    story = page.locator("#story")
    expect(story).to_contain_text("Appel reçu de Dr Claire Martin")
    expect(story).to_contain_text("Choix au menu : interprète (arabe)")
    expect(story).to_contain_text("3 interprètes sollicités, 1 a répondu")
    expect(story).to_contain_text("Interprète en arabe en ligne après")
    expect(story).to_contain_text("Le médecin a raccroché — appel de")
    expect(story).not_to_contain_text("(gp)")
    expect(story).not_to_contain_text("_")
    expect(page.locator("#raw-log")).to_have_count(0)  # the technical log is the admin's
    screenshot(page, "story")
    page.locator("#story-card").screenshot(path=str(SCREENSHOTS / "story-card.png"))
