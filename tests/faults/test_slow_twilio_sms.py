"""A Twilio API that answers CreateMessage after the client gave up: the GP gets the text once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from requests.exceptions import ReadTimeout
from twilio.rest import Client

from hotline import outbox, sms
from hotline.db import Database, claim
from hotline.models import OutboxMessage
from hotline.sandbox import ManualClock, Sandbox
from hotline.sms import SmsKind, SmsMessage, send_sms
from hotline.telephony.client import build_rest_client
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, fresh_database_url, make_settings
from tests.factories import make_request, the_helpline

GP = "+33612345678"
# Status callbacks go nowhere (a closed local port): only what the phone receives matters here.
ROOT = "http://127.0.0.1:9"
CLIENT_TIMEOUT_S = 0.5
BODY = "Demande 2026-00042 : rappel prévu à 14 h 30."


@pytest.fixture
def clock() -> ManualClock:
    """One clock for the app's outbox and the sandbox (messages are dated by it)."""
    return ManualClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))


@pytest.fixture
def database(backend: str, tmp_path: Path) -> Iterator[Database]:
    """A migrated database of the test's own (the outbox opens its own sessions)."""
    database = Database.from_url(fresh_database_url(backend, tmp_path))
    outbox.register(sms.SENT_HANDLER, on_sent=sms.on_sent, on_failure=sms.on_sent)
    yield database
    database.dispose()


@pytest.fixture
def hotline_number(database: Database) -> str:
    """The helpline's number (the texts' From)."""
    with database.session() as session:
        number = the_helpline(session).phone_number
        session.commit()
        return number


@pytest.fixture
def box(clock: ManualClock, hotline_number: str) -> Iterator[Sandbox]:
    """A sandbox with the helpline's number on the account (so it may text)."""
    sandbox = Sandbox(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, clock=clock)
    sandbox.add_number(hotline_number, voice_url=f"{ROOT}/voice")
    sandbox.start()
    yield sandbox
    sandbox.stop()


def text_the_gp(database: Database, clock: ManualClock, n: int = 1) -> tuple[int, int]:
    """Record one text and its SEND_SMS intent, as a callback promise does: (sms id, intent id)."""
    with database.session() as session:
        request = make_request(session, caller_number=GP)
        text = send_sms(
            session,
            request,
            SmsKind.CALLBACK_CONFIRMATION,
            GP,
            BODY,
            clock.now(),
            dedupe_key=f"t{n}",
        )
        session.commit()
        [intent_id] = outbox.take_new_ids(session)
        return text.id, intent_id


def slow_client(box: Sandbox) -> Client:
    box.create_message_answer_delay_s = CLIENT_TIMEOUT_S * 3
    return build_rest_client(make_settings(twilio_api_base_url=box.url), timeout_s=CLIENT_TIMEOUT_S)


def delivered(box: Sandbox, clock: ManualClock) -> list[str]:
    """The SIDs of the texts the GP's phone received, once every delivery is done."""
    clock.advance(60)
    box.settle()
    return [m.sid for m in box.texts_to(GP)]


def sids(database: Database, sms_id: int, intent_id: int) -> tuple[str | None, str | None]:
    with database.session() as session:
        text, intent = session.get(SmsMessage, sms_id), session.get(OutboxMessage, intent_id)
        assert text is not None and intent is not None
        assert intent.status == "sent"
        return text.sid, (intent.result or {}).get("sid")


def test_a_text_answered_after_the_timeout_reaches_the_gp_once_and_keeps_its_sid(
    box: Sandbox, database: Database, clock: ManualClock
) -> None:
    client = slow_client(box)
    sms_id, intent_id = text_the_gp(database, clock)

    outcome = outbox.send_message(database, client, intent_id, clock.now, ROOT)
    assert outcome.claimed
    # The clock's sweep, long after: nothing is left to send again.
    clock.advance(600)
    outbox.resend_unsent(database, client, clock.now, ROOT)

    [sid] = delivered(box, clock)
    assert sids(database, sms_id, intent_id) == (sid, sid)


def test_a_second_identical_text_is_not_mistaken_for_the_first(
    box: Sandbox, database: Database, clock: ManualClock
) -> None:
    client = slow_client(box)
    first, second = text_the_gp(database, clock, 1), text_the_gp(database, clock, 2)
    outbox.send_message(database, client, first[1], clock.now, ROOT)
    clock.advance(30)
    outbox.send_message(database, client, second[1], clock.now, ROOT)
    clock.advance(600)
    outbox.resend_unsent(database, client, clock.now, ROOT)

    received = delivered(box, clock)
    assert len(received) == 2
    assert sorted(sids(database, *first) + sids(database, *second)) == sorted(received * 2)
    assert sids(database, *first)[0] != sids(database, *second)[0]


def test_a_text_that_never_reached_twilio_is_sent_again_once(
    box: Sandbox, database: Database, clock: ManualClock, hotline_number: str
) -> None:
    client = build_rest_client(make_settings(twilio_api_base_url=box.url))
    # The same words texted an hour earlier are not taken for this intent's message.
    earlier = client.messages.create(to=GP, from_=hotline_number, body=BODY).sid
    clock.advance(3600)
    sms_id, intent_id = text_the_gp(database, clock)
    with database.session() as session:
        # A worker claimed it and died before its request left.
        claim(
            session, OutboxMessage, intent_id, "pending", status="sending", claimed_at=clock.now()
        )
        session.commit()
    clock.advance(600)
    outbox.resend_unsent(database, client, clock.now, ROOT)
    outbox.resend_unsent(database, client, clock.now, ROOT)

    received = delivered(box, clock)
    assert len(received) == 2 and received[0] == earlier
    assert sids(database, sms_id, intent_id) == (received[1], received[1])


def test_a_text_whose_request_timed_out_before_twilio_made_it_is_sent_again_once(
    box: Sandbox, database: Database, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = build_rest_client(make_settings(twilio_api_base_url=box.url))
    sms_id, intent_id = text_the_gp(database, clock)
    real_perform = outbox.perform

    def lost_on_the_way(*args: Any, **kwargs: Any) -> dict[str, Any]:
        # The first request never reaches Twilio; the client only sees its read timeout.
        monkeypatch.setattr(outbox, "perform", real_perform)
        raise ReadTimeout("read timed out")

    monkeypatch.setattr(outbox, "perform", lost_on_the_way)
    outbox.send_message(database, client, intent_id, clock.now, ROOT)
    with database.session() as session:
        intent = session.get(OutboxMessage, intent_id)
        assert intent is not None and intent.status == "pending"
    clock.advance(600)
    outbox.resend_unsent(database, client, clock.now, ROOT)

    [sid] = delivered(box, clock)
    assert sids(database, sms_id, intent_id) == (sid, sid)


def test_while_the_same_text_is_in_flight_the_answer_waits_for_the_clocks_sweep(
    box: Sandbox, database: Database, clock: ManualClock
) -> None:
    client = slow_client(box)
    first, second = text_the_gp(database, clock, 1), text_the_gp(database, clock, 2)
    with database.session() as session:
        # Another worker is sending the same words to the same GP right now.
        claim(
            session, OutboxMessage, second[1], "pending", status="sending", claimed_at=clock.now()
        )
        session.commit()

    outbox.send_message(database, client, first[1], clock.now, ROOT)
    with database.session() as session:
        intent = session.get(OutboxMessage, first[1])
        # The message listed could be either's: neither sent again nor settled yet.
        assert intent is not None and intent.status == "sending"
        # The other worker's request never left (refused connection): its row goes back.
        claim(session, OutboxMessage, second[1], "sending", status="pending")
        session.commit()
    clock.advance(600)
    outbox.resend_unsent(database, client, clock.now, ROOT)

    received = delivered(box, clock)
    assert len(received) == 2
    assert sids(database, *first) == (received[0], received[0])
    assert sids(database, *second) == (received[1], received[1])
