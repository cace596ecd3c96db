"""REST contract of Conferences and Participants, driven by the real twilio client."""

from __future__ import annotations

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest.api.v2010.account.conference import ConferenceContext

from hotline.sandbox import Answer, Ignore, Leg, Manual
from tests.sandbox.conftest import GP, HOTLINE, INTERPRETER, NURSE, World

ROOM = "room-1"


def gp_in_room(world: World, start: bool = True) -> Leg:
    """The GP calls the hotline, whose TwiML puts them in ROOM with conference events."""
    events = world.app.url("/conf-events")
    twiml = (
        "<Response><Dial><Conference participantLabel='gp' "
        f"startConferenceOnEnter='{str(start).lower()}' statusCallback='{events}' "
        f"statusCallbackEvent='start end join leave mute hold'>{ROOM}</Conference>"
        "</Dial></Response>"
    )
    world.sandbox.add_number(HOTLINE, world.app.on("/incoming", twiml))
    gp = world.sandbox.place_call(GP, HOTLINE)
    world.settle()
    return gp


def room(world: World) -> ConferenceContext:
    """ROOM on the REST API, by its CF SID (only CreateParticipant takes a friendly name)."""
    return world.client.conferences(world.sandbox.conference(ROOM).sid)


def add_nurse(world: World, **options: object) -> str:
    """Dial the nurse into ROOM over REST (they answer at once); return the participant's sid."""
    world.sandbox.person(NURSE, Answer())
    participant = world.client.conferences(ROOM).participants.create(
        from_=HOTLINE, to=NURSE, label="nurse", **options
    )
    world.settle()
    assert participant.call_sid is not None
    return participant.call_sid


def test_create_participant_by_friendly_name_returns_the_queued_participant(
    world: World,
) -> None:
    gp = gp_in_room(world)
    world.sandbox.person(NURSE, Manual())

    participant = world.client.conferences(ROOM).participants.create(
        from_=HOTLINE,
        to=NURSE,
        label="nurse",
        early_media=True,
        beep="onEnter",
        start_conference_on_enter=True,
        end_conference_on_exit=True,
        timeout=20,
        status_callback=world.app.url("/nurse-status"),
        status_callback_event=["initiated", "ringing", "answered", "completed"],
    )

    room = world.sandbox.conference(ROOM)
    assert participant.conference_sid == room.sid
    assert participant.label == "nurse"
    assert participant.status == "queued"
    assert participant.end_conference_on_exit is True
    assert participant.start_conference_on_enter is True
    assert participant.muted is False
    assert participant.hold is False
    assert participant.call_sid is not None and participant.call_sid != gp.sid
    leg = world.sandbox.get_leg(participant.call_sid)
    assert leg.to == NURSE
    assert leg.from_ == HOTLINE
    assert leg.timeout_s == 20


def test_participant_joins_when_answered_and_reports_its_call_progress(world: World) -> None:
    gp_in_room(world)
    sid = add_nurse(
        world,
        status_callback=world.app.url("/nurse-status"),
        status_callback_event=["initiated", "ringing", "answered", "completed"],
    )

    assert [h.params["CallStatus"] for h in world.app.to("/nurse-status")] == [
        "initiated",
        "ringing",
        "in-progress",
    ]
    fetched = room(world).participants(sid).fetch()
    assert fetched.status == "connected"
    assert room(world).fetch().status == "in-progress"


def test_participant_is_found_by_call_sid_and_by_label(world: World) -> None:
    gp = gp_in_room(world)
    sid = add_nurse(world)
    room_sid = world.sandbox.conference(ROOM).sid

    by_sid = world.client.conferences(room_sid).participants(sid).fetch()
    by_label = world.client.conferences(room_sid).participants("nurse").fetch()
    gp_by_label = world.client.conferences(room_sid).participants("gp").fetch()

    assert by_sid.call_sid == by_label.call_sid == sid
    assert by_label.label == "nurse"
    assert gp_by_label.call_sid == gp.sid
    assert by_sid.queue_time is None


def test_list_participants_shows_the_active_participants(world: World) -> None:
    gp = gp_in_room(world)
    sid = add_nurse(world)
    room_sid = world.sandbox.conference(ROOM).sid

    listed = world.client.conferences(room_sid).participants.list()
    assert {p.call_sid for p in listed} == {gp.sid, sid}

    world.client.conferences(room_sid).participants("nurse").update(muted=True)
    muted = world.client.conferences(room_sid).participants.list(muted=True)
    assert [p.call_sid for p in muted] == [sid]


def test_update_participant_hold_plays_hold_music_and_unhold_brings_them_back(
    world: World,
) -> None:
    gp = gp_in_room(world)
    sid = add_nurse(world)
    hold_url = world.app.on("/hold", "<Response><Say>Veuillez patienter</Say></Response>")

    held = (
        room(world).participants("nurse").update(hold=True, hold_url=hold_url, hold_method="POST")
    )
    world.settle()

    assert held.hold is True
    assert "Veuillez patienter" in world.sandbox.get_leg(sid).heard
    assert world.app.one("/hold").method == "POST"
    gp.say("vous êtes là ?")
    assert "« vous êtes là ? »" not in world.sandbox.get_leg(sid).heard
    unheld = room(world).participants("nurse").update(hold=False)
    assert unheld.hold is False
    gp.say("et maintenant ?")
    assert "« et maintenant ? »" in world.sandbox.get_leg(sid).heard
    world.settle()
    events = [e for _, e in world.sandbox.conference_events(ROOM)]
    assert "participant-hold" in events
    assert "participant-unhold" in events


def test_update_participant_muted_stops_their_words_reaching_others(world: World) -> None:
    gp = gp_in_room(world)
    sid = add_nurse(world)

    muted = room(world).participants(sid).update(muted=True)
    world.sandbox.get_leg(sid).say("vous m'entendez ?")
    world.settle()

    assert muted.muted is True
    assert "vous m'entendez ?" not in gp.heard_text()
    room(world).participants(sid).update(muted=False)
    world.sandbox.get_leg(sid).say("et maintenant ?")
    assert "et maintenant ?" in gp.heard_text()


def test_update_participant_announce_url_plays_to_that_participant(world: World) -> None:
    gp = gp_in_room(world)
    sid = add_nurse(world)
    url = world.app.on("/announce", "<Response><Say>Un interprète arrive</Say></Response>")

    room(world).participants("nurse").update(announce_url=url)
    world.settle()

    assert "Un interprète arrive" in world.sandbox.get_leg(sid).heard
    assert "Un interprète arrive" not in gp.heard


def test_delete_participant_kicks_them_and_ends_their_leg(world: World) -> None:
    gp = gp_in_room(world)
    sid = add_nurse(world)

    assert room(world).participants("nurse").delete() is True
    world.settle()

    assert world.client.calls(sid).fetch().status == "completed"
    assert [p.call_sid for p in room(world).participants.list()] == [gp.sid]
    leaves = [
        h.params
        for h in world.app.to("/conf-events")
        if h.params["StatusCallbackEvent"] == "participant-leave"
    ]
    assert leaves[-1]["CallSid"] == sid
    assert leaves[-1]["ReasonParticipantLeft"] == "participant_updated_via_api"


def test_participant_that_never_answers_ends_no_answer_at_its_timeout(world: World) -> None:
    gp_in_room(world)
    world.sandbox.person(INTERPRETER, Ignore())
    participant = world.client.conferences(ROOM).participants.create(
        from_=HOTLINE, to=INTERPRETER, label="interpreter", timeout=15
    )
    assert participant.call_sid is not None

    world.advance(19)  # Timeout=15 plus Twilio's 5 s buffer
    assert world.client.calls(participant.call_sid).fetch().status == "ringing"
    world.advance(1)
    assert world.client.calls(participant.call_sid).fetch().status == "no-answer"
    with pytest.raises(TwilioRestException) as caught:
        room(world).participants("interpreter").fetch()
    assert caught.value.status == 404


def test_list_and_fetch_conferences_by_name_and_status(world: World) -> None:
    gp_in_room(world)
    add_nurse(world)
    room_sid = world.sandbox.conference(ROOM).sid

    listed = world.client.conferences.list(friendly_name=ROOM, status="in-progress")
    assert [c.sid for c in listed] == [room_sid]
    assert world.client.conferences.list(status="completed") == []
    fetched = world.client.conferences(room_sid).fetch()
    assert fetched.friendly_name == ROOM
    assert fetched.status == "in-progress"
    assert fetched.reason_conference_ended is None
    paged = world.client.conferences.page(page_size=1)
    assert [c.sid for c in paged] == [room_sid]


def test_update_conference_completed_ends_it_for_everyone(world: World) -> None:
    gp = gp_in_room(world)
    sid = add_nurse(world)
    room_sid = world.sandbox.conference(ROOM).sid

    ended = world.client.conferences(room_sid).update(status="completed")
    world.settle()

    assert ended.status == "completed"
    assert ended.reason_conference_ended == "conference-ended-via-api"
    assert world.client.calls(sid).fetch().status == "completed"
    assert world.client.calls(gp.sid).fetch().status == "completed"
    assert world.sandbox.conference_events(ROOM)[-1][1] == "conference-end"


def test_update_conference_announce_url_plays_to_everyone(world: World) -> None:
    gp = gp_in_room(world)
    sid = add_nurse(world)
    url = world.app.on("/announce", "<Response><Say>Fin dans une minute</Say></Response>")

    world.client.conferences(world.sandbox.conference(ROOM).sid).update(announce_url=url)
    world.settle()

    assert "Fin dans une minute" in gp.heard
    assert "Fin dans une minute" in world.sandbox.get_leg(sid).heard


def test_unknown_conference_and_participant_are_twilio_404s(world: World) -> None:
    gp_in_room(world)
    room_sid = world.sandbox.conference(ROOM).sid

    with pytest.raises(TwilioRestException) as conference:
        world.client.conferences("CF" + "0" * 32).fetch()
    with pytest.raises(TwilioRestException) as participant:
        world.client.conferences(room_sid).participants("nobody").fetch()
    with pytest.raises(TwilioRestException) as removal:
        world.client.conferences(room_sid).participants("nobody").update(muted=True)
    with pytest.raises(TwilioRestException) as by_name:
        world.client.conferences(ROOM).participants("gp").fetch()

    for caught in (conference, participant, removal, by_name):
        assert caught.value.status == 404
        assert caught.value.code == 20404


def test_create_participant_muted_is_muted_from_the_start(world: World) -> None:
    gp = gp_in_room(world)
    world.sandbox.person(NURSE, Answer())

    created = world.client.conferences(ROOM).participants.create(
        from_=HOTLINE, to=NURSE, label="listener", muted=True
    )
    world.settle()
    world.sandbox.get_leg(str(created.call_sid)).say("je parle")

    assert created.muted is True
    assert room(world).participants("listener").fetch().muted is True
    assert "« je parle »" not in gp.heard


def test_rest_participant_ending_on_exit_ends_the_conference_when_they_leave(
    world: World,
) -> None:
    gp = gp_in_room(world)
    sid = add_nurse(world, end_conference_on_exit=True)

    world.sandbox.get_leg(sid).hang_up()
    world.settle()

    ended = room(world).fetch()
    assert ended.status == "completed"
    assert ended.reason_conference_ended == "participant-with-end-conference-on-exit-left"
    assert ended.call_sid_ending_conference == sid
    assert gp.status == "completed"


def test_beep_on_enter_is_heard_when_they_join_but_not_when_they_leave(world: World) -> None:
    gp = gp_in_room(world)
    sid = add_nurse(world, beep="onEnter")
    assert gp.heard.count("[bip]") == 1

    world.sandbox.get_leg(sid).hang_up()
    world.settle()

    assert gp.heard.count("[bip]") == 1


def test_conference_status_callback_of_the_first_rest_participant_is_used(
    world: World,
) -> None:
    world.sandbox.person(NURSE, Answer())
    world.sandbox.person(INTERPRETER, Answer())
    first = world.client.conferences("room-2").participants.create(
        from_=HOTLINE,
        to=NURSE,
        conference_status_callback=world.app.url("/first"),
        conference_status_callback_event=["start", "end", "join", "leave"],
    )
    world.settle()
    world.client.conferences("room-2").participants.create(
        from_=HOTLINE,
        to=INTERPRETER,
        conference_status_callback=world.app.url("/second"),
        conference_status_callback_event=["join"],
    )
    world.settle()

    events = [h.params["StatusCallbackEvent"] for h in world.app.to("/first")]
    assert events == ["participant-join", "participant-join", "conference-start"]
    assert world.app.to("/second") == []
    assert world.app.to("/first")[0].params["CallSid"] == first.call_sid
