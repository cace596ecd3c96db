"""The clock process: two clocks fire each due callback once; a killed clock loses nothing;
the retention purge keeps the counts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from callbacks.jobs import fire_due_callbacks, purge_old_records
from callbacks.models import CallbackTask
from hotline.app import create_app
from hotline.db import Database
from hotline.demo import ThreadedServer
from hotline.models import Call, OutboxMessage, Request
from hotline.outbox import resend_unsent
from hotline.sandbox import Sandbox
from hotline.telephony.client import build_rest_client
from tests.conftest import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    HOTLINE_NUMBER,
    fresh_database_url,
    make_settings,
)
from tests.factories import (
    make_call,
    make_callback_task,
    make_helpline,
    make_request,
    make_shift,
    make_user,
)

NURSE_PHONE = "+33600000001"
TASKS = 1000


class Platform:
    """A database, the web app and a sandbox, as a clock process finds them in production."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.database = Database.from_url(url)
        self.sandbox = Sandbox(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN)
        self.sandbox_url = self.sandbox.start()
        self.nurse = self.sandbox.person(NURSE_PHONE)
        self.server = ThreadedServer()
        self.settings = make_settings(
            database_url=url, public_base_url=self.server.url, twilio_api_base_url=self.sandbox_url
        )
        self.app = create_app(self.settings, database=self.database)
        self.server.serve(self.app)
        # The helpline's number is the account's: calls placed from it are allowed (21210).
        self.sandbox.add_number(HOTLINE_NUMBER, f"{self.server.url}/twilio/voice/incoming")

    def seed(self, count: int) -> None:
        now = datetime.now(UTC)
        with self.database.session() as session:
            helpline = make_helpline(session, opening_hours="mon-sun 00:00-24:00")
            nurse = make_user(session, "nurse", display_name="Amélie Roux", phone=NURSE_PHONE)
            make_shift(
                session,
                nurse,
                helpline,
                starts_at=now - timedelta(hours=1),
                ends_at=now + timedelta(hours=8),
            )
            session.execute(
                insert(Request),
                [
                    {
                        "reference": f"2026-{n:05d}",
                        "helpline_id": helpline.id,
                        "opened_at": now,
                        "caller_number": f"+3361{n:07d}",
                    }
                    for n in range(1, count + 1)
                ],
            )
            ids = session.scalars(select(Request.id).order_by(Request.id)).all()
            session.execute(
                insert(CallbackTask),
                [
                    {
                        "request_id": rid,
                        "phone": f"+3361{n:07d}",
                        "reason": "requested",
                        "due_at": now - timedelta(minutes=1),
                        "status": "pending",
                        "created_at": now,
                    }
                    for n, rid in enumerate(ids, start=1)
                ],
            )
            session.commit()

    def clock_process(self) -> subprocess.Popen[bytes]:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "DATABASE_URL": self.url,
            "SECRET_KEY": self.settings.secret_key,
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "HOTLINE_NUMBER": HOTLINE_NUMBER,
            "PUBLIC_BASE_URL": self.server.url,
            "TWILIO_API_BASE_URL": self.sandbox_url,
            "CLOCK_TICK_S": "0.2",
        }
        return subprocess.Popen(
            [sys.executable, "-m", "callbacks"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def fired(self) -> int:
        with self.database.session() as session:
            return (
                # Fired: an attempt started (a nurse who does not answer sends it back to pending).
                session.scalar(
                    select(func.count(CallbackTask.id)).where(CallbackTask.attempts >= 1)
                )
                or 0
            )

    def wait_fired(self, at_least: int, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while (fired := self.fired()) < at_least and time.monotonic() < deadline:
            time.sleep(0.1)
        return fired

    def stop(self) -> None:
        self.sandbox.stop()
        self.server.stop()
        self.app.extensions["hotline"].close()


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[Platform]:
    running = Platform(fresh_database_url("postgresql", tmp_path))
    yield running
    running.stop()


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def assert_each_fired_once(platform: Platform) -> None:
    with platform.database.session() as session:
        attempts = session.scalars(select(CallbackTask.attempts)).all()
        assert len(attempts) == TASKS
        assert set(attempts) == {1}, "a callback was claimed twice"
        rings = session.scalars(
            select(OutboxMessage).where(OutboxMessage.dedupe_key.like("cb-nurse:%"))
        ).all()
        assert len(rings) == TASKS
        assert {m.status for m in rings} == {"sent"}
        sids = [m.result["sid"] for m in rings if m.result]
    assert len(set(sids)) == TASKS
    legs = {leg.sid for leg in platform.nurse.legs}
    assert len(legs) == TASKS, "the nurse was rung a number of times other than once per task"
    assert set(sids) == legs


def test_two_clocks_on_one_postgresql_fire_each_of_1000_callbacks_exactly_once(
    platform: Platform,
) -> None:
    platform.seed(TASKS)
    started = time.monotonic()
    clocks = [platform.clock_process(), platform.clock_process()]
    try:
        assert platform.wait_fired(TASKS, timeout=60) == TASKS
        # Both keep running for the rest of the minute: nothing more may happen.
        time.sleep(max(0.0, 60 - (time.monotonic() - started)))
        assert all(process.poll() is None for process in clocks)
    finally:
        for process in clocks:
            stop(process)
    assert_each_fired_once(platform)


def test_a_clock_killed_mid_run_and_restarted_loses_and_doubles_nothing(platform: Platform) -> None:
    platform.seed(TASKS)
    first = platform.clock_process()
    try:
        assert platform.wait_fired(200, timeout=30) >= 200
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        assert platform.fired() < TASKS
    finally:
        stop(first)
    second = platform.clock_process()
    try:
        # No time bound is promised for the restarted clock's catch-up; a loaded machine is slow.
        fired = platform.wait_fired(TASKS, timeout=150)
        with platform.database.session() as session:
            states = session.execute(
                select(
                    CallbackTask.status, CallbackTask.attempts, func.count(CallbackTask.id)
                ).group_by(CallbackTask.status, CallbackTask.attempts)
            ).all()
        assert fired == TASKS, states
    finally:
        stop(second)
    # An intent the killed clock had claimed is settled by the next runs, after the stale
    # window: its CreateCall is looked up at the sandbox (made: its SID is recorded; not made:
    # it is sent now). Nobody is rung twice, nobody is forgotten.
    later = datetime.now(UTC) + timedelta(minutes=11)
    client = build_rest_client(platform.settings)
    resend_unsent(platform.database, client, lambda: later, platform.server.url)
    fire_due_callbacks(platform.database, client, lambda: later, platform.server.url)
    with platform.database.session() as session:
        stuck = session.scalars(
            select(OutboxMessage).where(OutboxMessage.status.in_(("pending", "sending")))
        ).all()
        assert stuck == []
        attempts = session.scalars(select(CallbackTask.attempts)).all()
        assert len(attempts) == TASKS and set(attempts) == {1}
        sent = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.dedupe_key.like("cb-nurse:%"), OutboxMessage.status == "sent"
            )
        ).all()
    per_task = [m.dedupe_key.split(":")[1] for m in sent if m.dedupe_key]
    assert sorted(set(per_task)) == sorted(per_task) and len(per_task) == TASKS
    legs = {leg.sid for leg in platform.nurse.legs}
    assert {m.result["sid"] for m in sent if m.result} == legs
    assert len(legs) == TASKS, f"{len(legs)} rings for {TASKS} callbacks"


def test_the_retention_purge_removes_numbers_and_free_text_and_keeps_the_counts(
    tmp_path: Path, backend: str
) -> None:
    url = fresh_database_url(backend, tmp_path)
    database = Database.from_url(url)
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    with database.session() as session:
        helpline = make_helpline(session)
        for n, age_days in enumerate([1000, 800, 30]):
            request = make_request(
                session,
                helpline,
                reference=f"2026-{n:05d}",
                opened_at=now - timedelta(days=age_days),
                caller_number="+33612345678",
                notes="Suivi social à prévoir",
                category="orientation",
                outcome="resolved",
            )
            make_call(
                session,
                sid=f"CA{n:032d}",
                request_id=request.id,
                from_number="+33612345678",
                to_number=HOTLINE_NUMBER,
                duration_s=120,
            )
            make_callback_task(
                session,
                request,
                phone="+33612345678",
                due_at=now,
                recording_url="https://api.twilio.com/rec",
            )
        session.commit()

    def counts() -> tuple[int, int, int, list[str | None]]:
        with database.session() as session:
            return (
                session.scalar(select(func.count(Request.id))) or 0,
                session.scalar(select(func.sum(Call.duration_s))) or 0,
                session.scalar(select(func.count(CallbackTask.id))) or 0,
                sorted(session.scalars(select(Request.category)).all(), key=str),
            )

    before = counts()
    assert purge_old_records(database, lambda: now, months=24) == 2
    assert purge_old_records(database, lambda: now, months=24) == 0
    assert counts() == before
    with database.session() as session:
        old, old2, recent = session.scalars(select(Request).order_by(Request.opened_at)).all()
        assert old.caller_number is None and old.notes is None and old2.caller_number is None
        assert recent.caller_number == "+33612345678" and recent.notes == "Suivi social à prévoir"
        numbers = session.scalars(select(Call.from_number).order_by(Call.id)).all()
        assert numbers == [None, None, "+33612345678"]
        phones = session.scalars(select(CallbackTask.phone).order_by(CallbackTask.id)).all()
        assert phones == [None, None, "+33612345678"]
    database.dispose()
