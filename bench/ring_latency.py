"""Key press to ring: how long a GP waits between pressing a key and the phone ringing.

Run: .venv/bin/python bench/ring_latency.py [--calls N] [--timeout S]

Starts the demo stack (app + sandbox, real HTTP, SQLite in a temporary folder), then for each
call: Dr Martin presses 2 and the time until the nurse's phone rings is measured; then another
call presses 1 and the key of Arabic, and the time until the first interpreter's phone rings.

The sandbox speaks in real time (a <Say> lasts as long as its text, hotline/sandbox/speech.py) and
a key pressed during a top-level <Say> is lost: the GP presses only once the menu's <Gather> is
prompting and its "tapez N" has been heard (barge-in, as tests/e2e's ``until_input`` and
``listen`` wait). The greeting and menus before the press are skipped by jumping the sandbox's
clock forward; from the key press on, the clock runs in real time and nothing is skipped.

Each figure is printed beside its floor: what the two HTTP hops between the key press and the
ring cost on this machine without any work in the app (the sandbox posts the key to the app's
webhook, the app asks the sandbox's REST API to ring the phone): the median round trip of the
app's /healthz plus that of a REST read on the sandbox, through the same servers. Nothing is said
before the phones ring: the nurse and interpreters are rung while the GP hears that they are being
called. A call whose phone does not ring within --timeout seconds is counted as failed, reported,
and the run exits with status 1. Prints figures only.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import re
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from hotline.demo import DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN, DemoStack, start_stack
from hotline.sandbox import Leg, Person
from hotline.sandbox.model import GatherWait

# Monday 10:00 in Paris: the nurse is on duty and interpreters are called, whenever the bench runs.
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
GP_NUMBER = "06 12 34 56 78"
NURSE = "+33600000001"
SAMIRA = "+33610000001"  # the first Arabic interpreter of the demo
DEFAULT_CALLS = 20
MAX_CALLS = 1000
DEFAULT_TIMEOUT_S = 30.0
# Skipping ahead to the menu: sandbox seconds per jump, at most this many sandbox seconds.
SKIP_STEP_S = 0.25
SKIP_MAX_S = 120.0
FLOOR_SAMPLES = 50
HTTP_TIMEOUT_S = 10.0


class SkippingClock:
    """Real time from START, plus the jumps ``advance`` makes (to skip what is said before a key).

    Between jumps the sandbox's timers fire as real time passes, as with ``RealClock``.
    """

    is_manual = False

    def __init__(self, start: datetime) -> None:
        self._start = start
        self._origin = time.monotonic()
        self._skipped = 0.0
        self._lock = threading.Lock()
        self._listeners: list[Callable[[], None]] = []

    def now(self) -> datetime:
        """START, plus the real time since the clock was made, plus every jump."""
        with self._lock:
            skipped = self._skipped
        return self._start + timedelta(seconds=time.monotonic() - self._origin + skipped)

    def advance(self, seconds: float) -> None:
        """Jump forward by `seconds` and wake the sandbox's timers."""
        with self._lock:
            self._skipped += seconds
            listeners = list(self._listeners)
        for listener in listeners:
            listener()

    def subscribe(self, listener: Callable[[], None]) -> None:
        """Register a callback run after every jump."""
        with self._lock:
            self._listeners.append(listener)


class CallFailedError(Exception):
    """One call of the bench did not get where it should, in time."""


@dataclass
class Series:
    """Milliseconds from the key press to the ring, the floor, and the calls that failed."""

    name: str
    floor_ms: float
    waits_ms: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def percentile(values: Sequence[float], pct: float) -> float:
    """The nearest-rank percentile (nan when there is no value)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def skip_until(stack: DemoStack, done: Callable[[], bool], what: str) -> None:
    """Jump the sandbox's clock forward until `done()` holds (at most SKIP_MAX_S sandbox s)."""
    clock = stack.sandbox.clock
    stack.sandbox.settle()
    skipped = 0.0
    while not done():
        if skipped >= SKIP_MAX_S:
            raise CallFailedError(f"{what}: not after {SKIP_MAX_S:.0f} s of sandbox time")
        clock.advance(SKIP_STEP_S)
        stack.sandbox.settle()
        skipped += SKIP_STEP_S


def until_prompted(stack: DemoStack, leg: Leg, text: str) -> None:
    """Skip ahead until `leg` waits for keys in a Gather and has heard `text` (its prompt)."""
    skip_until(
        stack,
        lambda: isinstance(leg.wait, GatherWait) and text in leg.heard_text(),
        f"{leg.sid} never prompted with {text!r}",
    )


def press_and_time(leg: Leg, key: str, person: Person, timeout_s: float) -> float:
    """Press `key` on `leg`; milliseconds (real time) until a new leg rings at `person`."""
    before = len(person.legs)
    pressed = time.monotonic()
    leg.press(key)
    deadline = pressed + timeout_s
    while len(person.legs) == before:
        if time.monotonic() >= deadline:
            raise CallFailedError(f"{person.address} did not ring within {timeout_s:g} s")
        time.sleep(0.001)
    return (time.monotonic() - pressed) * 1000


def nurse_call(stack: DemoStack, nurse: Person, timeout_s: float) -> float:
    """Dr Martin calls, presses 2 once the menu offers it: ms until the nurse's phone rings."""
    gp = stack.sandbox.place_call(from_=GP_NUMBER, to=stack.settings.hotline_number)
    try:
        until_prompted(stack, gp, "tapez 2")
        return press_and_time(gp, "2", nurse, timeout_s)
    finally:
        hang_up(stack, gp)


def interpreter_call(stack: DemoStack, interpreter: Person, timeout_s: float) -> float:
    """Dr Martin calls, presses 1 then Arabic's key: ms until the interpreter's phone rings."""
    gp = stack.sandbox.place_call(from_=GP_NUMBER, to=stack.settings.hotline_number)
    try:
        until_prompted(stack, gp, "tapez 1")
        gp.press("1")
        until_prompted(stack, gp, "Pour l'arabe, tapez")
        digit = re.search(r"Pour l'arabe, tapez (\d)", gp.heard_text())
        if digit is None:
            raise CallFailedError("the language menu offers no key for Arabic")
        return press_and_time(gp, digit.group(1), interpreter, timeout_s)
    finally:
        hang_up(stack, gp)


def hang_up(stack: DemoStack, leg: Leg) -> None:
    """The GP hangs up; let the app stop ringing the others."""
    leg.hang_up()
    with contextlib.suppress(TimeoutError):  # the next call's own waits are bounded too
        stack.sandbox.settle()


def round_trip_ms(http: requests.Session, url: str, auth: tuple[str, str] | None = None) -> float:
    """Median milliseconds of FLOOR_SAMPLES GETs of `url` (after one not measured)."""
    samples = []
    for index in range(FLOOR_SAMPLES + 1):
        started = time.perf_counter()
        http.get(url, auth=auth, timeout=HTTP_TIMEOUT_S).raise_for_status()
        if index:
            samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def floor_ms(stack: DemoStack) -> float:
    """Two loopback hops doing nothing: the app's /healthz, then a REST read on the sandbox."""
    calls = f"{stack.sandbox.url}/2010-04-01/Accounts/{DEMO_ACCOUNT_SID}/Calls.json?PageSize=1"
    with requests.Session() as http:
        webhook = round_trip_ms(http, f"{stack.settings.public_root}/healthz")
        rest = round_trip_ms(http, calls, (DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN))
    return webhook + rest


def run(stack: DemoStack, calls: int, timeout_s: float) -> list[Series]:
    """Measure `calls` nurse calls and `calls` interpreter calls, one after the other."""
    floor = floor_ms(stack)
    nurse_series = Series("press 2 → nurse rings", floor)
    interpreter_series = Series("language key → interpreter", floor)
    nurse = stack.sandbox.person(NURSE)
    samira = stack.sandbox.person(SAMIRA)
    # Not measured: the first calls pay for imports, connections and compiled statements.
    for series, measure, person in (
        (nurse_series, nurse_call, nurse),
        (interpreter_series, interpreter_call, samira),
    ):
        try:
            measure(stack, person, timeout_s)
        except (CallFailedError, TimeoutError) as error:
            series.failures.append(f"warm-up call: {error}")
    for index in range(calls):
        for series, measure, person in (
            (nurse_series, nurse_call, nurse),
            (interpreter_series, interpreter_call, samira),
        ):
            try:
                series.waits_ms.append(measure(stack, person, timeout_s))
            except (CallFailedError, TimeoutError) as error:
                series.failures.append(f"call {index + 1}: {error}")
    return [nurse_series, interpreter_series]


def print_table(series: Sequence[Series], calls: int) -> None:
    """One line per series: calls measured and failed, p50/p95/max/mean, floor, p50 over it."""
    header = (
        f"{'series':<28}{'ok':>5}{'failed':>8}{'p50':>9}{'p95':>9}{'max':>9}{'mean':>9}"
        f"{'floor':>9}{'p50-floor':>11}"
    )
    print(f"{calls} calls each, milliseconds from the key press to the phone ringing")
    print(header)
    print("-" * len(header))
    for s in series:
        values = s.waits_ms
        p50 = percentile(values, 50)
        mean = statistics.mean(values) if values else float("nan")
        peak = max(values) if values else float("nan")
        print(
            f"{s.name:<28}{len(values):>5}{len(s.failures):>8}{p50:>9.1f}"
            f"{percentile(values, 95):>9.1f}{peak:>9.1f}{mean:>9.1f}"
            f"{s.floor_ms:>9.1f}{p50 - s.floor_ms:>11.1f}"
        )
    print(
        "floor: two loopback HTTP round trips doing nothing (the app's /healthz + a sandbox "
        "REST read), medians"
    )
    for s in series:
        for failure in s.failures:
            print(f"FAILED {s.name}: {failure}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--calls",
        type=int,
        default=DEFAULT_CALLS,
        help=f"calls per series (default {DEFAULT_CALLS}, at most {MAX_CALLS})",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        help=f"seconds a phone may take to ring before the call fails ({DEFAULT_TIMEOUT_S:g})",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.calls <= MAX_CALLS:
        parser.error(f"--calls must be between 1 and {MAX_CALLS}")
    if args.timeout <= 0:
        parser.error("--timeout must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print its figures; 1 if a call failed."""
    args = parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="hotline-bench-") as folder:
        stack = start_stack(
            f"sqlite:///{Path(folder) / 'bench.sqlite3'}", sandbox_clock=SkippingClock(START)
        )
        try:
            series = run(stack, args.calls, args.timeout)
        finally:
            stack.stop()
    print_table(series, args.calls)
    print(f"total run time: {time.perf_counter() - started:.1f} s")
    return 1 if any(s.failures for s in series) else 0


if __name__ == "__main__":
    sys.exit(main())
