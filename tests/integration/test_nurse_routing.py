"""The nurse flow's webhooks on the database: rings as intents, steps, claims, voicemail."""

from __future__ import annotations

import random
import threading
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from callbacks.models import CallbackTask
from hotline.app import create_app
from hotline.db import Database, claim
from hotline.models import (
    Call,
    Conference,
    OutboxMessage,
    Participation,
    Request,
    RequestEvent,
    User,
)
from hotline.ringing import address_of
from routing import admin
from routing.models import NurseRouting
from tests.conftest import (
    ACCOUNT_SID,
    HOTLINE_NUMBER,
    RecordingDispatcher,
    call_sid,
    fresh_database_url,
    make_settings,
    post_signed,
    voice_form,
)
from tests.factories import make_helpline, make_nurse_routing, make_request, the_helpline

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday, 10:00 in Paris: open
GP_SID = call_sid(500)


def set_up_rota(session: Session, *, browser_too: bool = False) -> tuple[User, User]:
    """The default helpline with a nurse on duty and a backup, both on the rota now."""
    helpline = the_helpline(session)
    amelie = admin.add_nurse(
        session,
        "amelie@example.org",
        "Amélie Roux",
        "06 00 00 00 01",
        "amelie" if browser_too else None,
    )
    amelie.is_in_console = browser_too
    amelie.console_seen_at = T0 if browser_too else None
    paul = admin.add_nurse(session, "paul@example.org", "Paul Girard", "+33600000002")
    admin.add_shift(session, helpline, amelie, "2026-11-23 08:00", "2026-11-23 20:00")
    admin.add_shift(session, helpline, paul, "2026-11-23 08:00", "2026-11-23 20:00", "backup")
    session.commit()
    return amelie, paul


def press_2(client: FlaskClient) -> ET.Element:
    post_signed(client, "/twilio/voice/incoming", voice_form(GP_SID))
    response = post_signed(
        client,
        "/twilio/voice/menu?attempt=1",
        voice_form(GP_SID, CallStatus="in-progress", Digits="2"),
    )
    assert response.status_code == 200
    return ET.fromstring(response.data)


def rings(session: Session) -> list[OutboxMessage]:
    session.expire_all()
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == "create_call")
            .order_by(OutboxMessage.id)
        )
    )


def leg_status_form(sid: str, to: str, status: str, seq: int, at_s: int) -> dict[str, str]:
    return {
        "CallSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": HOTLINE_NUMBER,
        "To": to,
        "CallStatus": status,
        "Direction": "outbound-api",
        "ApiVersion": "2010-04-01",
        "SequenceNumber": str(seq),
        "Timestamp": format_datetime(T0 + timedelta(seconds=at_s)),
        "CallbackSource": "call-progress-events",
    }


def status_path(message: OutboxMessage) -> str:
    url = urlsplit(message.payload["params"]["status_callback"])
    return f"{url.path}?{url.query}"


def test_pressing_2_puts_the_gp_in_the_room_and_records_the_ring_with_the_commit(
    client: FlaskClient, session: Session, dispatched: RecordingDispatcher
) -> None:
    amelie, _ = set_up_rota(session)
    document = press_2(client)

    request = session.scalars(select(Request)).one()
    conference = document.find("./Dial/Conference")
    assert conference is not None
    assert conference.text == f"req-{request.id}"
    assert conference.get("participantLabel") == "gp"
    assert conference.get("startConferenceOnEnter") == "false"
    assert conference.get("endConferenceOnExit") == "true"
    assert "/twilio/nurse/wait" in (conference.get("waitUrl") or "")
    assert "/twilio/voice/conference" in (conference.get("statusCallback") or "")

    [ring] = rings(session)
    params = ring.payload["params"]
    assert params["to"] == "+33600000001"
    assert params["from_"] == HOTLINE_NUMBER
    assert params["timeout"] == 20
    assert "/twilio/nurse/screen" in params["url"]
    assert parse_qs(urlsplit(params["url"]).query)["user"] == [str(amelie.id)]
    assert ring.status == "pending"
    assert dispatched.submitted == [ring.id]  # handed to the sender only after the commit
    events = session.scalars(
        select(RequestEvent.kind).where(RequestEvent.request_id == request.id)
    ).all()
    assert "nurse_ringing" in events


def test_the_browser_leg_calls_from_the_helpline_and_carries_the_reference_and_the_caller(
    client: FlaskClient, session: Session
) -> None:
    set_up_rota(session, browser_too=True)
    press_2(client)
    request = session.scalars(select(Request)).one()
    browser, phone = rings(session)
    params = browser.payload["params"]
    # CreateCall's From must be a number of the account or a verified caller ID, never the GP's.
    assert params["from_"] == HOTLINE_NUMBER
    assert phone.payload["params"]["from_"] == HOTLINE_NUMBER
    address, _, query = params["to"].partition("?")
    assert address == "client:amelie"
    assert parse_qs(query) == {"reference": [request.reference], "caller": ["+33612345678"]}


def test_status_callbacks_given_to_twilio_ask_for_retries_of_failed_connections(
    client: FlaskClient, session: Session
) -> None:
    set_up_rota(session)
    document = press_2(client)
    [ring] = rings(session)
    conference = document.find("./Dial/Conference")
    assert conference is not None
    for url in (ring.payload["params"]["status_callback"], conference.get("statusCallback")):
        fragment = parse_qs(urlsplit(url or "").fragment)
        assert fragment == {"rc": ["3"], "rp": ["ct,rt,5xx"]}, url


def test_the_same_key_press_delivered_twice_rings_once(
    client: FlaskClient, session: Session
) -> None:
    set_up_rota(session)
    press_2(client)
    post_signed(
        client,
        "/twilio/voice/menu?attempt=1",
        voice_form(GP_SID, CallStatus="in-progress", Digits="2"),
    )
    assert len(rings(session)) == 1
    assert len(session.scalars(select(NurseRouting)).all()) == 1


@pytest.mark.parametrize("seed", range(6))
def test_duplicated_and_shuffled_leg_callbacks_advance_each_step_once(
    client: FlaskClient, session: Session, seed: int
) -> None:
    set_up_rota(session, browser_too=True)  # step 0: her browser and her phone together
    press_2(client)
    step0 = rings(session)
    assert [address_of(m.payload["params"]["to"]) for m in step0] == [
        "client:amelie",
        "+33600000001",
    ]

    deliveries: list[tuple[str, dict[str, str]]] = []
    for n, message in enumerate(step0):
        sid, to = call_sid(600 + n), message.payload["params"]["to"]
        final = "no-answer" if n else "canceled"
        for seq, status in enumerate(["initiated", "ringing", final]):
            form = leg_status_form(sid, to, status, seq, seq * 10)
            deliveries += [(status_path(message), form)] * (2 if status == final else 1)
    random.Random(seed).shuffle(deliveries)
    for path, form in deliveries:
        assert post_signed(client, path, form).status_code == 204

    step1 = rings(session)[len(step0) :]
    assert [m.payload["params"]["to"] for m in step1] == ["+33600000002"]
    assert step1[0].payload["step"] == 1
    routing = session.scalars(select(NurseRouting)).one()
    assert routing.current_step == 1 and routing.status == "ringing"
    no_answers = session.scalars(
        select(RequestEvent).where(RequestEvent.kind == "nurse_no_answer")
    ).all()
    assert len(no_answers) == 1
    legs = session.scalars(select(Call).where(Call.routing_id == routing.id)).all()
    assert {leg.status for leg in legs} == {"canceled", "no-answer"}
    assert all(leg.role == "nurse" and leg.routing_step == 0 for leg in legs)


def test_when_every_step_is_exhausted_the_gp_is_sent_to_voicemail_once(
    client: FlaskClient, session: Session
) -> None:
    set_up_rota(session)
    press_2(client)
    for step in range(2):
        message = rings(session)[step]
        form = leg_status_form(call_sid(700 + step), message.payload["params"]["to"], "busy", 2, 5)
        for _ in range(2):
            post_signed(client, status_path(message), form)

    redirects = session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "update_call")
    ).all()
    assert len(redirects) == 1
    assert redirects[0].payload["call_sid"] == GP_SID
    assert "/twilio/nurse/voicemail?reason=no_answer" in redirects[0].payload["params"]["url"]
    task = session.scalars(select(CallbackTask)).one()
    assert task.reason == "no_answer" and task.phone == "+33612345678"
    assert session.scalars(select(NurseRouting)).one().status == "voicemail"

    voicemail = post_signed(
        client,
        "/twilio/nurse/voicemail?reason=no_answer",
        voice_form(GP_SID, CallStatus="in-progress"),
    )
    record = ET.fromstring(voicemail.data).find("./Record")
    assert record is not None
    assert record.get("maxLength") == "120"
    assert record.get("finishOnKey") == "#"
    done = voice_form(
        GP_SID,
        CallStatus="in-progress",
        RecordingSid="RE" + "1" * 32,
        RecordingUrl="https://api.twilio.com/2010-04-01/Accounts/AC/Recordings/RE" + "1" * 32,
        RecordingDuration="14",
    )
    for _ in range(2):  # the action, retried
        post_signed(client, "/twilio/nurse/voicemail-done?reason=no_answer", done)
    session.expire_all()
    task = session.scalars(select(CallbackTask)).one()
    assert task.recording_sid == "RE" + "1" * 32
    assert task.recording_duration_s == 14


def test_a_screened_leg_that_does_not_press_1_is_not_put_through(
    client: FlaskClient, session: Session
) -> None:
    set_up_rota(session)
    press_2(client)
    message = rings(session)[0]
    screen_url = urlsplit(message.payload["params"]["url"])
    leg = leg_status_form(call_sid(801), "+33600000001", "in-progress", 1, 3)
    screened = post_signed(client, f"{screen_url.path}?{screen_url.query}", leg)
    gather = ET.fromstring(screened.data).find("./Gather")
    assert gather is not None and gather.get("numDigits") == "1"
    accept = urlsplit(gather.get("action") or "")
    answered = post_signed(client, f"{accept.path}?{accept.query}", {**leg, "Digits": "9"})
    assert ET.fromstring(answered.data).find("./Dial") is None
    assert session.scalars(select(NurseRouting)).one().status == "ringing"


def test_the_second_leg_to_accept_hears_the_call_is_taken(
    client: FlaskClient, session: Session
) -> None:
    set_up_rota(session, browser_too=True)
    press_2(client)
    browser, phone = rings(session)
    phone_url = urlsplit(phone.payload["params"]["url"])
    phone_leg = leg_status_form(call_sid(901), "+33600000001", "in-progress", 1, 3)
    screened = ET.fromstring(
        post_signed(client, f"{phone_url.path}?{phone_url.query}", phone_leg).data
    )
    accept = urlsplit(screened.find("./Gather").get("action") or "")  # type: ignore[union-attr]

    browser_url = urlsplit(browser.payload["params"]["url"])
    browser_leg = leg_status_form(call_sid(902), "client:amelie", "in-progress", 1, 3)
    joined = ET.fromstring(
        post_signed(client, f"{browser_url.path}?{browser_url.query}", browser_leg).data
    )
    room = joined.find("./Dial/Conference")
    amelie = session.scalars(select(User).where(User.email == "amelie@example.org")).one()
    assert room is not None and room.get("participantLabel") == f"nurse-{amelie.id}"

    late = ET.fromstring(
        post_signed(client, f"{accept.path}?{accept.query}", {**phone_leg, "Digits": "1"}).data
    )
    assert late.find("./Dial") is None
    assert "déjà été pris" in "".join(late.itertext())
    session.expire_all()
    routing = session.scalars(select(NurseRouting)).one()
    assert routing.connected_call_sid == call_sid(902)


def test_conference_events_duplicated_and_reordered_keep_the_first_join_and_last_leave(
    client: FlaskClient, session: Session
) -> None:
    set_up_rota(session)
    press_2(client)
    request = session.scalars(select(Request)).one()

    def event(kind: str, seq: int, at_s: int, sid: str | None = GP_SID) -> dict[str, str]:
        form = {
            "AccountSid": ACCOUNT_SID,
            "ConferenceSid": "CF" + "a" * 32,
            "FriendlyName": f"req-{request.id}",
            "StatusCallbackEvent": kind,
            "SequenceNumber": str(seq),
            "Timestamp": format_datetime(T0 + timedelta(seconds=at_s)),
        }
        if sid:
            form |= {"CallSid": sid, "ParticipantLabel": "gp"}
        return form

    deliveries = [
        event("participant-leave", 3, 95),
        event("participant-join", 1, 5),
        event("conference-start", 2, 40, None),
        event("participant-join", 1, 5),
        event("participant-leave", 3, 95),
    ]
    for form in deliveries:
        assert post_signed(client, "/twilio/voice/conference", form).status_code == 204
    presence = session.scalars(select(Participation)).one()
    assert presence.joined_at == T0 + timedelta(seconds=5)
    assert presence.left_at == T0 + timedelta(seconds=95)
    assert presence.label == "gp" and presence.request_id == request.id
    room = session.scalars(select(Conference)).one()
    assert room.started_at == T0 + timedelta(seconds=40)
    kinds = session.scalars(
        select(RequestEvent.kind).where(RequestEvent.request_id == request.id)
    ).all()
    assert kinds.count("participant_join") == 1 and kinds.count("participant_leave") == 1


def test_exactly_one_of_many_simultaneous_claims_takes_the_call(
    backend: str, tmp_path: Path
) -> None:
    url = fresh_database_url(backend, tmp_path)
    database = Database.from_url(url)
    with database.session() as session:
        request = _bare_request(session)
        routing = make_nurse_routing(session, request, gp_call_sid=GP_SID, created_at=T0)
        session.commit()
        routing_id = routing.id
    barrier = threading.Barrier(6)
    wins: list[str] = []

    def take(n: int) -> None:
        with database.session() as session:
            barrier.wait()
            if claim(
                session, NurseRouting, routing_id, "ringing",
                status="connected", connected_call_sid=call_sid(1000 + n), ended_at=T0,
            ):  # fmt: skip
                wins.append(call_sid(1000 + n))
            session.commit()

    threads = [threading.Thread(target=take, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with database.session() as session:
        routing = session.get(NurseRouting, routing_id)
        assert routing is not None
        assert len(wins) == 1
        assert routing.connected_call_sid == wins[0]
    database.dispose()


def _bare_request(session: Session) -> Request:
    return make_request(session, make_helpline(session), reference="2026-00001", opened_at=T0)


@pytest.mark.parametrize(
    "database_url",
    [
        "postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=2",
        "sqlite:////nonexistent-folder/hotline.sqlite3",
    ],
    ids=["postgresql-down", "sqlite-missing"],
)
def test_with_the_database_unreachable_the_incoming_call_is_put_through_to_the_fallback(
    database_url: str,
) -> None:
    app = create_app(make_settings(database_url=database_url))
    response = post_signed(app.test_client(), "/twilio/voice/incoming", voice_form(call_sid(1)))
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    document = ET.fromstring(response.data)
    dial = document.find("./Dial")
    assert dial is not None
    assert (dial.text or "").strip() == "+33561999999"
    assert "problème technique" in "".join(document.itertext())
