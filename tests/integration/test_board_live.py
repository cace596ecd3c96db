"""The board's live changes: a committed change of a call tells the open boards of its helpline
(PostgreSQL's LISTEN/NOTIFY, delivered after the commit and never on a rollback; in-process on
SQLite), and the board's stream says so to the browser."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, event, select
from sqlalchemy.orm import Session

from hotline.console.board_stream import STREAMS_PER_WORKER, board_events
from hotline.db import Database, claim
from hotline.live import Broker, LiveBoard, Subscription, decode, encode, live_board, watch
from hotline.live_postgres import PostgresListener
from hotline.models import Call, Helpline, Request, RequestEvent
from tests.conftest import call_sid, fresh_database_url, post_signed, voice_form
from tests.factories import T0, make_call, make_helpline, make_member, make_request, make_user
from tests.integration.test_console_access import console, sign_in

__all__ = ["console"]  # the fixture, imported for these tests

QUIET_S = 0.5  # how long a board is watched to see that it was not told


@pytest.fixture(scope="module")
def watched(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Database, LiveBoard]]:
    """A database of this module's (the tests' commits are real ones), watched; on PostgreSQL its
    listener runs."""
    url = fresh_database_url(backend, tmp_path_factory.mktemp("live"))
    database = Database.from_url(url)
    board = LiveBoard(database)
    watch(database, board)
    listener = None
    if backend == "postgresql":
        listener = PostgresListener(database, board.broker)
        listener.start()
        assert listener.listening.wait(5), "the listener did not LISTEN"
    yield database, board
    if listener is not None:
        listener.stop()
    database.dispose()


NUMBERS = itertools.count(100)


def two_helplines(database: Database) -> tuple[int, int]:
    """Two new helplines (each test its own: the database is the module's)."""
    with database.session() as session:
        first, second = (
            make_helpline(session, name=f"Ligne {n}", phone_number=f"+33561000{n:03d}")
            for n in (next(NUMBERS), next(NUMBERS))
        )
        session.commit()
        return first.id, second.id


def told(subscription: Subscription, within: float = 2.0) -> bool:
    return subscription.wait(within)


def test_a_committed_call_tells_the_boards_of_its_helpline_and_no_other(
    watched: tuple[Database, LiveBoard],
) -> None:
    database, board = watched
    first, second = two_helplines(database)
    mine, other = (
        board.broker.subscribe(frozenset({first})),
        board.broker.subscribe(frozenset({second})),
    )
    told(mine, 0.3), told(other, 0.3)  # the listener's first "look again", if any
    with database.session() as session:
        call_request = make_request(session, helpline_id=first)
        make_call(session, request_id=call_request.id, role="gp", status="ringing")
        assert not told(mine, QUIET_S), "told before the commit"
        session.commit()
    assert told(mine)
    assert not told(other, QUIET_S)


def test_a_rolled_back_change_tells_nobody_even_after_its_notification_was_issued(
    watched: tuple[Database, LiveBoard],
) -> None:
    database, board = watched
    first, _ = two_helplines(database)
    mine = board.broker.subscribe(frozenset({first}))
    told(mine, 0.3)
    bind = database.bind
    assert not isinstance(bind, Connection)

    def fail_the_commit(_conn: Connection) -> None:
        raise RuntimeError("the commit fails")

    with database.session() as session:
        make_request(session, helpline_id=first)
        event.listen(bind, "commit", fail_the_commit)  # after the session's notification
        try:
            with pytest.raises(RuntimeError):
                session.commit()
        finally:
            event.remove(bind, "commit", fail_the_commit)
        session.rollback()
    assert not told(mine, QUIET_S * 2)
    with database.session() as session:
        assert session.scalars(select(Request).where(Request.helpline_id == first)).all() == []


def test_the_notification_waits_for_the_commit(
    watched: tuple[Database, LiveBoard],
) -> None:
    database, board = watched
    first, _ = two_helplines(database)
    mine = board.broker.subscribe(frozenset({first}))
    told(mine, 0.3)
    bind = database.bind
    assert not isinstance(bind, Connection)
    before_commit: list[bool] = []

    def look(_conn: Connection) -> None:  # the session has notified; the database not committed
        before_commit.append(told(mine, QUIET_S))

    with database.session() as session:
        make_request(session, helpline_id=first)
        event.listen(bind, "commit", look)
        try:
            session.commit()
        finally:
            event.remove(bind, "commit", look)
    assert before_commit == [False]
    assert told(mine)


def test_an_event_of_a_request_not_loaded_and_a_claimed_call_tell_its_helpline(
    watched: tuple[Database, LiveBoard],
) -> None:
    database, board = watched
    first, second = two_helplines(database)
    with database.session() as session:
        call_request = make_request(session, helpline_id=second)
        call = make_call(session, request_id=call_request.id, status="ringing")
        session.commit()
        request_id, call_id = call_request.id, call.id
    mine, other = (board.broker.subscribe(frozenset({h})) for h in (first, second))
    told(mine, 0.3), told(other, 0.3)
    with database.session() as session:  # the request is not in this session
        session.add(RequestEvent(request_id=request_id, at=T0, kind="note", detail={}))
        session.commit()
    assert told(other)
    assert not told(mine, QUIET_S)
    with database.session() as session:
        loaded = session.get(Call, call_id)  # loaded: its helpline is known
        assert loaded is not None
        assert claim(session, Call, call_id, "ringing", status="in-progress")
        session.commit()
    assert told(other)
    assert not told(mine, QUIET_S)


def test_a_change_that_is_no_boards_business_tells_nobody(
    watched: tuple[Database, LiveBoard],
) -> None:
    database, board = watched
    first, _ = two_helplines(database)
    anyone = board.broker.subscribe(frozenset({first}))
    told(anyone, 0.3)
    with database.session() as session:
        make_user(session, "nurse", "someone@example.org")
        session.commit()
    assert not told(anyone, QUIET_S)


def test_payloads_name_helplines_or_everyone() -> None:
    assert encode({3, 1}) == "1,3"
    assert decode("1,3") == frozenset({1, 3})
    assert encode(None) == "*"
    assert decode("*") is None
    assert decode("") == frozenset()


def test_the_stream_says_changed_then_beats_and_ends_and_lets_go() -> None:
    broker = Broker()
    beats: list[int] = []
    at = [0.0]
    events = board_events(
        lambda: broker.subscribe(frozenset({1})),
        broker.unsubscribe,
        lambda: beats.append(1),
        heartbeat_s=0.01,
        lifetime_s=0.1,
        clock=lambda: at[0],
    )
    assert next(events).endswith("event: changed\ndata: changed\n\n")
    assert broker.open_count == 1
    broker.publish(frozenset({2}))  # another helpline: a heartbeat, not a change
    assert next(events) == ": heartbeat\n\n"
    broker.publish(frozenset({1}))
    assert next(events) == "event: changed\ndata: changed\n\n"
    at[0] = 0.2
    assert list(events) == []  # its lifetime is over: the browser opens another
    assert beats == [1]
    assert broker.open_count == 0


def test_a_stopping_worker_ends_its_streams_at_once() -> None:
    broker = Broker()
    events = board_events(
        lambda: broker.subscribe(frozenset({1})), broker.unsubscribe, lambda: None
    )
    next(events)
    broker.end_all()  # what the gunicorn hook does on SIGTERM, SIGINT, SIGQUIT
    assert list(events) == []
    assert broker.open_count == 0


@pytest.fixture
def nurse_console(console: FlaskClient, session: Session) -> tuple[FlaskClient, Helpline]:
    helpline = make_helpline(session)
    make_helpline(session, name="Ariège", phone_number="+33561000001")
    nurse = make_user(session, "nurse", "nurse@example.org")
    make_member(session, nurse, helpline, "nurse")
    assert sign_in(console, "nurse@example.org") == 302
    return console, helpline


def test_the_nurses_stream_is_told_of_a_call_to_her_helpline(
    app: Flask, backend: str, nurse_console: tuple[FlaskClient, Helpline]
) -> None:
    if backend == "postgresql":
        pytest.skip("the test's transaction is never committed: no NOTIFY (see the browser test)")
    console, helpline = nurse_console
    response = console.get("/console/api/board/stream", buffered=False)
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    chunks = iter(response.response)
    assert b"event: changed" in next(chunks)
    board = live_board(app)
    assert [s.helpline_ids for s in board.broker._subscriptions] == [frozenset({helpline.id})]
    assert (
        post_signed(
            app.test_client(), "/twilio/voice/incoming", voice_form(call_sid(7))
        ).status_code
        == 200
    )
    assert next(chunks) == b"event: changed\ndata: changed\n\n"
    response.close()
    assert board.broker.open_count == 0


def test_a_worker_holding_its_share_of_streams_refuses_one_more(
    app: Flask, nurse_console: tuple[FlaskClient, Helpline]
) -> None:
    console, _ = nurse_console
    broker = live_board(app).broker
    held = [broker.subscribe(frozenset({1})) for _ in range(STREAMS_PER_WORKER)]
    response = console.get("/console/api/board/stream")
    assert response.status_code == 503
    for subscription in held:
        broker.unsubscribe(subscription)


def test_a_stream_without_a_session_is_refused_not_redirected(console: FlaskClient) -> None:
    # EventSource follows redirects: the sign-in page would take the page's flashed messages.
    assert console.get("/console/api/board/stream").status_code == 401
