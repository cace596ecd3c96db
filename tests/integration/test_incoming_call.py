"""A professional calls the helpline: a request opens, the caller is greeted and hears the menu."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, delete, select, text
from sqlalchemy.orm import Session

from hotline.db import Database
from hotline.models import Call, Request, RequestCounter
from hotline.services import next_reference
from tests.conftest import Clock, call_sid, post_signed, voice_form
from tests.factories import make_professional


def test_known_gp_is_greeted_by_name_and_a_request_is_opened(
    client: FlaskClient, session: Session
) -> None:
    make_professional(session, "+33612345678")
    response = post_signed(client, "/twilio/voice/incoming", voice_form(call_sid(1), "0612345678"))
    assert response.status_code == 200
    root = ET.fromstring(response.data)
    says = " ".join(s.text or "" for s in root.iter("Say"))
    assert "Bonjour docteur Martin" in says
    assert root.find("Gather") is not None

    request = session.scalars(select(Request)).one()
    assert request.reference == "2026-00001"
    assert request.caller_number == "+33612345678"
    assert request.professional is not None
    assert request.professional.last_name == "Martin"
    assert [e.kind for e in request.events] == ["received"]
    call = session.scalars(select(Call).where(Call.sid == call_sid(1))).one()
    assert call.request_id == request.id
    assert call.role == "gp"


def test_unknown_caller_gets_the_greeting_without_a_name(
    client: FlaskClient, session: Session
) -> None:
    response = post_signed(client, "/twilio/voice/incoming", voice_form(call_sid(2)))
    says = [s.text for s in ET.fromstring(response.data).iter("Say")]
    assert not any((text or "").startswith("Bonjour docteur") for text in says)
    request = session.scalars(select(Request)).one()
    assert request.professional_id is None
    assert request.caller_number == "+33612345678"


def test_withheld_number_opens_a_request_marked_withheld(
    client: FlaskClient, session: Session
) -> None:
    post_signed(client, "/twilio/voice/incoming", voice_form(call_sid(3), "anonymous"))
    request = session.scalars(select(Request)).one()
    assert request.caller_number is None
    assert request.is_caller_withheld


def test_a_retried_incoming_webhook_does_not_open_a_second_request(
    client: FlaskClient, session: Session
) -> None:
    for _ in range(2):
        response = post_signed(client, "/twilio/voice/incoming", voice_form(call_sid(4)))
        assert response.status_code == 200
    assert len(session.scalars(select(Request)).all()) == 1


def test_references_count_per_year_in_the_helpline_time_zone(
    client: FlaskClient, session: Session, clock: Clock
) -> None:
    from datetime import UTC, datetime

    clock.at = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # already 1 January in Paris
    post_signed(client, "/twilio/voice/incoming", voice_form(call_sid(5)))
    assert session.scalars(select(Request.reference)).one() == "2027-00001"


def test_menu_choice_is_logged_and_answered_politely(client: FlaskClient, session: Session) -> None:
    post_signed(client, "/twilio/voice/incoming", voice_form(call_sid(6)))
    response = post_signed(
        client, "/twilio/voice/menu?attempt=1", voice_form(call_sid(6), Digits="3")
    )
    assert response.status_code == 200
    root = ET.fromstring(response.data)
    gather = root.find("Gather")
    assert gather is not None and gather.get("numDigits") == "4"  # the time to call back
    assert "/twilio/callback/time" in gather.get("action", "")
    request = session.scalars(select(Request)).one()
    kinds = [(e.kind, e.detail) for e in request.events]
    assert ("menu_choice", {"choice": "callback"}) in kinds


def test_a_wrong_key_replays_the_menu(client: FlaskClient, session: Session) -> None:
    post_signed(client, "/twilio/voice/incoming", voice_form(call_sid(7)))
    response = post_signed(
        client, "/twilio/voice/menu?attempt=1", voice_form(call_sid(7), Digits="7")
    )
    root = ET.fromstring(response.data)
    assert "n'est pas valide" in (root.find("Say").text or "")  # type: ignore[union-attr]
    gather = root.find("Gather")
    assert gather is not None
    assert gather.get("action", "").endswith("attempt=2")


def test_concurrent_first_calls_of_the_year_get_distinct_references(engine: Engine) -> None:
    database = Database(engine)

    def allocate(_: int) -> str:
        with database.session() as session:
            reference = next_reference(session, 2031)
            session.commit()
            return reference

    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            references = list(pool.map(allocate, range(12)))
        assert sorted(references) == [f"2031-{n:05d}" for n in range(1, 13)]
    finally:
        with database.session() as session:
            session.execute(delete(RequestCounter).where(RequestCounter.year == 2031))
            if engine.dialect.name == "postgresql":
                session.execute(text("DROP SEQUENCE IF EXISTS request_numbers_2031"))
            session.commit()


def test_a_call_placed_from_the_browser_phone_hears_it_places_none_and_is_hung_up(
    client: FlaskClient, session: Session
) -> None:
    form = voice_form(call_sid(9), "client:nurse-1", ApplicationSid="AP" + "1" * 32)
    response = post_signed(client, "/twilio/voice/browser-outgoing", form)
    assert response.status_code == 200
    root = ET.fromstring(response.data)
    (say,) = root.iter("Say")
    assert say.get("language") == "fr-FR"
    assert "n'en passe pas" in (say.text or "")
    assert [child.tag for child in root] == ["Say", "Hangup"]
    assert session.scalars(select(Request)).all() == []


def test_a_reference_is_taken_without_waiting_for_another_calls_commit(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite writes one transaction at a time: there the counter row costs nothing")
    database = Database(engine)
    try:
        with database.session() as session:
            assert next_reference(session, 2032) == "2032-00001"  # the year's sequence is made
            session.commit()
        with database.session() as first, database.session() as second:
            assert next_reference(first, 2032) == "2032-00002"  # not committed yet
            # With the year's counter row, this would wait for the first call's commit.
            second.execute(text("SET LOCAL lock_timeout = '300ms'"))
            assert next_reference(second, 2032) == "2032-00003"
            first.rollback()  # its number is not given again: a gap, never a duplicate
            second.commit()
        with database.session() as session:
            assert next_reference(session, 2032) == "2032-00004"
            session.rollback()
    finally:
        with database.session() as session:
            session.execute(text("DROP SEQUENCE IF EXISTS request_numbers_2032"))
            session.commit()
