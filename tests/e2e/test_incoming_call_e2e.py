"""A GP calls the helpline through the sandbox: signed webhooks, a request, a French menu."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.demo import DemoStack
from hotline.models import Call, Request
from tests.e2e.conftest import listen, until_ended, until_input


def test_gp_calling_from_a_national_number_opens_a_request_and_hears_the_french_menu(
    stack: DemoStack, db: Session
) -> None:
    gp = stack.sandbox.place_call(from_="06 12 34 56 78", to=stack.settings.hotline_number)
    listen(stack, gp, "tapez 3")  # the greeting, then the menu, are said in turn

    heard = gp.heard_text()
    assert "plateforme e.CARE" in heard
    assert "Bonjour docteur Martin" in heard
    assert "Pour obtenir un interprète, tapez 1" in heard
    assert "tapez 2" in heard
    assert "tapez 3" in heard

    call = db.scalars(select(Call).where(Call.sid == gp.sid)).one()
    request = db.scalars(select(Request).where(Request.id == call.request_id)).one()
    assert request.caller_number == "+33612345678"
    assert request.reference.startswith("20")
    assert request.professional is not None
    assert request.professional.last_name == "Martin"

    hooks = [w for w in stack.sandbox.webhooks if w.url.endswith("/twilio/voice/incoming")]
    assert hooks
    assert all(w.status_code == 200 for w in hooks)


def test_gp_choice_reaches_the_app_and_the_call_ends_in_its_final_state(
    stack: DemoStack, db: Session
) -> None:
    gp = stack.sandbox.place_call(from_="+33623456789", to=stack.settings.hotline_number)
    stack.sandbox.settle()
    until_input(stack, gp)
    gp.press("3")
    stack.sandbox.settle()
    until_input(stack, gp)
    gp.press("1420")
    stack.sandbox.settle()
    listen(stack, gp, "nous vous rappellerons aujourd'hui à 14 heures 20")
    assert "nous vous rappellerons aujourd'hui à 14 heures 20" in gp.heard_text()
    listen(stack, gp, "Au revoir")
    assert "Au revoir" in gp.heard_text()
    until_ended(stack, gp)

    call = db.scalars(select(Call).where(Call.sid == gp.sid)).one()
    db.refresh(call)
    assert call.status == "completed"
    request = db.get(Request, call.request_id)
    assert request is not None
    kinds = [e.kind for e in request.events]
    assert kinds[0] == "received"
    assert "menu_choice" in kinds
    assert "callback_requested" in kinds
    assert "gp_leg_ended" in kinds


def test_a_silent_gp_hears_the_menu_again_when_the_gather_times_out(
    stack: DemoStack, db: Session
) -> None:
    gp = stack.sandbox.place_call(from_="+33634567890", to=stack.settings.hotline_number)
    until_input(stack, gp)  # the greeting is said, the menu begins
    listen(stack, gp, "Nous n'avons pas reçu votre choix")  # the menu, then its 5 s timeout
    until_input(stack, gp)  # the menu again
    assert "Nous n'avons pas reçu votre choix" in gp.heard_text()
    assert gp.heard_text().count("tapez 2") == 2
