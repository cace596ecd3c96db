"""Two interpreters press 1 at the same moment: exactly one is bridged, on both databases."""

from __future__ import annotations

import threading
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
from sqlalchemy import select

from hotline.app import create_app
from hotline.db import Database
from hotline.demo import ThreadedServer
from hotline.models import Helpline, Request
from interpreter_pool.admin import add_interpreter
from interpreter_pool.models import InterpretingSession
from tests.conftest import (
    ACCOUNT_SID,
    HOTLINE_NUMBER,
    RecordingDispatcher,
    call_sid,
    fresh_database_url,
    make_settings,
    twilio_signature,
)

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ROUNDS = 8


def test_two_interpreters_pressing_1_together_only_one_is_bridged(
    backend: str, tmp_path: Path
) -> None:
    url = fresh_database_url(backend, tmp_path)
    database = Database.from_url(url)
    with database.session() as session:
        helpline = Helpline(name="Permanence", phone_number=HOTLINE_NUMBER)
        session.add(helpline)
        session.flush()
        first = add_interpreter(session, "Samira Haddad", "+33610000001", ["ar"])
        second = add_interpreter(session, "Youssef Amrani", "+33610000002", ["ar"])
        session_ids = []
        for n in range(ROUNDS):
            request = Request(reference=f"2026-{n + 1:05d}", helpline_id=helpline.id, opened_at=T0)
            session.add(request)
            session.flush()
            interpreting = InterpretingSession(
                request_id=request.id,
                language="ar",
                conference_name=f"req-{request.id}",
                strategy="all",
                plan=[[{"interpreter_id": first.id}, {"interpreter_id": second.id}]],
                requested_at=T0,
                deadline_at=T0 + timedelta(minutes=2),
            )
            session.add(interpreting)
            session.flush()
            session_ids.append(interpreting.id)
        interpreter_ids = [first.id, second.id]
        session.commit()

    server = ThreadedServer()
    settings = make_settings(database_url=url, public_base_url=server.url)
    app = create_app(
        settings, database=database, clock=lambda: T0 + timedelta(seconds=9),
        dispatcher=RecordingDispatcher(),
    )  # fmt: skip
    server.serve(app)
    try:
        for round_, session_id in enumerate(session_ids):
            answers = press_1_together(server.url, session_id, interpreter_ids, round_)
            joined = [a for a in answers if a.find("./Dial/Conference") is not None]
            taken = [a for a in answers if "déjà été pris" in "".join(a.itertext())]
            assert len(joined) == 1, f"round {round_}: {len(joined)} bridged"
            assert len(taken) == 1
            with database.session() as session:
                found = session.get(InterpretingSession, session_id)
                assert found is not None
                assert found.status == "connected"
                assert found.time_to_connect_s == 9
                assert found.connected_call_sid in {call_sid(round_ * 10 + n) for n in (1, 2)}
    finally:
        server.stop()
        database.dispose()
    with Database.from_url(url).session() as session:
        connected = session.scalars(
            select(InterpretingSession).where(InterpretingSession.status == "connected")
        ).all()
        assert len(connected) == ROUNDS


def press_1_together(
    base: str, session_id: int, interpreter_ids: list[int], round_: int
) -> list[ET.Element]:
    barrier = threading.Barrier(len(interpreter_ids))
    answers: list[ET.Element] = []

    def press(n: int, interpreter_id: int) -> None:
        path = (
            f"/twilio/interpreting/accept?session={session_id}&step=0&interpreter={interpreter_id}"
        )
        form = {
            "CallSid": call_sid(round_ * 10 + n),
            "AccountSid": ACCOUNT_SID,
            "From": HOTLINE_NUMBER,
            "To": f"+3361000000{n}",
            "CallStatus": "in-progress",
            "Direction": "outbound-api",
            "Digits": "1",
        }
        signature = twilio_signature(base + path, form)
        barrier.wait()
        response = requests.post(
            base + path, data=form, headers={"X-Twilio-Signature": signature}, timeout=10
        )
        assert response.status_code == 200
        answers.append(ET.fromstring(response.content))

    threads = [
        threading.Thread(target=press, args=(n, interpreter_id))
        for n, interpreter_id in enumerate(interpreter_ids, start=1)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers
