"""A Twilio API that answers CreateCall after the client gave up: the nurse is rung once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hotline import outbox
from hotline.db import Database, claim
from hotline.models import OutboxMessage
from hotline.sandbox import ManualClock, Sandbox
from hotline.telephony.client import build_rest_client
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, fresh_database_url, make_settings

HOTLINE = "+33561000000"
NURSE = "+33698765432"
ROOT = "https://hotline.example.org"
CLIENT_TIMEOUT_S = 0.5


@pytest.fixture
def clock() -> ManualClock:
    """One clock for the app's outbox and the sandbox (calls are dated by it)."""
    return ManualClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))


@pytest.fixture
def slow_sandbox(clock: ManualClock) -> Iterator[Sandbox]:
    """A sandbox whose CreateCall rings at once but answers after the client's read timeout."""
    box = Sandbox(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, clock=clock, caller_ids=[HOTLINE])
    box.create_call_answer_delay_s = CLIENT_TIMEOUT_S * 3
    box.start()
    yield box
    box.stop()


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    """A migrated SQLite database of the test's own (the outbox opens its own sessions)."""
    database = Database.from_url(fresh_database_url("sqlite", tmp_path))
    yield database
    database.dispose()


def ring_the_nurse(database: Database, clock: ManualClock, n: int = 1) -> int:
    """Record one CreateCall intent, as a routing step does."""
    with database.session() as session:
        params = {"to": NURSE, "from_": HOTLINE, "url": f"{ROOT}/twilio/nurse/screen"}
        message = outbox.enqueue(
            session, outbox.CREATE_CALL, {"params": params}, clock.now(), dedupe_key=f"ring:{n}"
        )
        session.commit()
        return message.id


def rings(sandbox: Sandbox) -> list[str]:
    """The SIDs of the calls the sandbox made to the nurse."""
    with sandbox.lock:
        return [sid for sid, leg in sandbox.calls_by_sid.items() if leg.to == NURSE]


def test_a_create_call_answered_after_the_timeout_rings_once_and_keeps_the_calls_sid(
    slow_sandbox: Sandbox, database: Database, clock: ManualClock
) -> None:
    client = build_rest_client(
        make_settings(twilio_api_base_url=slow_sandbox.url), timeout_s=CLIENT_TIMEOUT_S
    )
    message_id = ring_the_nurse(database, clock)

    outcome = outbox.send_message(database, client, message_id, clock.now, ROOT)
    assert outcome.claimed
    # The clock's sweep, long after: nothing is left to send again.
    clock.advance(600)
    outbox.resend_unsent(database, client, clock.now, ROOT)

    [sid] = rings(slow_sandbox)
    with database.session() as session:
        message = session.get(OutboxMessage, message_id)
        assert message is not None
        assert message.status == "sent"
        assert message.result is not None and message.result["sid"] == sid


def test_a_second_intent_to_the_same_nurse_is_not_mistaken_for_the_first(
    slow_sandbox: Sandbox, database: Database, clock: ManualClock
) -> None:
    client = build_rest_client(
        make_settings(twilio_api_base_url=slow_sandbox.url), timeout_s=CLIENT_TIMEOUT_S
    )
    first, second = ring_the_nurse(database, clock, 1), ring_the_nurse(database, clock, 2)
    outbox.send_message(database, client, first, clock.now, ROOT)
    clock.advance(30)
    outbox.send_message(database, client, second, clock.now, ROOT)

    sids = rings(slow_sandbox)
    assert len(sids) == 2
    with database.session() as session:
        results = [session.get(OutboxMessage, i).result for i in (first, second)]  # type: ignore[union-attr]
    assert sorted(r["sid"] for r in results if r) == sorted(sids)


def test_a_create_call_that_never_reached_twilio_is_sent_again(
    database: Database, clock: ManualClock
) -> None:
    with Sandbox(
        account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, clock=clock, caller_ids=[HOTLINE]
    ) as box:
        client = build_rest_client(make_settings(twilio_api_base_url=box.url))
        message_id = ring_the_nurse(database, clock)
        with database.session() as session:
            # A worker claimed it and died before its request left.
            claim(
                session,
                OutboxMessage,
                message_id,
                "pending",
                status="sending",
                claimed_at=clock.now(),
            )
            session.commit()
        clock.advance(600)
        outbox.resend_unsent(database, client, clock.now, ROOT)
        assert len(rings(box)) == 1
    with database.session() as session:
        message = session.get(OutboxMessage, message_id)
        assert message is not None and message.status == "sent"
