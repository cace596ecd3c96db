"""The nurse's partner search in a real browser: from the request page she finds, among the demo's
partners, the GP who speaks Arabic in Toulouse, orients the patient to her with an appointment in
three days; the day after it, she records that it was not kept; a coordinator keeps the partners."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from hotline.demo import DemoStack
from hotline.services import helpline_on
from tests.browser.conftest import screenshot
from tests.browser.test_console_browser import NURSE, sign_in
from tests.factories import make_partner, make_request

COORDINATOR = "coordination@demo.e-care.fr"


def test_the_nurse_finds_an_arabic_speaking_gp_in_a_commune_and_orients_the_patient(
    page: Page, stack: DemoStack
) -> None:
    with stack.app.extensions["hotline"].database.session() as session:
        helpline = helpline_on(session, stack.settings.hotline_number)
        assert helpline is not None
        request_id = make_request(session, helpline, reference="2026-09998").id
        # The demo's partners: Dr Cherif (Arabic, Toulouse), Dr Bensaïd (Arabic, Blagnac), Dr
        # Garcia (Spanish, Toulouse) and others; one more Arabic-speaking GP who left the network.
        make_partner(session, "ar", name="Dr Omar Saïdi", is_active=False)
        session.commit()

    sign_in(page, stack, NURSE)
    page.goto(f"{stack.settings.public_root}/console/requests/{request_id}")
    search = page.get_by_role("search", name="Rechercher un partenaire du réseau")
    search.get_by_label("Commune (nom ou code INSEE)").fill("Toulouse")
    search.get_by_label("Langue parlée").select_option(label="Arabe")
    search.get_by_label("Profession").select_option("gp")
    search.get_by_role("button", name="Rechercher").click()
    expect(page.locator("#partner-count")).to_have_text("1 partenaire trouvé")
    results = page.get_by_role("table", name="Partenaires correspondant à la recherche")
    expect(results.locator("tbody tr")).to_have_count(1)
    expect(results).to_contain_text("Dr Yasmine Cherif")
    expect(results).to_contain_text("Maison de santé de Bagatelle")
    expect(results).to_contain_text("Arabe, Français")
    expect(results).to_contain_text("05 61 00 01 01")
    expect(search.get_by_label("Commune (nom ou code INSEE)")).to_have_value("Toulouse")
    screenshot(page, "partner-search")

    results.get_by_role("link", name="Orienter vers Dr Yasmine Cherif").click()
    expect(page.locator("#chosen-partner")).to_contain_text("Dr Yasmine Cherif")
    page.get_by_label("Jour du rendez-vous").fill("2026-11-26")  # Monday + 3 days
    page.get_by_label("Heure du rendez-vous").fill("14:30")
    page.get_by_role("button", name="Enregistrer l'orientation").click()
    expect(page.locator(".flash.success")).to_contain_text("Orientation enregistrée")
    orientations = page.locator("#orientations")
    expect(orientations).to_contain_text("Dr Yasmine Cherif")
    expect(orientations).to_contain_text("Rendez-vous le 26/11/2026 14:30")
    expect(orientations).to_contain_text("Suivi du rendez-vous prévu le vendredi 27 novembre 2026")
    expect(page.locator("#story")).to_contain_text(
        "Orientation vers Dr Yasmine Cherif (médecin généraliste, Toulouse)"
    )
    screenshot(page, "orientation-recorded")

    # Friday 27 November, 09:00 in Paris: the day after the appointment, the follow-up is due.
    stack.sandbox.clock.advance(4 * 24 * 3600 - 3600)
    sign_in(page, stack, NURSE)  # the idle session ended meanwhile
    page.goto(f"{stack.settings.public_root}/console/follow-ups")
    row = page.locator("#follow-ups tr", has_text="2026-09998")
    expect(row).to_contain_text("aujourd'hui")
    row.get_by_role("link", name="Saisir le résultat du suivi de la demande 2026-09998").click()
    page.get_by_label("Non honoré").check()
    page.get_by_label("Note (facultatif)").fill("Pas de moyen de transport ce jour-là.")
    screenshot(page, "appointment-follow-up")
    page.get_by_role("button", name="Enregistrer le résultat").click()
    expect(page.locator(".flash.success")).to_contain_text("rendez-vous « Non honoré »")
    expect(page.locator("#follow-ups")).to_contain_text("Aucun suivi de rendez-vous à faire.")


def test_a_coordinator_signs_in_to_the_network_s_partners(page: Page, stack: DemoStack) -> None:
    sign_in(page, stack, COORDINATOR)
    page.get_by_role("link", name="Partenaires du réseau").click()
    partners = page.get_by_role("table", name="6 partenaires")
    expect(partners).to_contain_text("PASS du CHU (démonstration)")
    row = partners.locator("tr", has_text="Dr Thomas Garcia")
    row.get_by_role("button", name="Désactiver Dr Thomas Garcia").click()
    expect(page.locator(".flash.success")).to_contain_text("n'est plus proposé aux infirmières")
    expect(partners.locator("tr.retired")).to_contain_text("Dr Thomas Garcia")
    screenshot(page, "network-partners")
