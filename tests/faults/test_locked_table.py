"""A table locked by another session: the caller still hears the fallback in time."""

from __future__ import annotations

import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from sqlalchemy import Engine, text

from hotline.app import create_app
from hotline.db import make_engine
from tests.conftest import call_sid, fresh_database_url, make_settings, post_signed, voice_form


class hold_lock:  # noqa: N801 (a context manager read as a phrase)
    """Another session holds a lock from its own thread, for at most ``hold_s`` seconds."""

    def __init__(self, engine: Engine, statement: str, hold_s: float = 10.0) -> None:
        self.engine, self.statement, self.hold_s = engine, statement, hold_s
        self.taken, self.release = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._hold, daemon=True)

    def _hold(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text(self.statement))
            self.taken.set()
            # Released by the test, or after hold_s: a webhook without a limit waits till then.
            self.release.wait(self.hold_s)
            conn.rollback()

    def __enter__(self) -> None:
        self.thread.start()
        assert self.taken.wait(10)

    def __exit__(self, *_exc: object) -> None:
        self.release.set()
        self.thread.join()


def test_with_the_requests_table_locked_the_incoming_call_hears_the_fallback_within_5_s(
    tmp_path: Path,
) -> None:
    url = fresh_database_url("postgresql", tmp_path)
    app = create_app(make_settings(database_url=url))
    locker = make_engine(url)
    try:
        with hold_lock(locker, "LOCK TABLE requests IN ACCESS EXCLUSIVE MODE"):
            started = time.monotonic()
            response = post_signed(
                app.test_client(), "/twilio/voice/incoming", voice_form(call_sid(1))
            )
            elapsed = time.monotonic() - started
    finally:
        locker.dispose()
        app.extensions["hotline"].close()
    assert elapsed < 5, f"answered after {elapsed:.1f} s"
    assert response.status_code == 200
    document = ET.fromstring(response.data)
    dial = document.find("./Dial")
    assert dial is not None
    assert (dial.text or "").strip() == "+33561999999"
    assert "problème technique" in "".join(document.itertext())


def test_a_sqlite_webhook_waits_for_a_writer_no_longer_than_its_busy_timeout(
    tmp_path: Path,
) -> None:
    url = fresh_database_url("sqlite", tmp_path)
    app = create_app(make_settings(database_url=url))
    locker = make_engine(url)
    try:
        # SELECT opens a transaction with BEGIN IMMEDIATE: the write lock is held.
        with hold_lock(locker, "SELECT 1"):
            started = time.monotonic()
            response = post_signed(
                app.test_client(), "/twilio/voice/incoming", voice_form(call_sid(1))
            )
            elapsed = time.monotonic() - started
    finally:
        locker.dispose()
        app.extensions["hotline"].close()
    assert elapsed < 5, f"answered after {elapsed:.1f} s"
    assert response.status_code == 200
    assert "problème technique" in "".join(ET.fromstring(response.data).itertext())
