"""Every caller known, in a real browser: an unknown caller added to the directory from his call
is named at his next call; a number two GPs share offers the choice of who is calling."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from hotline.demo import DemoStack
from hotline.models import Professional, ProfessionalPhone
from tests.browser.conftest import SCREENSHOTS, screenshot
from tests.browser.test_console_browser import NURSE, sign_in
from tests.e2e.conftest import until_input

UNKNOWN = "06 45 00 11 22"


def test_an_unknown_caller_is_added_from_the_call_and_named_at_his_next_call(
    page: Page, stack: DemoStack
) -> None:
    sign_in(page, stack, NURSE)
    gp = stack.sandbox.place_call(from_=UNKNOWN, to=stack.settings.hotline_number)
    row = page.locator("#calls tbody tr", has_text="06 45 00 11 22")
    expect(row).to_be_visible(timeout=3000)
    expect(row).to_contain_text("Appelant inconnu")
    until_input(stack, gp)
    row.get_by_role("link", name="Ouvrir").click()
    expect(page.locator("#caller")).to_have_text("Appelant inconnu")
    page.fill("#caller_q", "Haddad")
    page.click("#caller-search-button")
    expect(page.locator("#caller-results")).to_contain_text("Aucun professionnel ne correspond.")
    page.click("#add-caller")
    expect(page.locator("#phones")).to_have_value("06 45 00 11 22")  # from the call
    page.fill("#title", "Dr")
    page.fill("#first_name", "Nadia")
    page.fill("#last_name", "Haddad")
    page.fill("#organisation", "Cabinet du Mirail")
    page.fill("#commune", "Toulouse")
    page.fill("#insee_code", "3155")  # one digit short
    page.click("#save-caller")
    expect(page.locator("#insee_code-error")).to_contain_text("5 caractères")
    expect(page.locator("#last_name")).to_have_value("Haddad")  # nothing lost
    page.fill("#insee_code", "31555")
    page.click("#save-caller")
    expect(page.locator("#caller")).to_have_text("Dr Nadia Haddad")
    expect(page.locator(".flash.success")).to_contain_text("figure maintenant dans l'annuaire")
    expect(page.locator("#story")).to_contain_text("Appelant identifié")
    screenshot(page, "caller-added")
    gp.hang_up()
    stack.sandbox.settle()

    page.goto(f"{stack.settings.public_root}/console/board")
    again = stack.sandbox.place_call(from_=UNKNOWN, to=stack.settings.hotline_number)
    named = page.locator("#calls tbody tr", has_text="Dr Nadia Haddad")
    expect(named).to_be_visible(timeout=3000)
    until_input(stack, again)
    named.get_by_role("link", name="Ouvrir").click()
    expect(page.locator("#caller")).to_have_text("Dr Nadia Haddad")


def test_a_number_two_gps_share_offers_the_choice_of_who_is_calling(
    page: Page, stack: DemoStack
) -> None:
    with stack.app.extensions["hotline"].database.session() as session:
        session.add(
            Professional(
                title="Dr",
                first_name="Inès",
                last_name="Moreau",
                profession="gp",
                organisation="Cabinet médical des Carmes",
                commune="Toulouse",
                insee_code="31555",
                phones=[ProfessionalPhone(number="+33612345678", label="cabinet")],
            )
        )
        session.commit()
    sign_in(page, stack, NURSE)
    gp = stack.sandbox.place_call(from_="06 12 34 56 78", to=stack.settings.hotline_number)
    row = page.locator("#calls tbody tr", has_text="06 12 34 56 78")
    expect(row).to_be_visible(timeout=3000)
    until_input(stack, gp)
    row.get_by_role("link", name="Ouvrir").click()
    choice = page.get_by_role("group", name="Ce numéro est celui de plusieurs professionnels")
    expect(choice).to_be_visible()
    expect(choice.get_by_role("radio")).to_have_count(2)
    choice.get_by_role("radio", name="Dr Inès Moreau").check()
    screenshot(page, "caller-choice")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.locator("#caller-panel").screenshot(path=str(SCREENSHOTS / "caller-panel.png"))
    page.click("#choose-caller")
    expect(page.locator("#caller")).to_have_text("Dr Inès Moreau")
    expect(page.locator("#caller-choice")).to_have_count(0)
