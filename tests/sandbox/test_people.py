"""Simulated people: ringing policies on the sandbox clock, and hang-ups while ringing."""

from __future__ import annotations

from hotline.sandbox import Answer, Decline, Ignore, Manual
from tests.sandbox.conftest import GP, HOTLINE, NURSE, World

MENU = (
    "<Response><Gather numDigits='1' action='/choice'><Say>Tapez 1 pour accepter</Say>"
    "</Gather></Response>"
)


def test_answer_policy_picks_up_after_its_delay_and_presses_at_the_first_gather(
    world: World,
) -> None:
    world.sandbox.person(NURSE, Answer(after_s=3, press="1"))
    world.app.on("/choice", "<Response><Say>Accepté</Say></Response>")
    sid = world.client.calls.create(to=NURSE, from_=HOTLINE, url=world.app.on("/offer", MENU)).sid
    world.settle()
    leg = world.sandbox.get_leg(sid)

    world.advance(2)
    assert leg.status == "ringing"
    assert world.app.to("/offer") == []

    world.advance(1)
    assert leg.start_time == world.clock.now()
    assert world.app.one("/offer").params["CallStatus"] == "in-progress"
    world.advance(2)  # "Tapez 1 pour accepter" is said (1.4 s) before her reaction (1.5 s)
    assert world.app.to("/choice") == []
    world.advance(1)
    assert world.app.one("/choice").params["Digits"] == "1"
    assert leg.keys_pressed == ["1"]
    assert leg.heard == ["Tapez 1 pour accepter", "Accepté"]


def test_answer_policy_presses_only_once(world: World) -> None:
    world.sandbox.person(NURSE, Answer(press="1"))
    world.app.on("/choice", MENU)
    world.client.calls.create(to=NURSE, from_=HOTLINE, url=world.app.on("/offer", MENU))
    world.advance(5)  # the offer's prompt, her key press, then the second menu's prompt

    assert len(world.app.to("/choice")) == 1
    assert world.sandbox.person(NURSE).legs[0].wait is not None


def test_decline_policy_ends_the_call_busy(world: World) -> None:
    world.sandbox.person(NURSE, Decline())
    sid = world.client.calls.create(
        to=NURSE,
        from_=HOTLINE,
        url=world.app.on("/offer", MENU),
        status_callback=world.app.url("/status"),
    ).sid
    world.settle()

    call = world.client.calls(sid).fetch()
    assert call.status == "busy"
    assert call.duration is None
    assert world.app.to("/offer") == []
    assert world.app.one("/status").params["CallStatus"] == "busy"


def test_ignore_policy_ends_no_answer_at_the_timeout_plus_twilios_5_s_buffer(
    world: World,
) -> None:
    world.sandbox.person(NURSE, Ignore())
    sid = world.client.calls.create(
        to=NURSE, from_=HOTLINE, url=world.app.on("/offer", MENU), timeout=25
    ).sid

    world.advance(29, step=4)
    assert world.client.calls(sid).fetch().status == "ringing"
    world.advance(1)

    assert world.client.calls(sid).fetch().status == "no-answer"
    assert world.app.to("/offer") == []


def test_manual_person_answers_and_declines_by_hand(world: World) -> None:
    world.sandbox.person(NURSE, Manual())
    url = world.app.on("/offer", MENU)
    first = world.client.calls.create(to=NURSE, from_=HOTLINE, url=url).sid
    second = world.client.calls.create(to=NURSE, from_=HOTLINE, url=url).sid
    world.settle()
    nurse = world.sandbox.person(NURSE)
    assert [leg.sid for leg in nurse.ringing] == [first, second]

    nurse.ringing[0].answer()
    nurse.ringing[0].decline()
    world.settle()

    assert world.sandbox.get_leg(first).status == "in-progress"
    assert world.sandbox.get_leg(second).status == "busy"
    assert [leg.sid for leg in nurse.active] == [first]


def test_caller_hanging_up_while_the_callee_rings_cancels_the_callee_leg(world: World) -> None:
    world.sandbox.person(NURSE, Manual())
    world.app.on("/dialed", "<Response/>")
    dial = f"<Response><Dial action='/dialed'><Number>{NURSE}</Number></Dial></Response>"
    world.sandbox.add_number(HOTLINE, world.app.on("/incoming", dial))
    gp = world.sandbox.place_call(GP, HOTLINE)
    world.settle()
    nurse = world.sandbox.person(NURSE).legs[0]
    assert nurse.status == "ringing"

    gp.hang_up()
    world.settle()

    assert gp.status == "completed"
    assert nurse.status == "canceled"
    assert world.client.calls(nurse.sid).fetch().status == "canceled"
    assert world.app.one("/dialed").params["DialCallStatus"] == "canceled"


def test_hanging_up_a_bridged_call_ends_both_legs_with_the_same_duration(world: World) -> None:
    world.sandbox.person(NURSE, Answer(after_s=5))
    dial = f"<Response><Dial><Number>{NURSE}</Number></Dial></Response>"
    world.sandbox.add_number(HOTLINE, world.app.on("/incoming", dial))
    gp = world.sandbox.place_call(GP, HOTLINE)
    world.advance(5)
    nurse = world.sandbox.person(NURSE).legs[0]

    world.advance(60, step=20)
    nurse.hang_up()
    world.settle()

    assert gp.status == "completed"
    assert nurse.status == "completed"
    assert nurse.duration_s == 60
    assert gp.duration_s == 65
