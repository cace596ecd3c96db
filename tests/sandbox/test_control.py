"""The control JSON API and the simulator page, over HTTP with requests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from hotline.sandbox import AgencyMenu, Answer, RealClock, Sandbox, Silent, Voicemail
from tests.sandbox.conftest import GP, HOTLINE, NURSE, START, World

MENU = (
    "<Response><Gather numDigits='1' action='/choice'><Say>Tapez 1</Say></Gather>"
    "<Pause length='30'/></Response>"
)


def post(world: World, path: str, body: dict[str, Any] | None = None) -> requests.Response:
    return requests.post(world.sandbox.url + path, json=body or {}, timeout=5)


def test_root_serves_the_simulator_page_with_a_call_form(world: World) -> None:
    page = requests.get(world.sandbox.url + "/", timeout=5)

    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert '<form id="call">' in page.text
    assert 'name="from"' in page.text
    assert 'name="to"' in page.text
    assert "/sandbox/calls" in page.text


def test_placing_a_call_rings_the_configured_number(world: World) -> None:
    world.sandbox.add_number(HOTLINE, world.app.on("/incoming", MENU))

    placed = post(world, "/sandbox/calls", {"from": GP, "to": HOTLINE})
    world.settle()

    assert placed.status_code == 201
    leg = placed.json()
    assert leg["from"] == GP
    assert leg["to"] == HOTLINE
    assert leg["direction"] == "inbound"
    assert world.app.one("/incoming").params["CallSid"] == leg["sid"]
    assert world.sandbox.get_leg(leg["sid"]).heard == ["Tapez 1"]


def test_pressing_keys_reaches_the_gather_action(world: World) -> None:
    world.app.on("/choice", "<Response><Say>Choix reçu</Say><Pause length='30'/></Response>")
    world.sandbox.add_number(HOTLINE, world.app.on("/incoming", MENU))
    sid = post(world, "/sandbox/calls", {"from": GP, "to": HOTLINE}).json()["sid"]
    world.settle()

    pressed = post(world, f"/sandbox/calls/{sid}/press", {"digits": "1"})
    world.settle()

    assert pressed.status_code == 200
    assert pressed.json()["keys_pressed"] == "1"
    assert world.app.one("/choice").params["Digits"] == "1"
    state = requests.get(world.sandbox.url + "/sandbox/state", timeout=5).json()
    [call] = [c for c in state["calls"] if c["sid"] == sid]
    assert call["heard"] == ["Tapez 1", "Choix reçu"]
    assert call["waiting"] == "say"  # "Choix reçu" takes its time to be said


def test_hanging_up_ends_the_call(world: World) -> None:
    world.sandbox.add_number(HOTLINE, world.app.on("/incoming", MENU))
    sid = post(world, "/sandbox/calls", {"from": GP, "to": HOTLINE}).json()["sid"]
    world.settle()

    hung_up = post(world, f"/sandbox/calls/{sid}/hangup")

    assert hung_up.status_code == 200
    assert hung_up.json()["status"] == "completed"


def test_configuring_a_person_sets_their_ringing_policy(world: World) -> None:
    configured = post(
        world,
        "/sandbox/people",
        {"address": NURSE, "policy": {"kind": "answer", "after_s": 2, "press": "1"}},
    )

    assert configured.status_code == 201
    assert configured.json()["policy"] == {"kind": "answer", "after_s": 2.0, "press": "1"}
    assert world.sandbox.person(NURSE).policy == Answer(after_s=2, press="1")


def test_unknown_policy_is_refused(world: World) -> None:
    refused = post(world, "/sandbox/people", {"address": NURSE, "policy": {"kind": "maybe"}})

    assert refused.status_code == 400
    assert "maybe" in refused.json()["error"]


def test_answering_a_ringing_leg_by_hand(world: World) -> None:
    post(world, "/sandbox/people", {"address": NURSE, "policy": {"kind": "manual"}})
    sid = world.client.calls.create(to=NURSE, from_=HOTLINE, url=world.app.on("/voice", MENU)).sid
    world.settle()

    answered = post(world, f"/sandbox/calls/{sid}/answer")
    again = post(world, f"/sandbox/calls/{sid}/answer")
    world.settle()

    assert answered.status_code == 200
    assert answered.json()["status"] == "in-progress"
    assert again.status_code == 409
    assert world.app.one("/voice").params["CallSid"] == sid


def test_advancing_the_manual_clock_fires_timeouts(world: World) -> None:
    world.sandbox.add_number(
        HOTLINE, world.app.on("/incoming", "<Response><Pause length='10'/></Response>")
    )
    sid = post(world, "/sandbox/calls", {"from": GP, "to": HOTLINE}).json()["sid"]
    world.settle()

    moved = post(world, "/sandbox/clock/advance", {"seconds": 10})
    world.settle()

    assert moved.status_code == 200
    assert moved.json()["now"] == START.replace(second=10).isoformat()
    assert world.sandbox.get_leg(sid).status == "completed"


def test_advancing_by_a_malformed_or_negative_amount_is_a_400(world: World) -> None:
    assert post(world, "/sandbox/clock/advance", {"seconds": -5}).status_code == 400
    assert post(world, "/sandbox/clock/advance", {"seconds": "soon"}).status_code == 400
    assert world.clock.now() == START


def test_unknown_number_and_unknown_leg_are_404s(world: World) -> None:
    unknown_number = post(world, "/sandbox/calls", {"from": GP, "to": "+33500000000"})
    unknown_leg = post(world, "/sandbox/calls/CA" + "0" * 32 + "/press", {"digits": "1"})

    assert unknown_number.status_code == 404
    assert "error" in unknown_number.json()
    assert unknown_leg.status_code == 404


@pytest.fixture
def real_time_sandbox() -> Iterator[Sandbox]:
    box = Sandbox(clock=RealClock())
    box.start()
    yield box
    box.stop()


def test_advancing_a_real_clock_is_refused(real_time_sandbox: Sandbox) -> None:
    refused = requests.post(
        real_time_sandbox.url + "/sandbox/clock/advance", json={"seconds": 1}, timeout=5
    )
    state = requests.get(real_time_sandbox.url + "/sandbox/state", timeout=5).json()

    assert refused.status_code == 409
    assert state["manual_clock"] is False


def test_the_debugger_lists_each_twilio_error_as_json_and_on_a_french_page(
    world: World,
) -> None:
    world.sandbox.add_number(HOTLINE, world.app.on("/incoming", (500, "boom")))
    gp = world.sandbox.place_call(GP, HOTLINE)
    world.settle()
    world.sandbox.record_error(21210, "'From' is not a verified caller ID", url="/Calls.json")

    events = requests.get(world.sandbox.url + "/sandbox/debugger", timeout=5).json()["events"]
    page = requests.get(world.sandbox.url + "/debugger", timeout=5)

    assert [(e["code"], e["call_sid"]) for e in events] == [(11200, gp.sid), (21210, None)]
    assert events[0]["url"] == world.app.url("/incoming")
    assert events[0]["at"] == START.isoformat()
    assert events[0]["level"] == "ERROR"
    assert page.status_code == 200
    assert "Débogueur" in page.text
    assert "HTTP retrieval failure" in page.text
    assert gp.sid in page.text
    assert page.text.index("21210") < page.text.index("11200")  # newest first
    assert 'href="/debugger"' in requests.get(world.sandbox.url + "/", timeout=5).text


# ----- adding parties: voicemail, agency menu, silent person -------------------------------


def test_the_page_has_a_form_to_add_each_kind_of_party(world: World) -> None:
    page = requests.get(world.sandbox.url + "/", timeout=5).text

    assert '<form id="party">' in page
    assert "Ajouter un correspondant" in page
    for value, label in [
        ("answer", "personne qui décroche"),
        ("voicemail", "messagerie vocale"),
        ("agency", "standard d'agence d'interprétariat"),
        ("silent", "personne qui décroche sans rien dire"),
        ("ignore", "ne décroche jamais"),
    ]:
        assert f'<option value="{value}">{label}</option>' in page
    assert 'name="digits"' in page


def test_adding_a_voicemail_an_agency_menu_and_a_silent_person(world: World) -> None:
    voicemail = post(
        world,
        "/sandbox/people",
        {"address": "06 11 11 11 11", "policy": {"kind": "voicemail", "after_s": "15"}},
    )
    agency = post(
        world,
        "/sandbox/people",
        {"address": "+33140000000", "policy": {"kind": "agency", "digits": "1234"}},
    )
    silent = post(world, "/sandbox/people", {"address": NURSE, "policy": {"kind": "silent"}})

    assert voicemail.status_code == agency.status_code == silent.status_code == 201
    assert world.sandbox.person("+33611111111").policy == Voicemail(after_s=15)
    assert world.sandbox.person("+33140000000").policy == AgencyMenu(digits="1234")
    assert world.sandbox.person(NURSE).policy == Silent()
    people = {
        p["address"]: p
        for p in requests.get(world.sandbox.url + "/sandbox/state", timeout=5).json()["people"]
    }
    assert people["+33611111111"]["policy"] == {
        "kind": "voicemail",
        "after_s": 15.0,
        "greeting_s": 6.0,
        "max_s": 120.0,
    }
    assert people["+33611111111"]["kind"].startswith("messagerie vocale, décroche après 15 s")
    assert people["+33140000000"]["kind"].startswith(
        "standard d'agence d'interprétariat, code d'accès 1234"
    )
    assert people[NURSE]["kind"] == "décroche sans rien dire"


def test_an_agency_menu_without_its_access_code_is_refused(world: World) -> None:
    refused = post(world, "/sandbox/people", {"address": NURSE, "policy": {"kind": "agency"}})

    assert refused.status_code == 400
    assert "code d'accès" in refused.json()["error"]


def test_the_state_shows_what_a_voicemail_recorded_and_what_amd_said(world: World) -> None:
    world.sandbox.person(NURSE, Voicemail(after_s=0, greeting_s=4))
    sid = world.client.calls.create(
        to=NURSE,
        from_=HOTLINE,
        machine_detection="DetectMessageEnd",
        url=world.app.on("/vm", "<Response><Say>Rappelez-nous</Say><Pause length='5'/></Response>"),
    ).sid
    world.advance(20, step=0.5)

    state = requests.get(world.sandbox.url + "/sandbox/state", timeout=5).json()
    [leg] = [c for c in state["calls"] if c["sid"] == sid]
    assert leg["status"] == "completed"
    assert leg["answered_by"] == "machine_end_beep"
    assert leg["voicemail"]["heard"] == ["Rappelez-nous"]
    assert leg["voicemail"]["duration"] >= 5
