"""The request page tells the call as a person would (who, how long, in French or English); the
raw event log is the admin's "Journal technique"."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta
from email.utils import format_datetime
from urllib.parse import urlsplit

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from callbacks.services import promise_callback
from hotline.models import Request
from tests.conftest import ACCOUNT_SID, Clock, call_sid, post_signed, voice_form
from tests.factories import make_professional, make_user
from tests.integration.test_console_access import console, sign_in
from tests.integration.test_follow_ups import his_leg_ends, ring_professional
from tests.integration.test_nurse_routing import (
    GP_SID,
    T0,
    leg_status_form,
    press_2,
    rings,
    set_up_rota,
)

__all__ = ["console"]  # the fixture, imported for these tests

NURSE_LEG = call_sid(510)
CONFERENCE_SID = "CF" + "b" * 32


def conference_event(
    request: Request, kind: str, seq: int, at_s: int, label: str, sid: str
) -> dict[str, str]:
    return {
        "AccountSid": ACCOUNT_SID,
        "ConferenceSid": CONFERENCE_SID,
        "FriendlyName": f"req-{request.id}",
        "StatusCallbackEvent": kind,
        "SequenceNumber": str(seq),
        "Timestamp": format_datetime(T0 + timedelta(seconds=at_s)),
        "CallSid": sid,
        "ParticipantLabel": label,
    }


def a_nurse_call_then_a_callback_attempt(
    client: FlaskClient, session: Session, clock: Clock
) -> Request:
    """Dr Martin presses 2, Amélie Roux answers after 12 s, he hangs up after 6 min 12 s (Twilio
    repeating some of it); his callback's first attempt finds nobody."""
    set_up_rota(session)
    make_professional(session, "+33612345678")
    session.commit()
    press_2(client)
    press_2(client)  # the same key press, delivered twice
    request = session.scalars(select(Request)).one()
    [ring] = rings(session)
    url = urlsplit(ring.payload["params"]["url"])
    clock.at = T0 + timedelta(seconds=12)
    leg = leg_status_form(NURSE_LEG, "+33600000001", "in-progress", 1, 12)
    screened = ET.fromstring(post_signed(client, f"{url.path}?{url.query}", leg).data)
    accept = urlsplit(screened.find("./Gather").get("action") or "")  # type: ignore[union-attr]
    for _ in range(2):
        post_signed(client, f"{accept.path}?{accept.query}", {**leg, "Digits": "1"})
    nurse_label = f"nurse-{request.nurse_id or ''}"
    for form in (
        conference_event(request, "participant-join", 1, 2, "gp", GP_SID),
        conference_event(request, "participant-join", 2, 13, nurse_label, NURSE_LEG),
        conference_event(request, "participant-join", 1, 2, "gp", GP_SID),
        conference_event(request, "participant-leave", 3, 372, "gp", GP_SID),
    ):
        assert post_signed(client, "/twilio/voice/conference", form).status_code == 204
    clock.at = T0 + timedelta(seconds=372)
    ended = voice_form(GP_SID, CallStatus="completed", CallDuration="372", SequenceNumber="3")
    for _ in range(2):
        assert post_signed(client, "/twilio/voice/status", ended).status_code == 204
    task = promise_callback(session, request, "requested", clock.at, clock.at)
    session.commit()
    first = ring_professional(session, task, call_sid(511), clock.at)
    his_leg_ends(client, first, call_sid(512), "no-answer")
    return request


def story_of(page: str) -> str:
    return page[page.index('id="story"') : page.index("</ol>", page.index('id="story"'))]


def test_the_nurse_reads_the_call_as_a_person_tells_it(
    client: FlaskClient, console: FlaskClient, session: Session, clock: Clock
) -> None:
    request = a_nurse_call_then_a_callback_attempt(client, session, clock)
    make_user(session, "nurse", "nora@example.org", display_name="Nora Blanc")
    session.commit()
    assert sign_in(console, "nora@example.org") == 302
    page = console.get(f"/console/requests/{request.id}").get_data(as_text=True)
    story = story_of(page)
    lines = [line.split("</time>")[1].split("</li>")[0].strip() for line in story.split("<li")[1:]]
    assert lines == [
        "Appel reçu de Dr Claire Martin",
        "Choix au menu : infirmière",
        "Amélie Roux a répondu après 12 s",
        "Le médecin a raccroché — appel de 6 min 12 s",
        "Rappel programmé pour le 23 novembre à 10 h 06",
        "SMS de confirmation du rappel envoyé au professionnel",
        "Rappel n° 1 par Amélie Roux : pas de réponse — nouvel essai le 23 novembre à 10 h 21",
    ]
    assert "10:00:12" in story  # the helpline's time (Paris), not UTC
    for raw in ("callback_retry", "nurse_answered", "(gp)", "participant"):
        assert raw not in page
    assert "Journal technique" not in page

    english = console.get(f"/console/requests/{request.id}?lang=en").get_data(as_text=True)
    assert "Call received from Dr Claire Martin" in story_of(english)
    assert "Amélie Roux answered after 12 s" in story_of(english)
    assert (
        "Callback no. 1 by Amélie Roux: no answer — next attempt on 23 November at 10:21"
        in story_of(english)
    )


def test_the_admin_also_reads_the_raw_event_log(
    client: FlaskClient, console: FlaskClient, session: Session, clock: Clock
) -> None:
    request = a_nurse_call_then_a_callback_attempt(client, session, clock)
    make_user(session, "nurse,admin", "ada@example.org", display_name="Ada Admin")
    session.commit()
    assert sign_in(console, "ada@example.org") == 302
    page = console.get(f"/console/requests/{request.id}").get_data(as_text=True)
    assert "Amélie Roux a répondu après 12 s" in story_of(page)
    start = page.index('<details id="raw-log">')
    raw_log = page[start : page.index("</details>", start)]
    assert "Journal technique" in raw_log
    assert "<code>callback_retry</code>" in raw_log and "<code>nurse_answered</code>" in raw_log
