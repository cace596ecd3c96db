"""Labels are unique in a room (16025, 16026), and callbacks carry Twilio's documented values."""

from __future__ import annotations

import pytest
from twilio.base.exceptions import TwilioRestException

from hotline.sandbox import Answer, Ignore
from tests.sandbox.conftest import GP, HOTLINE, INTERPRETER, NURSE, World

ROOM = "room-7"
# The values Twilio documents for each conference callback parameter (TwiML <Conference>,
# "Request Parameters" of statusCallback).
REASON_PARTICIPANT_LEFT = {
    "conference_ended_via_api",
    "moderator_ended_conference",
    "participant_updated_via_api",
    "participant_hung_up",
    "participant_add_failed",
}
PARTICIPANT_CALL_STATUS = {"no-answer", "busy", "in-progress", "failed", "canceled", "completed"}
REASON_CONFERENCE_ENDED = {
    "conference-ended-via-api",
    "last-participant-kicked",
    "last-participant-left",
    "participant-with-end-conference-on-exit-kicked",
    "participant-with-end-conference-on-exit-left",
}


def join(world: World, caller: str, label: str, end_on_exit: bool = False) -> str:
    events = world.app.url("/conf-events")
    twiml = (
        f"<Response><Dial><Conference participantLabel='{label}' "
        f"endConferenceOnExit='{str(end_on_exit).lower()}' statusCallback='{events}' "
        f"statusCallbackEvent='start end join leave'>{ROOM}</Conference></Dial>"
        "<Say>Après la conférence</Say></Response>"
    )
    world.sandbox.add_number(HOTLINE, world.app.on(f"/incoming-{label}", twiml))
    leg = world.sandbox.place_call(caller, HOTLINE)
    world.settle()
    return leg.sid


def events(world: World, name: str) -> list[dict[str, str]]:
    return [
        h.params for h in world.app.to("/conf-events") if h.params["StatusCallbackEvent"] == name
    ]


def test_a_twiml_join_with_a_label_already_in_the_room_is_16025_and_runs_the_next_verb(
    world: World,
) -> None:
    join(world, GP, "gp")
    first = join(world, NURSE, "nurse")
    second_sid = join(world, INTERPRETER, "nurse")
    world.advance(2)  # the next verb, a <Say>, is said

    room = world.sandbox.conference(ROOM)
    second = world.sandbox.get_leg(second_sid)
    assert set(room.participants) == {room.history[0].call_sid, first}
    assert second.heard == ["Après la conférence"]
    assert second.status == "completed"  # no more verbs: Twilio hangs up
    [event] = world.sandbox.debugger.events
    assert (event.code, event.call_sid) == (16025, second_sid)
    assert event.url == world.app.url("/incoming-nurse")


def test_a_label_freed_by_a_participant_who_left_can_be_used_again(world: World) -> None:
    join(world, GP, "gp")
    first = join(world, NURSE, "nurse")
    world.sandbox.get_leg(first).hang_up()
    world.settle()

    second = join(world, INTERPRETER, "nurse")

    assert second in world.sandbox.conference(ROOM).participants
    assert world.sandbox.debugger.events == []


def test_a_rest_participant_with_a_label_in_use_is_refused_with_16026(world: World) -> None:
    join(world, GP, "gp")
    world.sandbox.person(NURSE, Answer())

    with pytest.raises(TwilioRestException) as caught:
        world.client.conferences(ROOM).participants.create(from_=HOTLINE, to=NURSE, label="gp")

    assert (caught.value.status, caught.value.code) == (400, 16026)
    assert world.sandbox.person(NURSE).legs == []
    assert world.sandbox.debugger.codes() == [16026]  # REST refusals are in the debugger too


@pytest.mark.parametrize("label", ["a/b", "x" * 129, "CA" + "0" * 32])
def test_a_rest_participant_label_twilio_cannot_use_is_refused_with_16024(
    world: World, label: str
) -> None:
    join(world, GP, "gp")

    with pytest.raises(TwilioRestException) as caught:
        world.client.conferences(ROOM).participants.create(from_=HOTLINE, to=NURSE, label=label)

    assert caught.value.code == 16024


def test_conference_end_names_the_participant_and_label_that_ended_it(world: World) -> None:
    gp = join(world, GP, "gp", end_on_exit=True)
    nurse = join(world, NURSE, "nurse")

    world.sandbox.get_leg(gp).hang_up()
    world.settle()

    [end] = events(world, "conference-end")
    assert end["ReasonConferenceEnded"] == "participant-with-end-conference-on-exit-left"
    assert end["CallSidEndingConference"] == gp
    assert end["ParticipantLabelEndingConference"] == "gp"
    assert end["Reason"]
    leaves = {p["CallSid"]: p for p in events(world, "participant-leave")}
    assert leaves[gp]["ReasonParticipantLeft"] == "participant_hung_up"
    assert leaves[nurse]["ReasonParticipantLeft"] == "moderator_ended_conference"
    assert leaves[nurse]["ParticipantCallStatus"] == "in-progress"


def test_ending_the_conference_via_the_api_is_documented_in_each_leave(world: World) -> None:
    gp = join(world, GP, "gp")
    join(world, NURSE, "nurse")

    world.client.conferences(world.sandbox.conference(ROOM).sid).update(status="completed")
    world.settle()

    [end] = events(world, "conference-end")
    assert end["ReasonConferenceEnded"] == "conference-ended-via-api"
    assert "ParticipantLabelEndingConference" not in end
    assert {p["ReasonParticipantLeft"] for p in events(world, "participant-leave")} == {
        "conference_ended_via_api"
    }
    assert world.sandbox.get_leg(gp).heard[-1] == "Après la conférence"


def test_every_conference_callback_value_is_one_twilio_documents(world: World) -> None:
    gp = join(world, GP, "gp")
    nurse = join(world, NURSE, "nurse")
    world.sandbox.person(INTERPRETER, Answer())
    world.client.conferences(ROOM).participants.create(
        from_=HOTLINE, to=INTERPRETER, label="interpreter"
    )
    world.settle()
    world.client.conferences(world.sandbox.conference(ROOM).sid).participants(
        "interpreter"
    ).delete()
    world.sandbox.get_leg(nurse).hang_up()
    world.sandbox.get_leg(gp).hang_up()
    world.settle()

    posted = [hit.params for hit in world.app.to("/conf-events")]
    assert {p["StatusCallbackEvent"] for p in posted} == {
        "conference-start",
        "participant-join",
        "participant-leave",
        "conference-end",
    }
    for params in posted:
        if params["StatusCallbackEvent"] == "participant-leave":
            assert params["ReasonParticipantLeft"] in REASON_PARTICIPANT_LEFT
            assert params["ParticipantCallStatus"] in PARTICIPANT_CALL_STATUS
        if params["StatusCallbackEvent"] == "conference-end":
            assert params["ReasonConferenceEnded"] in REASON_CONFERENCE_ENDED
    assert events(world, "conference-end")[0]["ReasonConferenceEnded"] == "last-participant-left"


def test_a_rest_participant_who_never_answers_leaves_with_participant_add_failed(
    world: World,
) -> None:
    join(world, GP, "gp")
    world.sandbox.person(INTERPRETER, Ignore())
    participant = world.client.conferences(ROOM).participants.create(
        from_=HOTLINE, to=INTERPRETER, label="interpreter", timeout=10
    )

    world.advance(15)

    [leave] = events(world, "participant-leave")
    assert leave["CallSid"] == participant.call_sid
    assert leave["ParticipantCallStatus"] == "no-answer"
    assert leave["ReasonParticipantLeft"] == "participant_add_failed"
    assert leave["ParticipantLabel"] == "interpreter"


def test_dialling_a_number_that_is_not_e164_fails_the_dial_with_13224(world: World) -> None:
    world.app.on("/dialed", "<Response/>")
    world.sandbox.add_number(
        HOTLINE,
        world.app.on(
            "/incoming",
            "<Response><Dial action='/dialed'><Number>06 98 76 54 32</Number></Dial></Response>",
        ),
    )
    gp = world.sandbox.place_call(GP, HOTLINE)
    world.settle()

    assert world.app.one("/dialed").params["DialCallStatus"] == "failed"
    [event] = world.sandbox.debugger.events
    assert (event.code, event.call_sid) == (13224, gp.sid)
