"""A Twilio that takes 2 s to answer CreateCall: the GP's key 2 is answered without waiting for
it, and the nurse is rung all the same, after the answer (the outbox's sender, not the view)."""

from __future__ import annotations

import json
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hotline.app import create_app
from hotline.db import Database
from hotline.models import OutboxMessage
from tests.conftest import (
    Clock,
    call_sid,
    fresh_database_url,
    make_settings,
    post_signed,
    voice_form,
)
from tests.e2e.conftest import eventually
from tests.integration.test_nurse_routing import set_up_rota

TWILIO_DELAY_S = 2.0
RING_SID = "CA" + "5" * 32


class SlowTwilio:
    """Twilio's CreateCall on a loopback port, answering after ``delay_s``; notes when."""

    def __init__(self, delay_s: float) -> None:
        self.delay_s = delay_s
        self.received_at: list[float] = []
        self.answered_at: list[float] = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                stand_in.received_at.append(time.monotonic())
                time.sleep(stand_in.delay_s)
                body = json.dumps({"sid": RING_SID, "status": "queued"}).encode()
                self.send_response(201 if self.path.endswith("/Calls.json") else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                stand_in.answered_at.append(time.monotonic())

            def log_message(self, *_args: Any) -> None:
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> SlowTwilio:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def database(backend: str, tmp_path: Path) -> Iterator[Database]:
    """A migrated database of the test's own (the outbox's sender opens its own sessions)."""
    database = Database.from_url(fresh_database_url(backend, tmp_path))
    yield database
    database.dispose()


def test_key_2_is_answered_before_a_slow_twilio_answers_and_the_nurse_is_rung_after(
    database: Database, clock: Clock
) -> None:
    with SlowTwilio(TWILIO_DELAY_S) as twilio:
        settings = make_settings(twilio_api_base_url=twilio.url)
        app = create_app(settings, database=database, clock=clock)  # the real outbox sender
        with database.session() as session:
            set_up_rota(session)
        client = app.test_client()
        post_signed(client, "/twilio/voice/incoming", voice_form(call_sid(1)))
        form = voice_form(call_sid(1), CallStatus="in-progress", Digits="2")

        started = time.monotonic()
        response = post_signed(client, "/twilio/voice/menu?attempt=1", form)
        answered = time.monotonic()

        assert response.status_code == 200
        assert ET.fromstring(response.data).find("./Dial/Conference") is not None
        # The GP's answer did not wait for Twilio's: it left well before Twilio answered.
        assert answered - started < TWILIO_DELAY_S / 2
        assert twilio.answered_at == []

        def ring_sent() -> OutboxMessage | None:
            with database.session() as session:
                message = session.scalars(select(OutboxMessage)).one()
                return message if message.status == "sent" else None

        ring = eventually(ring_sent, timeout=TWILIO_DELAY_S + 5, what="the ring sent")
        assert ring.result is not None and ring.result["sid"] == RING_SID
        [asked] = twilio.received_at
        [done] = twilio.answered_at
        assert asked >= started
        assert done - answered > TWILIO_DELAY_S / 2  # Twilio answered long after the GP was
        app.extensions["hotline"].close()
