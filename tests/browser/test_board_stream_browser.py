"""The board is pushed, not polled: gunicorn as the Procfile runs it, with two workers, on
PostgreSQL; a nurse's board shows a call within 1 s of its webhook, whichever worker served it,
with no request for the board's state but the one each change calls for; when the stream breaks,
the board polls slowly, and takes the stream again when it comes back."""

from __future__ import annotations

import itertools
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, expect
from twilio.request_validator import RequestValidator

from hotline.db import Database, utcnow
from hotline.demo import (
    DEMO_ACCOUNT_SID,
    DEMO_AUTH_TOKEN,
    DEMO_HOTLINE_NUMBER,
    DEMO_PASSWORDS,
    seed_demo,
)
from hotline.demo_region import DEMO_SECOND_NUMBER
from tests.conftest import call_sid, fresh_database_url, postgres_url

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
NURSE = "amelie.roux@demo.e-care.fr"
STATE = "/console/api/board?"  # the state (with its ?lang=), not the stream
STREAM = "/console/api/board/stream"
ROWS = "#calls tbody tr[data-request-id]"
SIDS = itertools.count(1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def web_command(port: int) -> list[str]:
    """The Procfile's `web:` command, with two workers on this port."""
    for line in (REPO / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == "web":
            command = command.replace("${WEB_CONCURRENCY:-3}", "2")
            argv = shlex.split(command.replace("${PORT:-8000}", str(port)))
            argv[0] = str(BIN / argv[0])
            return argv
    raise AssertionError("no web: line in the Procfile")


@dataclass
class Web:
    """gunicorn serving the app, and its access log."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def worker_of(self, call: str, timeout: float = 3.0) -> str:
        """The pid of the worker that served the webhook of this call (from the access log)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.log.read_text().splitlines():
                if f"call={call}" in line:
                    found = re.search(r"<(\d+)>", line)
                    assert found, line
                    return found.group(1)
            time.sleep(0.05)
        raise AssertionError(f"no access log line for {call}: {self.log.read_text()[-2000:]}")

    def workers(self) -> list[int]:
        """The worker processes' ids (the master's children)."""
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return [int(child) for child in children]

    def call(self, to: str = DEMO_HOTLINE_NUMBER) -> str:
        """A GP's call comes in: the incoming webhook, signed as Twilio signs it."""
        sid = call_sid(next(SIDS))
        path = f"/twilio/voice/incoming?call={sid}"
        form = {
            "CallSid": sid,
            "AccountSid": DEMO_ACCOUNT_SID,
            "From": f"+336{int(sid[-8:], 16) % 10**8:08d}",
            "To": to,
            "CallStatus": "ringing",
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
        }
        signature = RequestValidator(DEMO_AUTH_TOKEN).compute_signature(self.url + path, form)
        answer = requests.post(
            self.url + path, data=form, headers={"X-Twilio-Signature": signature}, timeout=5
        )
        assert answer.status_code == 200, answer.text
        return sid


@pytest.fixture
def web(tmp_path: Path) -> Iterator[Web]:
    """The Procfile's web process with two workers, on a PostgreSQL schema holding the demo."""
    if postgres_url() is None:
        pytest.skip("TEST_DATABASE_URL is not set: the board's stream is shown on PostgreSQL")
    url = fresh_database_url("postgresql", tmp_path)
    database = Database.from_url(url)
    with database.session() as session:
        seed_demo(session, utcnow())
        session.commit()
    database.dispose()
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DATABASE_URL": url,
        "SECRET_KEY": "a-long-enough-secret-key-for-the-board-test",
        "TWILIO_ACCOUNT_SID": DEMO_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": DEMO_AUTH_TOKEN,
        "HOTLINE_NUMBER": DEMO_HOTLINE_NUMBER,
        "PUBLIC_BASE_URL": public,
        "TWILIO_API_BASE_URL": "http://127.0.0.1:9",
    }
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            web_command(port), env=env, cwd=tmp_path, stdout=output, stderr=subprocess.STDOUT
        )
    running = Web(public, process, log)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()
            try:
                if requests.get(f"{public}/healthz", timeout=1).ok:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield running
    finally:
        process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown: open streams end
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_the_board_shows_each_call_within_a_second_across_two_workers_without_polling(
    page: Page, web: Web
) -> None:
    seen: list[tuple[float, str]] = []
    page.on("request", lambda sent: seen.append((time.monotonic(), sent.url)))

    def states_since(since: float) -> list[float]:
        return [at for at, url in seen if STATE in url and at >= since]

    def streams_since(since: float) -> list[float]:
        return [at for at, url in seen if STREAM in url and at >= since]

    def shows(count: int, timeout_ms: float) -> None:
        page.wait_for_function(
            f"n => document.querySelectorAll('{ROWS}').length >= n",
            arg=count,
            polling=25,
            timeout=timeout_ms,
        )

    page.goto(f"{web.url}/console/login")
    page.fill("#email", NURSE)
    page.fill("#password", DEMO_PASSWORDS[NURSE])
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/console/board$"))
    expect(page.locator("#calls tbody")).to_contain_text("Aucun appel en cours.")
    opened = time.monotonic()
    assert len(streams_since(0)) == 1

    # Each call on the board within 1 s of its webhook, until both workers have served one: the
    # stream is held by one of them, so the other's commits reach it through PostgreSQL.
    workers: set[str] = set()
    calls = 0
    page.focus("#duty-toggle")  # where the nurse is: the pushes must not move her
    while len(workers) < 2:
        assert calls < 12, "every webhook went to the same worker"
        sid = web.call()  # answered: the call's event is committed
        committed = time.monotonic()
        calls += 1
        shows(calls, 1500)
        assert time.monotonic() - committed < 1.0, f"call {calls} shown after >1 s"
        workers.add(web.worker_of(sid))
    expect(page.locator("#board-news")).to_contain_text("Nouvel appel")  # said, politely
    assert page.evaluate("document.activeElement.id") == "duty-toggle"

    # A call to the other helpline is not hers: nothing is told to her board; and while nothing
    # happens, nothing is asked.
    quiet = time.monotonic()
    web.call(to=DEMO_SECOND_NUMBER)
    page.wait_for_timeout(3000)
    assert states_since(quiet) == []
    assert len(states_since(opened)) <= 2 * calls  # one fetch a change (two when they overlap)
    assert len(streams_since(0)) == 1  # the same stream all along
    assert page.locator(ROWS).count() == calls

    # The stream breaks (its worker dies; the way back is closed): the board polls every 10 s.
    page.route(f"**{STREAM}*", lambda route: route.abort())
    for pid in web.workers():
        os.kill(pid, signal.SIGKILL)
    broken = time.monotonic()
    web.call()
    calls += 1
    shows(calls, 15000)
    page.wait_for_timeout(max(0.0, broken + 11.5 - time.monotonic()) * 1000)
    polls = states_since(broken)
    assert 2 <= len(polls) <= 3, polls
    assert all(b - a > 8 for a, b in itertools.pairwise(polls[1:])), polls
    expect(page.locator("#updated")).to_contain_text("actualisation toutes les 10 secondes")

    # The stream comes back: calls are pushed again, and the polling stops.
    page.unroute(f"**{STREAM}*")
    expect(page.locator("#updated")).not_to_contain_text("toutes les 10 secondes", timeout=40000)
    web.call()
    committed = time.monotonic()
    calls += 1
    shows(calls, 1500)
    assert time.monotonic() - committed < 1.0
    back = time.monotonic()
    page.wait_for_timeout(2000)
    assert states_since(back) == []
