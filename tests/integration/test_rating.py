"""The GP's one-key rating after the call: asked once, a wrong key asked again, no key goodbye."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import Participation, Request
from routing.models import ServiceRating
from routing.twiml import RATING_AGAIN, RATING_QUESTION, RATING_THANKS
from tests.conftest import call_sid, post_signed, voice_form
from tests.factories import the_helpline

GP_SID = call_sid(777)
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def gp_in_a_room_with(client: FlaskClient, session: Session, label: str) -> Request:
    post_signed(client, "/twilio/voice/incoming", voice_form(GP_SID))
    request = session.scalars(select(Request)).one()
    session.add(
        Participation(
            conference_sid="CF" + "1" * 32, call_sid=call_sid(778), request_id=request.id,
            label=label, joined_at=T0,
        )
    )  # fmt: skip
    session.flush()
    return request


def spoken(answer: bytes) -> list[str]:
    return [say.text or "" for say in ET.fromstring(answer).iter("Say")]


def test_the_gp_rates_once_a_wrong_key_is_asked_again(
    client: FlaskClient, session: Session
) -> None:
    the_helpline(session).is_rating_enabled = True
    request = gp_in_a_room_with(client, session, "nurse-1")
    asked = post_signed(
        client, "/twilio/nurse/after-call", voice_form(GP_SID, CallStatus="in-progress")
    )
    document = ET.fromstring(asked.data)
    gather = document.find("Gather")
    assert gather is not None and gather.attrib["numDigits"] == "1"
    assert spoken(asked.data)[0] == RATING_QUESTION
    # No key: the GP hears a polite goodbye after the <Gather>.
    assert [child.tag for child in document] == ["Gather", "Say", "Hangup"]

    wrong = post_signed(client, "/twilio/nurse/rating?attempt=1", voice_form(GP_SID, Digits="8"))
    assert spoken(wrong.data)[0] == RATING_AGAIN
    rated = post_signed(client, "/twilio/nurse/rating?attempt=2", voice_form(GP_SID, Digits="5"))
    assert spoken(rated.data) == [RATING_THANKS]
    post_signed(client, "/twilio/nurse/rating?attempt=1", voice_form(GP_SID, Digits="2"))
    assert session.scalars(select(ServiceRating.score)).all() == [5]
    assert "service_rated" in [e.kind for e in request.events]

    again = post_signed(client, "/twilio/nurse/after-call", voice_form(GP_SID))
    assert ET.fromstring(again.data).find("Gather") is None  # asked once a request


def test_a_second_wrong_key_ends_politely_without_a_rating(
    client: FlaskClient, session: Session
) -> None:
    the_helpline(session).is_rating_enabled = True
    gp_in_a_room_with(client, session, "interpreter-3")
    wrong = post_signed(client, "/twilio/nurse/rating?attempt=2", voice_form(GP_SID, Digits="*"))
    assert spoken(wrong.data) == ["Merci de votre appel. Au revoir."]
    assert session.scalars(select(ServiceRating)).all() == []


def test_no_rating_when_the_helpline_does_not_want_it_or_nobody_talked_with_the_gp(
    client: FlaskClient, session: Session
) -> None:
    gp_in_a_room_with(client, session, "gp")
    off = post_signed(client, "/twilio/nurse/after-call", voice_form(GP_SID))
    assert ET.fromstring(off.data).find("Gather") is None
    the_helpline(session).is_rating_enabled = True
    alone = post_signed(client, "/twilio/nurse/after-call", voice_form(GP_SID))
    assert ET.fromstring(alone.data).find("Gather") is None
    assert spoken(alone.data) == ["Merci de votre appel. Au revoir."]
