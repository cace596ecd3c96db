"""End-to-end fixtures: the app and the sandbox on loopback ports, talking real HTTP."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from hotline.demo import DemoStack, start_stack
from hotline.sandbox import Leg
from hotline.sandbox.clock import ManualClock
from hotline.sandbox.model import GatherWait, RecordWait
from tests.conftest import fresh_database_url
from tests.contract.openapi import load_spec
from tests.contract.rest_conformance import RestConformance

T = TypeVar("T")


@pytest.fixture(scope="module")
def e2e_database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database for this module's end-to-end tests."""
    return fresh_database_url(backend, tmp_path_factory.mktemp("e2e"))


MONDAY_MORNING = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 10:00 in Paris


@pytest.fixture
def sandbox_clock(request: pytest.FixtureRequest) -> ManualClock:
    """The clock of the sandbox and the app: timeouts fire only when the test advances it.

    A test may start it elsewhere with ``@pytest.mark.parametrize("sandbox_clock", [when],
    indirect=True)``.
    """
    start: datetime = getattr(request, "param", MONDAY_MORNING)
    return ManualClock(start)


@pytest.fixture(scope="session")
def rest_conformance() -> RestConformance:
    """Every REST request the app sends to the sandbox in the run, checked on Twilio's spec."""
    load_spec()  # read once, before any test's clock runs
    return RestConformance()


@pytest.fixture
def stack(
    e2e_database_url: str, sandbox_clock: ManualClock, rest_conformance: RestConformance
) -> Iterator[DemoStack]:
    """The demo stack (seeded app + sandbox) for one test.

    The test fails if the app sent the sandbox a REST request that Twilio's spec refuses
    (unknown path or parameter, wrong type, value outside an enum).
    """
    running = start_stack(e2e_database_url, sandbox_clock=sandbox_clock)
    wsgi = running.sandbox.wsgi_app
    wsgi.wsgi_app = rest_conformance.wrap(wsgi.wsgi_app)
    since = rest_conformance.mark()
    yield running
    running.stop()
    if rest_conformance.violations(since):
        pytest.fail(
            "the app sent REST requests Twilio's spec refuses:\n" + rest_conformance.report(since),
            pytrace=False,
        )


@pytest.fixture
def db(stack: DemoStack) -> Iterator[Session]:
    """A session on the stack's database, to read (and set up) what the app sees.

    Its engine is a plain one: the app's SQLite engine takes the write lock when a transaction
    begins, and a test polling the database must not hold that lock while the app waits on it.
    """
    engine = create_engine(stack.settings.database_url)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()


def eventually(check: Callable[[], T | None], timeout: float = 5.0, what: str = "") -> T:
    """Poll until ``check`` returns something truthy (real time); fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out waiting for {what or check}")
        time.sleep(0.01)


def repo_root() -> Path:
    """The repository's top folder."""
    return Path(__file__).resolve().parents[2]


def _let_time_pass_until(
    stack: DemoStack, done: Callable[[], bool], what: str, max_s: float, step_s: float
) -> None:
    stack.sandbox.settle()
    waited = 0.0
    while not done():
        if waited >= max_s:
            raise AssertionError(f"{what}: not after {max_s:.0f} s of sandbox time")
        stack.sandbox.clock.advance(step_s)
        stack.sandbox.settle()
        waited += step_s


def until_input(stack: DemoStack, leg: Leg, max_s: float = 120.0, step_s: float = 0.25) -> None:
    """Let sandbox time pass until `leg` waits for keys (a Gather or a Record).

    Speech takes time in the sandbox as on Twilio: a person presses once the menu has begun (a
    key pressed during a Gather's prompt interrupts it), not while a <Say> before it is said.
    """
    _let_time_pass_until(
        stack,
        lambda: isinstance(leg.wait, GatherWait | RecordWait),
        f"{leg.sid} never waited for keys",
        max_s,
        step_s,
    )


def listen(
    stack: DemoStack, leg: Leg, text: str, max_s: float = 120.0, step_s: float = 0.25
) -> None:
    """Let sandbox time pass until `leg` has heard `text` (speech takes time)."""
    _let_time_pass_until(
        stack, lambda: text in leg.heard_text(), f"{leg.sid} never heard {text!r}", max_s, step_s
    )


def until_ended(stack: DemoStack, leg: Leg, max_s: float = 120.0, step_s: float = 0.25) -> None:
    """Let sandbox time pass until `leg` has ended (its last words take time to be said)."""
    _let_time_pass_until(
        stack,
        lambda: leg.status in ("completed", "busy", "failed", "no-answer", "canceled"),
        f"{leg.sid} never ended",
        max_s,
        step_s,
    )


def until(
    stack: DemoStack,
    check: Callable[[], object],
    what: str,
    max_s: float = 120.0,
    step_s: float = 0.25,
) -> None:
    """Let sandbox time pass until `check()` holds (people take time to speak and react)."""
    _let_time_pass_until(stack, lambda: bool(check()), what, max_s, step_s)
