"""The board's live changes: which helplines a committed transaction touched, told to the open
boards of this process (``Broker``), fed by PostgreSQL's LISTEN/NOTIFY across workers and machines
(``hotline.live_postgres``), or in-process on SQLite.

A row is board-relevant when it is a request or belongs to one (it carries ``request_id``): its
calls, their events, a routing, an interpreting session, a callback... Every session of the app's
database is watched (``watch``): what it flushes names helplines, and at its commit

- on PostgreSQL, one ``pg_notify`` joins the transaction: PostgreSQL delivers it to every
  listener when, and only if, the transaction commits;
- on SQLite (the demo, one process), the broker is told after the commit.

A change whose helplines cannot be told without a query (a claimed row not loaded, a bulk UPDATE)
tells every board: a board told too often fetches its own, scoped, state once more; one told too
seldom would be wrong.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any, Protocol

from flask import Flask, current_app
from sqlalchemy import event, select, text
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker
from sqlalchemy.orm.attributes import instance_state
from sqlalchemy.orm.util import identity_key

from hotline.db import CLAIMED_ROW_OPTION, Database
from hotline.models import Request

logger = logging.getLogger(__name__)

CHANNEL = "hotline_board"
EXTENSION_KEY = "hotline_live"
EVERY = "*"  # the payload of a change for every helpline
TOUCHED_KEY = "hotline_board_touched"  # in ``Session.info``: what the transaction touched
# A payload longer than this tells every board (PostgreSQL refuses payloads past 8000 bytes).
MAX_PAYLOAD = 4000


def encode(helpline_ids: set[int] | None) -> str:
    """A notification's payload: the helplines' ids, or ``*`` for every helpline."""
    if helpline_ids is None:
        return EVERY
    payload = ",".join(str(i) for i in sorted(helpline_ids))
    return payload if len(payload) <= MAX_PAYLOAD else EVERY


def decode(payload: str) -> frozenset[int] | None:
    """The helplines a payload names; None for every helpline (also for a malformed one)."""
    try:
        return frozenset(int(part) for part in payload.split(",") if part.strip())
    except ValueError:
        return None


class Subscription:
    """One open board: the helplines it shows, and whether they changed since it last looked."""

    def __init__(self, helpline_ids: frozenset[int]) -> None:
        self.helpline_ids = helpline_ids
        self._changed = threading.Event()
        self.is_ended = False  # the process is stopping: the stream ends (the browser reopens)

    def tell(self, helpline_ids: frozenset[int] | None) -> None:
        """A commit touched these helplines (None: any)."""
        if helpline_ids is None or self.helpline_ids & helpline_ids:
            self._changed.set()

    def end(self) -> None:
        """End the stream now."""
        self.is_ended = True
        self._changed.set()

    def wait(self, timeout: float) -> bool:
        """Whether something changed within ``timeout`` seconds; the change is then taken (the
        board fetches its state after this, so a change arriving meanwhile is not lost)."""
        if self._changed.wait(timeout):
            self._changed.clear()
            return True
        return False


class Broker:
    """This process's open boards, told of each committed change of their helplines."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscriptions: set[Subscription] = set()

    def subscribe(self, helpline_ids: frozenset[int]) -> Subscription:
        """A new open board of these helplines."""
        subscription = Subscription(helpline_ids)
        with self._lock:
            self._subscriptions.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        """The board closed."""
        with self._lock:
            self._subscriptions.discard(subscription)

    def publish(self, helpline_ids: frozenset[int] | None) -> None:
        """Tell the boards of these helplines (None: every board)."""
        with self._lock:
            subscriptions = list(self._subscriptions)
        for subscription in subscriptions:
            subscription.tell(helpline_ids)

    def end_all(self) -> None:
        """End every open stream of this process (it is stopping)."""
        with self._lock:
            subscriptions = list(self._subscriptions)
        for subscription in subscriptions:
            subscription.end()

    @property
    def open_count(self) -> int:
        """How many boards are open in this process."""
        with self._lock:
            return len(self._subscriptions)


class Listener(Protocol):
    """What feeds the broker from the database across processes (PostgreSQL's LISTEN)."""

    def start(self) -> None:
        """Start listening, in a thread of this process."""

    def stop(self) -> None:
        """Stop listening."""


@dataclass
class LiveBoard:
    """The live changes of one database, for this process: its broker and its listener."""

    database: Database
    broker: Broker = field(default_factory=Broker)
    listener_factory: Any = None  # (database, broker) -> Listener, on PostgreSQL
    _listener: Listener | None = None
    _pid: int | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def subscribe(self, helpline_ids: frozenset[int]) -> Subscription:
        """An open board of these helplines; the listener starts with the first, in each worker
        process (a thread does not survive gunicorn's fork of a preloaded app)."""
        self._ensure_listener()
        return self.broker.subscribe(helpline_ids)

    def _ensure_listener(self) -> None:
        if self.listener_factory is None:
            return
        with self._lock:
            if self._listener is not None and self._pid == os.getpid():
                return
            self._listener = self.listener_factory(self.database, self.broker)
            self._pid = os.getpid()
            self._listener.start()

    def close(self) -> None:
        """Stop the listener, if it runs."""
        with self._lock:
            if self._listener is not None and self._pid == os.getpid():
                self._listener.stop()
            self._listener = None


@dataclass
class Touched:
    """What a transaction changed of the boards: helplines, requests to look up, or anything."""

    helpline_ids: set[int] = field(default_factory=set)
    request_ids: set[int] = field(default_factory=set)
    everything: bool = False

    @property
    def any(self) -> bool:
        """Whether the boards have anything to be told."""
        return bool(self.everything or self.helpline_ids or self.request_ids)


def _touched(session: Session) -> Touched:
    found = session.info.get(TOUCHED_KEY)
    if found is None:
        found = session.info[TOUCHED_KEY] = Touched()
    return found


def tell_boards(session: Session, helpline_id: int) -> None:
    """Tell this helpline's boards when the session commits: for rows written by Core
    statements (the incoming webhook's), which no flush shows."""
    _touched(session).helpline_ids.add(helpline_id)


def _note_row(session: Session, touched: Touched, row: object) -> None:
    """Note the helpline a board-relevant row belongs to, without a query."""
    state = instance_state(row)
    loaded = state.dict
    if isinstance(row, Request):
        helpline_id = loaded.get("helpline_id")
        if helpline_id is None:
            touched.everything = True
        else:
            touched.helpline_ids.add(helpline_id)
        return
    if "request_id" not in state.mapper.columns:
        return  # not about a request: not on the board
    if loaded.get("helpline_id") is not None:  # a call says its helpline itself
        touched.helpline_ids.add(loaded["helpline_id"])
        return
    request = loaded.get("request")
    if isinstance(request, Request) and request.helpline_id is not None:
        touched.helpline_ids.add(request.helpline_id)
        return
    request_id = loaded.get("request_id")
    if request_id is None:
        if "request_id" not in loaded:
            touched.everything = True  # expired: which request is unknown without a query
        return
    known = session.identity_map.get(identity_key(Request, request_id))
    if isinstance(known, Request) and known.helpline_id is not None:
        touched.helpline_ids.add(known.helpline_id)
    else:
        touched.request_ids.add(request_id)


def _after_flush(session: Session, _context: Any) -> None:
    rows = [*session.new, *session.dirty, *session.deleted]
    if not rows:
        return
    touched = _touched(session)
    for row in rows:
        _note_row(session, touched, row)


def _on_execute(state: ORMExecuteState) -> None:
    """A bulk UPDATE or DELETE of a board-relevant table (``claim`` tags the row it moves)."""
    if not (state.is_update or state.is_delete):
        return
    mapper = state.bind_mapper
    if mapper is None or not (mapper.class_ is Request or "request_id" in mapper.columns):
        return
    touched = _touched(state.session)
    row_id = state.execution_options.get(CLAIMED_ROW_OPTION)
    row = (
        state.session.identity_map.get(identity_key(mapper.class_, row_id))
        if row_id is not None
        else None
    )
    if row is None:
        touched.everything = True
    else:
        _note_row(state.session, touched, row)


def watch(database: Database, board: LiveBoard) -> None:
    """Watch every session of ``database``: its commits tell the boards what they touched."""
    postgres = database.dialect_name == "postgresql"

    def before_commit(session: Session) -> None:
        if session.in_nested_transaction():
            return  # a savepoint: the transaction's own commit tells
        session.flush()  # what the commit would flush is noted first
        touched: Touched | None = session.info.get(TOUCHED_KEY)
        if touched is None or not touched.any:
            return
        if postgres:
            session.info.pop(TOUCHED_KEY, None)
            _notify_postgres(session, touched)
        elif touched.request_ids and not touched.everything:
            touched.helpline_ids |= _helplines_of_requests(session, touched.request_ids)

    def after_commit(session: Session) -> None:
        if session.in_nested_transaction():
            return
        touched: Touched | None = session.info.pop(TOUCHED_KEY, None)
        if touched is None or not touched.any:
            return  # on PostgreSQL, the commit delivered the notification
        board.broker.publish(None if touched.everything else frozenset(touched.helpline_ids))

    def after_transaction_end(session: Session, transaction: Any) -> None:
        if transaction.parent is None:
            session.info.pop(TOUCHED_KEY, None)  # rolled back, or told already

    makers: dict[int, sessionmaker[Session]] = {
        id(maker): maker for maker in (database.sessionmaker, database.limited_sessionmaker)
    }
    for maker in makers.values():
        event.listen(maker, "after_flush", _after_flush)
        event.listen(maker, "do_orm_execute", _on_execute)
        event.listen(maker, "before_commit", before_commit)
        event.listen(maker, "after_commit", after_commit)
        event.listen(maker, "after_transaction_end", after_transaction_end)


def _helplines_of_requests(session: Session, request_ids: set[int]) -> set[int]:
    found = session.scalars(
        select(Request.helpline_id).where(Request.id.in_(request_ids)).distinct()
    )
    return set(found)


NOTIFY = text("SELECT pg_notify(:channel, :payload)")


def _notify_postgres(session: Session, touched: Touched) -> None:
    """One ``pg_notify`` in the transaction: delivered when it commits, dropped if it rolls back.
    Requests not loaded are looked up by the same statement (no extra round trip)."""
    if touched.everything or not touched.request_ids:
        known = encode(None if touched.everything else touched.helpline_ids)
        session.execute(NOTIFY, {"channel": CHANNEL, "payload": known})
        return
    session.execute(
        text(
            "SELECT pg_notify(:channel, concat_ws(',', NULLIF(:known, ''), "
            "(SELECT string_agg(DISTINCT helpline_id::text, ',') FROM requests "
            "WHERE id = ANY(:request_ids))))"
        ),
        {
            "channel": CHANNEL,
            "known": encode(touched.helpline_ids),
            "request_ids": sorted(touched.request_ids),
        },
    )


# One watch per database, whatever number of apps share it (tests build several).
_BOARDS: weakref.WeakKeyDictionary[Database, LiveBoard] = weakref.WeakKeyDictionary()
_SQLITE_BROKERS: dict[str, Broker] = {}


def init_app(app: Flask, listener_factory: Any = None) -> LiveBoard:
    """Watch the app's database and keep its live board on ``app.extensions``."""
    database: Database = app.extensions["hotline"].database
    board = _BOARDS.get(database)
    if board is None:
        if database.dialect_name == "postgresql":
            board = LiveBoard(database, listener_factory=listener_factory)
        else:
            # Apps of this process on the same SQLite file (the demo's, a test's second worker)
            # share their boards; SQLite serves one process (several processes: PostgreSQL).
            url = database.bind.engine.url.render_as_string(hide_password=True)
            broker = _SQLITE_BROKERS.setdefault(url, Broker())
            board = LiveBoard(database, broker=broker)
        watch(database, board)
        _BOARDS[database] = board
    app.extensions[EXTENSION_KEY] = board
    return board


def end_streams() -> None:
    """End every board stream of this process: a stopping worker is not held by them."""
    for board in list(_BOARDS.values()):
        board.broker.end_all()


def live_board(app: Flask | None = None) -> LiveBoard:
    """The live board of this app (the current one by default)."""
    board: LiveBoard = (app or current_app).extensions[EXTENSION_KEY]
    return board
