"""The reference lists in a real browser: an admin adds an orientation and retires a category;
the nurse's form offers the one and no longer the other."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from hotline import reference_lists
from hotline.demo import DemoStack
from hotline.services import helpline_on
from tests.browser.conftest import screenshot
from tests.browser.test_console_browser import NURSE, sign_in
from tests.factories import make_request

ADMIN = "admin@demo.e-care.fr"


def test_an_admin_edits_the_lists_and_the_nurse_form_follows(page: Page, stack: DemoStack) -> None:
    with stack.app.extensions["hotline"].database.session() as session:
        helpline = helpline_on(session, stack.settings.hotline_number)
        assert helpline is not None
        request_id = make_request(session, helpline, reference="2026-09999").id
        session.commit()

    sign_in(page, stack, ADMIN)
    page.goto(f"{stack.settings.public_root}/admin")
    page.get_by_role("link", name="Listes de référence").click()
    page.get_by_role("navigation", name="Listes").get_by_role("link", name="Orientation").click()
    page.get_by_label("Libellé", exact=True).fill("Équipe mobile psychiatrie précarité")
    page.get_by_label("Code (facultatif").fill("empp")
    page.get_by_role("button", name="Ajouter à la liste").click()
    expect(page.locator(".flash.success")).to_contain_text("ajouté à la liste")
    expect(page.locator("#values")).to_contain_text("empp")
    page.get_by_role("navigation", name="Listes").get_by_role("link", name="Catégorie").click()
    row = page.locator("#values tr", has_text="Situation complexe")
    row.get_by_role("button", name="Retirer").click()
    expect(page.locator(".flash.success")).to_contain_text("n'est plus proposé")
    expect(page.locator("#values tr.retired")).to_contain_text("Situation complexe")
    screenshot(page, "reference-lists")

    page.click("text=Se déconnecter")
    sign_in(page, stack, NURSE)
    page.goto(f"{stack.settings.public_root}/console/requests/{request_id}")
    expect(page.locator("#category option[value=complex_situation]")).to_have_count(0)
    page.select_option("#category", "access_to_rights")
    page.select_option("#orientation", "empp")
    page.get_by_label("Couverture maladie").select_option("ame")
    screenshot(page, "request-form-lists")
    page.click("#save")
    expect(page.locator(".flash.success")).to_contain_text("enregistrée")
    with stack.app.extensions["hotline"].database.session() as session:
        labels = reference_lists.labels(session, helpline.id, "orientation")
        assert labels["empp"] == "Équipe mobile psychiatrie précarité"
