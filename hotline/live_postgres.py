"""PostgreSQL's LISTEN for the board: one thread per worker process, on a connection of its own,
fanning each notification out to the process's open boards; it reconnects when the connection is
lost (and then tells every board to look again: what happened meanwhile was not heard)."""

from __future__ import annotations

import logging
import threading

import psycopg
from sqlalchemy import Connection, Engine

from hotline.db import CONNECT_TIMEOUT_S, Database
from hotline.live import CHANNEL, Broker, decode

logger = logging.getLogger(__name__)

WAIT_S = 1.0  # how long one wait for notifications lasts (the stop flag is read between them)
CHECK_AFTER_S = 15.0  # a silent connection is checked this often, so a dead one is noticed
RETRY_MIN_S, RETRY_MAX_S = 0.5, 10.0


def conninfo(database: Database) -> str:
    """libpq's URL of the database (SQLAlchemy's, without the driver's name)."""
    bind = database.bind
    engine = bind.engine if isinstance(bind, Connection) else bind
    assert isinstance(engine, Engine)
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


class PostgresListener:
    """LISTEN on the board's channel in a daemon thread, publishing what it hears."""

    def __init__(self, database: Database, broker: Broker) -> None:
        self._conninfo = conninfo(database)
        self._broker = broker
        self._stopping = threading.Event()
        self.listening = threading.Event()  # set while the LISTEN holds (tests wait on it)
        self._thread = threading.Thread(target=self._run, name="board-listener", daemon=True)

    def start(self) -> None:
        """Start listening."""
        self._thread.start()

    def stop(self) -> None:
        """Stop listening (within one wait)."""
        self._stopping.set()
        self._thread.join(timeout=WAIT_S * 3)

    def _run(self) -> None:
        delay = RETRY_MIN_S
        while not self._stopping.is_set():
            try:
                with psycopg.connect(
                    self._conninfo, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S
                ) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    self.listening.set()
                    # Boards may have missed changes while nobody listened: all look again.
                    self._broker.publish(None)
                    delay = RETRY_MIN_S
                    self._listen(connection)
            except (psycopg.Error, OSError) as error:
                logger.warning("board listener: %s; reconnecting in %.1f s", error, delay)
            finally:
                self.listening.clear()
            if self._stopping.wait(delay):
                return
            delay = min(delay * 2, RETRY_MAX_S)

    def _listen(self, connection: psycopg.Connection[tuple[object, ...]]) -> None:
        silent_s = 0.0
        while not self._stopping.is_set():
            heard = False
            for notification in connection.notifies(timeout=WAIT_S):
                heard = True
                self._broker.publish(decode(notification.payload))
            silent_s = 0.0 if heard else silent_s + WAIT_S
            if silent_s >= CHECK_AFTER_S:
                connection.execute("SELECT 1")  # raises when the server is gone
                silent_s = 0.0
