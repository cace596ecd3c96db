"""The call story in a real browser: a GP's interpreting call told as a person tells it, saved
as a screenshot for people to look at."""

from __future__ import annotations

from datetime import UTC, datetime

from playwright.sync_api import Page, expect
from sqlalchemy import select

from hotline.demo import DemoStack
from hotline.models import Call
from tests.browser.conftest import SCREENSHOTS, screenshot
from tests.browser.test_console_browser import ARABIC, NURSE, sign_in
from tests.e2e.conftest import listen, until, until_input
from tests.e2e.test_callbacks_e2e import DR_MARTIN, advance_to, fire
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


def test_a_follow_up_called_back_is_closed_as_improved_and_shown_in_the_callback_history(
    page: Page, stack: DemoStack
) -> None:
    amelie, dr_martin = stack.sandbox.person("+33600000001"), stack.sandbox.person(DR_MARTIN)
    gp = stack.sandbox.place_call(from_=DR_MARTIN, to=stack.settings.hotline_number)
    until_input(stack, gp)
    gp.press("2")
    leg = amelie.wait_for_ring(timeout=3)
    assert leg is not None
    stack.sandbox.clock.advance(11)
    leg.answer()
    stack.sandbox.settle()
    until_input(stack, leg)
    leg.press("1")
    stack.sandbox.settle()
    until(stack, lambda: leg.conference is not None, "the nurse in the room")
    stack.sandbox.clock.advance(190)
    gp.hang_up()
    stack.sandbox.settle()
    with stack.app.extensions["hotline"].database.session() as db:
        request_id = db.scalars(select(Call.request_id).where(Call.sid == gp.sid)).one()

    sign_in(page, stack, NURSE)
    request_page = f"{stack.settings.public_root}/console/requests/{request_id}"
    page.goto(request_page)
    page.select_option("#category", "complex_situation")
    page.fill("#follow_up_on", "2026-11-24")
    page.click("#save")
    expect(page.locator(".flash.success")).to_contain_text("enregistrée")

    # Tuesday 9:00: the clock rings Amélie, she presses 1, Dr Martin answers; 3 min later, done.
    advance_to(stack, datetime(2026, 11, 24, 8, 0, tzinfo=UTC))
    assert fire(stack) == 1
    nurse_leg = amelie.wait_for_ring(timeout=3)
    assert nurse_leg is not None
    nurse_leg.answer()
    stack.sandbox.settle()
    until_input(stack, nurse_leg)
    nurse_leg.press("1")
    back = dr_martin.wait_for_ring(timeout=3)
    assert back is not None
    back.answer()
    stack.sandbox.settle()
    until(stack, lambda: back.conference is not None, "Dr Martin in the room")
    stack.sandbox.clock.advance(180)
    back.hang_up()
    stack.sandbox.settle()

    sign_in(page, stack, NURSE)  # a day later: a new sign-in
    page.goto(request_page)
    history = page.locator("#callback-history")
    expect(history).to_contain_text("Issue à saisir")
    expect(history).to_contain_text("Joint")
    page.select_option("#callback-history select[name=outcome]", "improved")
    page.fill("#callback-history textarea[name=note]", "Rendez-vous pris à la PASS.")
    page.click("#callback-history button[type=submit]")
    expect(page.locator(".flash.success")).to_contain_text("Issue du suivi enregistrée")
    expect(history).to_contain_text("Situation améliorée")
    expect(history).to_contain_text("Rendez-vous pris à la PASS.")
    story = page.locator("#story")
    expect(story).to_contain_text("Amélie Roux a répondu après 11 s")
    expect(story).to_contain_text("Suivi programmé : rappel le 24 novembre à 9 h")
    expect(story).to_contain_text("Rappel n° 1 par Amélie Roux : médecin joint")
    expect(story).to_contain_text("Issue du suivi : situation améliorée (Amélie Roux)")
    screenshot(page, "follow-up")
    history.screenshot(path=str(SCREENSHOTS / "callback-history.png"))
    page.locator("#story-card").screenshot(path=str(SCREENSHOTS / "story-follow-up.png"))
