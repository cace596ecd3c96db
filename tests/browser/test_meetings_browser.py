"""Concertation meetings in a real browser: the nurse records the patient's consent on a complex
situation, a summary with a date of birth is refused with what was found, the anonymised one goes
on the coming meeting's agenda; the coordinator sends the agenda and reads it among the e-mails the
demo's local SMTP server kept."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from hotline.demo import DemoStack
from hotline.services import helpline_on
from tests.browser.conftest import screenshot
from tests.browser.test_console_browser import NURSE, sign_in
from tests.factories import make_request

COORDINATOR = "coordination@demo.e-care.fr"
SUMMARY = "Femme de 40 ans, sans droits ouverts, hébergée au 115, douleurs thoraciques."


def test_consent_then_an_anonymised_summary_on_the_agenda_then_the_agenda_by_email(
    page: Page, stack: DemoStack
) -> None:
    with stack.app.extensions["hotline"].database.session() as session:
        helpline = helpline_on(session, stack.settings.hotline_number)
        assert helpline is not None
        request_id = make_request(
            session, helpline, reference="2026-09998", category="complex_situation"
        ).id
        session.commit()
    root = stack.settings.public_root

    sign_in(page, stack, NURSE)
    page.goto(f"{root}/console/requests/{request_id}")
    panel = page.locator("#consent-panel")
    expect(panel).to_contain_text("Consentement non recueilli")
    panel.get_by_label("Donné").check()
    panel.get_by_label("À qui (professionnel ou infirmière)").fill("Dr Martin, médecin demandeur")
    panel.get_by_role("button", name="Enregistrer le consentement").click()
    expect(page.locator(".flash.success")).to_contain_text("Consentement enregistré")

    form = page.locator("#consent-panel form.propose-form").first
    form.get_by_label("Résumé anonymisé").fill("Patiente née le 12/03/1985, sans droits ouverts.")
    form.get_by_role("button", name="Mettre à l'ordre du jour").click()
    expect(page.locator(".flash.error")).to_contain_text("née le 12/03/1985")
    summary = page.locator("#agenda-summary")
    expect(summary).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#agenda-summary-error")).to_contain_text("date de naissance")
    screenshot(page, "meeting-summary-flagged")
    summary.fill(SUMMARY)
    page.get_by_role("button", name="Mettre à l'ordre du jour").click()
    expect(page.locator(".flash.success")).to_contain_text("mise à l'ordre du jour")
    expect(page.locator("article.agenda-item", has_text="2026-09998")).to_contain_text(SUMMARY)

    page.click("text=Se déconnecter")
    sign_in(page, stack, COORDINATOR)
    page.get_by_role("link", name="Réunions", exact=True).click()
    page.locator("ul.meetings a").first.click()
    page.get_by_role("button", name="Envoyer l'ordre du jour aux participants").click()
    expect(page.locator(".flash.success")).to_contain_text("Ordre du jour envoyé")
    page.get_by_role("link", name="Courriels envoyés (démo)").click()
    # Sent after the commit by the outbox's thread: the page shows it once it has arrived.
    for _ in range(40):
        if page.locator("article.kept-mail").count():
            break
        page.wait_for_timeout(250)
        page.reload()
    kept = page.locator("article.kept-mail").first
    expect(kept).to_contain_text("2026-09998")
    expect(kept).to_contain_text(SUMMARY)
    screenshot(page, "meeting-agenda-email")
