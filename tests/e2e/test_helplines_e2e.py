"""A regional administrator creates a helpline in the console; its number answers with its own
greeting and rings its own nurse (through the sandbox, with the real twilio library)."""

from __future__ import annotations

import html
import re

import requests
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.cli import cli
from hotline.demo import DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN, DemoStack
from hotline.demo_region import DEMO_SECOND_GREETING, DEMO_SECOND_NUMBER, DEMO_SECOND_NURSE
from hotline.models import Call, Helpline, Request, User
from routing.models import Shift
from tests.e2e.conftest import eventually, listen, until_input

AVEYRON = "+33565000000"
AVEYRON_GREETING = "Bonjour, vous êtes sur la permanence de l'Aveyron, pour les soignants du 12."
HUGO = "+33600000008"
AMELIE = "+33600000001"  # the first helpline's nurse on duty (the demo's rota)
BOUGHT_WITH = "https://demo.twilio.com/welcome/voice/"


def csrf_of(page: requests.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


class Console:
    """A browser on the console: its cookies, each form posted with the token its page gave."""

    def __init__(self, stack: DemoStack) -> None:
        self.root = stack.settings.public_root
        self.http = requests.Session()

    def get(self, path: str) -> requests.Response:
        return self.http.get(self.root + path, timeout=10)

    def post(self, path: str, data: dict[str, str | list[str]], page: str) -> requests.Response:
        token = csrf_of(self.get(page))
        return self.http.post(
            self.root + path, data={**data, "csrf_token": token}, allow_redirects=False, timeout=10
        )

    def sign_in(self, email: str, password: str) -> None:
        answer = self.post(
            "/console/login", {"email": email, "password": password}, "/console/login"
        )
        assert answer.status_code == 302, answer.text


def test_a_helpline_created_in_the_console_greets_with_its_text_and_rings_its_own_nurse(
    stack: DemoStack, db: Session
) -> None:
    admin = Console(stack)
    admin.sign_in("admin@demo.e-care.fr", "reglages-demo-2026")
    form = {
        "name": "Permanence de l'Aveyron",
        "phone_number": "05 65 00 00 00",
        "timezone": "Europe/Paris",
        "greeting": AVEYRON_GREETING,
        "is_active": "y",
        "routing-opening_hours": "mon-sun 00:00-24:00",
        "routing-holiday_subdivision": "",
        "routing-ring_timeout_s": "20",
        "routing-voicemail_max_s": "120",
        "dispatch-dispatch_strategy": "all",
        "dispatch-interpreter_ring_timeout_s": "25",
        "dispatch-agency_delay_s": "30",
        "dispatch-interpreter_budget_s": "120",
        "dispatch-language_menu_days": "90",
        "dispatch-pinned": "",
        "dispatch-recompute_days": "30",
    }
    refused = admin.post(
        "/admin/helplines/new", {**form, "timezone": "Mars/Olympus"}, "/admin/helplines/new"
    )
    assert refused.status_code == 400
    assert "Fuseau horaire inconnu « Mars/Olympus »" in html.unescape(refused.text)
    created = admin.post("/admin/helplines/new", form, "/admin/helplines/new")
    assert created.status_code == 302, html.unescape(created.text)
    aveyron = db.scalars(select(Helpline).where(Helpline.phone_number == AVEYRON)).one()
    assert aveyron.greeting == AVEYRON_GREETING

    # Its nurse: an account that belongs to it, then a shift on its rota (chosen in the header).
    nurse_form: dict[str, str | list[str]] = {
        "email": "hugo.lambert@demo.e-care.fr",
        "display_name": "Hugo Lambert",
        "memberships": [f"{aveyron.id}:nurse"],
        "phone": "06 00 00 00 08",
        "locale": "fr",
        "password": "une phrase de passe assez longue",
    }
    assert admin.post("/admin/users", nurse_form, "/admin/users").status_code == 302
    chosen = admin.post("/console/helpline", {"helpline_id": str(aveyron.id)}, "/admin/rota")
    assert chosen.status_code == 302
    db.expire_all()
    hugo = db.scalars(select(User).where(User.email == "hugo.lambert@demo.e-care.fr")).one()
    shift = {"user_id": str(hugo.id), "starts": "2026-11-23T08:00", "ends": "2026-11-23T20:00",
             "rank": "on_duty", "week": "2026-W48"}  # fmt: skip
    assert admin.post("/admin/rota/shifts", shift, "/admin/rota").status_code == 302
    db.expire_all()
    assert db.scalars(select(Shift.helpline_id).where(Shift.user_id == hugo.id)).one() == aveyron.id

    # The number is bought on the account, then `hotline twilio setup` points it at the service.
    stack.sandbox.add_number(AVEYRON, BOUGHT_WITH)
    env = {
        "DATABASE_URL": stack.settings.database_url,
        "SECRET_KEY": "test-secret-key-0123456789",
        "TWILIO_ACCOUNT_SID": DEMO_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": DEMO_AUTH_TOKEN,
        "HOTLINE_NUMBER": stack.settings.hotline_number,
        "PUBLIC_BASE_URL": stack.settings.public_root,
        "TWILIO_API_BASE_URL": stack.settings.twilio_api_base_url,
    }
    setup = CliRunner().invoke(cli, ["twilio", "setup"], env=env)
    assert setup.exit_code == 0, setup.output
    assert f"{AVEYRON} : appels entrants vers {stack.settings.public_root}" in setup.output
    assert stack.sandbox.numbers[AVEYRON].voice_url.endswith("/twilio/voice/incoming")

    amelie, hugo_phone = stack.sandbox.person(AMELIE), stack.sandbox.person(HUGO)
    gp = stack.sandbox.place_call(from_="06 12 34 56 78", to=AVEYRON)
    stack.sandbox.settle()
    listen(stack, gp, AVEYRON_GREETING)
    assert "plateforme e.CARE" not in gp.heard_text()  # not the first helpline's greeting
    until_input(stack, gp)
    gp.press("2")
    leg = hugo_phone.wait_for_ring(timeout=3)
    assert leg is not None, "the new helpline's nurse was not rung"
    assert amelie.wait_for_ring(timeout=0.5) is None, "the first helpline's nurse was rung"
    call = eventually(
        lambda: db.scalars(select(Call).where(Call.sid == gp.sid)).first(), what="the GP's leg"
    )
    request = db.get(Request, call.request_id)
    assert request is not None and request.helpline_id == aveyron.id


def test_the_demos_second_helpline_greets_with_its_text_and_rings_its_own_nurse(
    stack: DemoStack, db: Session
) -> None:
    amelie, lucie = stack.sandbox.person(AMELIE), stack.sandbox.person(DEMO_SECOND_NURSE[2])
    gp = stack.sandbox.place_call(from_="06 12 34 56 78", to=DEMO_SECOND_NUMBER)
    stack.sandbox.settle()
    listen(stack, gp, DEMO_SECOND_GREETING)
    until_input(stack, gp)
    gp.press("2")
    assert lucie.wait_for_ring(timeout=3) is not None, "the second helpline's nurse was not rung"
    assert amelie.wait_for_ring(timeout=0.5) is None, "the first helpline's nurse was rung"
