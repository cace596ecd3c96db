"""The console in a real browser: sign in, go on duty, take a GP's call, add an interpreter,
log the request; a finance user kept out of admin pages."""

from __future__ import annotations

import re
from dataclasses import replace

from playwright.sync_api import Page, expect
from sqlalchemy import select

from hotline.app import create_app
from hotline.db import Database
from hotline.demo import DEMO_PASSWORDS, DemoStack, ThreadedServer
from hotline.models import Request, User
from tests.browser.conftest import screenshot
from tests.e2e.conftest import listen, until, until_input

NURSE = "amelie.roux@demo.e-care.fr"
FINANCE = "finance@demo.e-care.fr"
ARABIC = ["+33610000001", "+33610000002", "+33610000003"]


def sign_in(page: Page, stack: DemoStack, email: str, password: str | None = None) -> None:
    page.goto(f"{stack.settings.public_root}/console/login")
    page.fill("#email", email)
    page.fill("#password", password or DEMO_PASSWORDS[email])
    page.click("button[type=submit]")


def test_sign_in_with_a_wrong_password_then_the_right_one_then_sign_out(
    page: Page, stack: DemoStack
) -> None:
    sign_in(page, stack, NURSE, "not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("Adresse ou mot de passe incorrect.")
    sign_in(page, stack, NURSE)
    expect(page).to_have_url(re.compile(r"/console/board$"))
    expect(page.locator("header")).to_contain_text("Amélie Roux")
    page.click("text=Se déconnecter")
    expect(page).to_have_url(re.compile(r"/console/login$"))
    expect(page.locator(".flash")).to_contain_text("Vous êtes déconnecté.")


def test_the_nurse_takes_a_gp_call_in_the_browser_adds_an_arabic_interpreter_and_logs_it(
    page: Page, stack: DemoStack
) -> None:
    sign_in(page, stack, NURSE)
    page.click("#duty-toggle")  # off duty
    expect(page.locator("#duty-state")).to_have_text("Hors permanence")
    page.click("#duty-toggle")  # on duty again
    expect(page.locator("#duty-state")).to_have_text("De permanence")
    expect(page.locator("#phone-state")).to_have_text("Prêt : les appels sonnent ici.")

    gp = stack.sandbox.place_call(from_="06 12 34 56 78", to=stack.settings.hotline_number)
    row = page.locator("#calls tbody tr", has_text="Dr Claire Martin")
    expect(row).to_be_visible(timeout=2000)  # on the board within 2 s
    expect(row).to_contain_text("Médecin généraliste")
    expect(row).to_contain_text("06 12 34 56 78")
    until_input(stack, gp)
    gp.press("2")
    until(stack, lambda: gp.conference is not None, "the GP in the room")
    expect(page.locator("#incoming")).to_be_visible(timeout=3000)
    # The leg comes from the helpline's number; who calls comes as its custom parameters.
    reference = row.locator("td").first.inner_text()
    expect(page.locator("#incoming-from")).to_have_text(
        f"Appel entrant — +33612345678 (demande {reference})"
    )
    expect(row).to_contain_text("Sonne chez Amélie Roux")
    screenshot(page, "board")
    room_name = f"req-{row.get_attribute('data-request-id')}"
    page.click("#accept")
    expect(page.locator("#in-call")).to_be_visible()
    until(
        stack,
        lambda: len(stack.sandbox.conference(room_name).participants) == 2,
        "the nurse in the room",
    )
    expect(row).to_contain_text("En ligne avec Amélie Roux", timeout=3000)
    room = stack.sandbox.conference(room_name)
    with stack.app.extensions["hotline"].database.session() as db:
        nurse_label = f"nurse-{db.scalars(select(User.id).where(User.email == NURSE)).one()}"
    assert sorted(p.label or "" for p in room.participants.values()) == ["gp", nurse_label]

    row.get_by_role("link", name="Ouvrir").click()
    expect(page.locator("#caller")).to_have_text("Dr Claire Martin")
    page.select_option("#language", "ar")
    page.click("#add-interpreter")
    expect(page.locator(".flash.success")).to_contain_text(
        "Recherche d'un interprète en arabe : 3 interprètes appelés."
    )
    arabic = [stack.sandbox.person(n) for n in ARABIC]
    legs = [person.wait_for_ring(timeout=3) for person in arabic]
    assert all(leg is not None for leg in legs)
    first = legs[0]
    assert first is not None
    first.answer()
    stack.sandbox.settle()
    until_input(stack, first)
    first.press("1")
    stack.sandbox.settle()
    until(stack, lambda: first.conference is not None, "the interpreter in the room")
    until(stack, lambda: len(room.participants) == 3, "three in the room")
    gp_label, interpreter, nurse = sorted(p.label or "" for p in room.participants.values())
    assert (gp_label, nurse) == ("gp", nurse_label)
    assert re.fullmatch(r"interpreter-\d+", interpreter)  # its session's own label

    page.select_option("#category", "interpreting")
    page.select_option("#outcome", "interpreter_provided")
    page.fill("#follow_up_on", "2026-12-07")
    page.fill("#notes", "Consultation avec interprète arabe ; revoir le suivi social.")
    expect(page.locator(".warning[role=note]")).to_contain_text("Aucune donnée identifiante")
    screenshot(page, "request-form")
    page.click("#save")
    expect(page.locator(".flash.success")).to_contain_text("enregistrée")
    with stack.app.extensions["hotline"].database.session() as session:
        saved = session.scalars(
            select(Request).where(Request.caller_number == "+33612345678")
        ).one()
        assert saved.category == "interpreting"
        assert saved.outcome == "interpreter_provided"
        assert saved.follow_up_on is not None and saved.follow_up_on.isoformat() == "2026-12-07"
        assert "revoir le suivi social" in (saved.notes or "")
    assert gp.status == "in-progress"


def test_a_finance_officer_sees_the_finance_page_and_is_refused_admin_pages(
    page: Page, stack: DemoStack
) -> None:
    sign_in(page, stack, FINANCE)
    expect(page).to_have_url(re.compile(r"/finance$"))
    expect(page.locator("h1")).to_have_text("Interprétariat : budget et dépenses")
    expect(page.locator("section.card h2").first).to_contain_text("Interprétariat 2026")
    screenshot(page, "finance")
    response = page.goto(f"{stack.settings.public_root}/admin")
    assert response is not None and response.status == 403


def test_an_admin_changes_the_rota_and_the_next_call_rings_the_new_nurse(
    page: Page, stack: DemoStack
) -> None:
    sign_in(page, stack, "admin@demo.e-care.fr")
    page.goto(f"{stack.settings.public_root}/admin/rota?week=2026-W48")
    monday = page.locator("#day-2026-11-23")
    expect(monday).to_contain_text("Amélie Roux")
    monday.locator(".shift", has_text="Amélie Roux").get_by_role("button").click()
    expect(page.locator("#day-2026-11-23")).not_to_contain_text("Amélie Roux")
    # Paul's backup shift first: one nurse's shifts may not overlap.
    monday.locator(".shift", has_text="Paul Girard").get_by_role("button").click()
    expect(page.locator("#day-2026-11-23")).not_to_contain_text("Paul Girard")
    page.select_option("#user_id", label="Paul Girard")
    page.select_option("#rank", "on_duty")
    page.fill("#starts", "2026-11-23T08:00")
    page.fill("#ends", "2026-11-23T20:00")
    page.click("text=Ajouter la garde")
    expect(page.locator("#day-2026-11-23")).to_contain_text("08:00")
    screenshot(page, "rota")

    amelie, paul = stack.sandbox.person("+33600000001"), stack.sandbox.person("+33600000002")
    gp = stack.sandbox.place_call(from_="06 12 34 56 78", to=stack.settings.hotline_number)
    until_input(stack, gp)
    gp.press("2")
    until(stack, lambda: paul.ringing, "Paul rung")
    assert paul.wait_for_ring(timeout=2) is not None
    assert amelie.ringing == []


def test_the_nurse_listens_to_a_voicemail_and_calls_the_gp_back_from_the_callbacks_page(
    page: Page, stack: DemoStack
) -> None:
    amelie, paul = stack.sandbox.person("+33600000001"), stack.sandbox.person("+33600000002")
    gp = stack.sandbox.place_call(from_="06 12 34 56 78", to=stack.settings.hotline_number)
    until_input(stack, gp)
    gp.press("2")
    until(stack, lambda: amelie.ringing, "Amélie rung")
    assert amelie.wait_for_ring(timeout=2) is not None
    stack.sandbox.clock.advance(26)  # 20 s ring timeout + Twilio's 5 s buffer
    assert paul.wait_for_ring(timeout=2) is not None
    stack.sandbox.clock.advance(26)
    listen(stack, gp, "Après le bip")
    until_input(stack, gp)  # the beep: the recording starts
    gp.speak(8)
    gp.press("#")
    stack.sandbox.settle()
    gp.hang_up()

    sign_in(page, stack, NURSE)
    page.goto(f"{stack.settings.public_root}/console/callbacks")
    row = page.locator("#callbacks tr", has_text="Dr Claire Martin")
    expect(row).to_contain_text("06 12 34 56 78")
    expect(row).to_contain_text("8 s")
    audio = row.locator("audio").get_attribute("src")
    assert audio is not None
    listened = page.request.get(f"{stack.settings.public_root}{audio}")
    assert listened.status == 200 and listened.headers["content-type"] == "audio/wav"
    screenshot(page, "callbacks")
    before = len(amelie.legs)
    row.get_by_role("button", name="Rappeler").click()
    expect(page.locator(".flash.success")).to_contain_text("Votre téléphone va sonner")
    leg = amelie.wait_for_ring(timeout=3)
    assert leg is not None and len(amelie.legs) == before + 1
    leg.answer()
    stack.sandbox.settle()
    until_input(stack, leg)
    leg.press("1")
    until(stack, lambda: stack.sandbox.person("+33612345678").ringing, "the GP rung")
    assert stack.sandbox.person("+33612345678").wait_for_ring(timeout=3) is not None


def test_the_board_served_by_another_web_worker_shows_the_call_within_2_seconds(
    page: Page, stack: DemoStack
) -> None:
    # A second worker: its own app and database engine on the same database, as gunicorn runs.
    second = ThreadedServer()
    other_settings = replace(stack.settings, public_base_url=second.url)
    worker = create_app(
        other_settings,
        database=Database.from_url(stack.settings.database_url),
        clock=stack.app.extensions["hotline"].clock,
    )
    second.serve(worker)
    try:
        page.goto(f"{second.url}/console/login")
        page.fill("#email", NURSE)
        page.fill("#password", DEMO_PASSWORDS[NURSE])
        page.click("button[type=submit]")
        expect(page).to_have_url(re.compile(r"/console/board$"))
        gp = stack.sandbox.place_call(from_="06 23 45 67 89", to=stack.settings.hotline_number)
        row = page.locator("#calls tbody tr", has_text="Dr Karim Benali")
        expect(row).to_be_visible(timeout=2000)
        until_input(stack, gp)
        gp.press("2")
        until(stack, lambda: gp.conference is not None, "the GP in the room")
        expect(row).to_contain_text("Sonne chez Amélie Roux", timeout=2000)
    finally:
        second.stop()
        worker.extensions["hotline"].close()


def test_the_console_switches_to_english_and_the_board_follows(
    page: Page, stack: DemoStack
) -> None:
    sign_in(page, stack, NURSE)
    page.goto(f"{stack.settings.public_root}/console/board?lang=en")
    expect(page.locator("h1")).to_have_text("Live calls")
    expect(page.locator("header nav")).to_contain_text("Board")
    gp = stack.sandbox.place_call(from_="06 12 34 56 78", to=stack.settings.hotline_number)
    until_input(stack, gp)
    gp.press("2")
    until(stack, lambda: gp.conference is not None, "the GP in the room")
    row = page.locator("#calls tbody tr", has_text="Dr Claire Martin")
    expect(row).to_contain_text("General practitioner", timeout=2000)
    expect(row).to_contain_text("Ringing Amélie Roux", timeout=2000)
    page.goto(f"{stack.settings.public_root}/console/board?lang=fr")
    expect(page.locator("h1")).to_have_text("Appels en cours")
