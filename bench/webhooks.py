"""Webhook latency benchmark: what a GP waits for, through a real HTTP server and database.

Run: .venv/bin/python bench/webhooks.py [--requests N] [--database-url URL]

Without --database-url a fresh SQLite file in a temporary directory is migrated and seeded; with
a PostgreSQL URL a schema of its own is created, used and dropped at the end. The app is served by
hotline.demo.ThreadedServer on a loopback port and called with requests.Session, every request
signed as Twilio signs it. Prints figures only: it asserts nothing.
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urlsplit

import requests
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from twilio.request_validator import RequestValidator

from hotline.app import create_app
from hotline.db import Database, make_engine
from hotline.demo import DEMO_PROFESSIONALS, ThreadedServer, seed_demo
from hotline.migrate import upgrade
from hotline.models import Call
from hotline.settings import Settings, with_driver

ACCOUNT_SID = "AC" + "be0c" * 8
AUTH_TOKEN = "be0cbe0c" * 4
HOTLINE_NUMBER = "+33561000000"
DEFAULT_REQUESTS = 300
MAX_REQUESTS = 10_000  # keeps every loop bounded whatever the command line says
CONCURRENT_THREADS = 8
WARM_UP_CALLS = 5
HTTP_TIMEOUT_S = 30.0
# Twilio's lifecycle of an inbound leg, each with its SequenceNumber.
LEG_LIFECYCLE = ("initiated", "ringing", "in-progress", "completed")
DUPLICATES_PER_CALL = 2

KNOWN_NUMBERS = [numbers[0] for *_, numbers in DEMO_PROFESSIONALS]


@dataclass(frozen=True)
class Delivery:
    """One signed webhook to send and the HTTP status the app should answer with."""

    path: str
    form: dict[str, str]
    expected_status: int


@dataclass
class Run:
    """Latencies (seconds) of one measured series, its wall time and unexpected answers."""

    name: str
    latencies: list[float] = field(default_factory=list)
    wall_s: float = 0.0
    errors: list[str] = field(default_factory=list)


class Webhooks:
    """Sends webhooks to the app as Twilio does: signed for the public URL, form-encoded."""

    def __init__(self, base_url: str, auth_token: str) -> None:
        self.base_url = base_url
        self._validator = RequestValidator(auth_token)

    def send(self, http: requests.Session, delivery: Delivery) -> tuple[float, str | None]:
        """POST one delivery; its latency in seconds and an error message if the answer is off."""
        url = self.base_url + delivery.path
        signature = str(self._validator.compute_signature(url, delivery.form))
        started = time.perf_counter()
        response = http.post(
            url,
            data=delivery.form,
            headers={"X-Twilio-Signature": signature},
            timeout=HTTP_TIMEOUT_S,
        )
        elapsed = time.perf_counter() - started
        if response.status_code != delivery.expected_status:
            return elapsed, f"{delivery.path}: HTTP {response.status_code}"
        if delivery.expected_status == 200 and "technique" in response.text:
            # The safe fallback TwiML: the request failed inside the app.
            return elapsed, f"{delivery.path}: technical-problem TwiML"
        return elapsed, None


def new_call_sid() -> str:
    """A fresh, well-formed CallSid."""
    return "CA" + uuid.uuid4().hex


def caller_number(index: int) -> str:
    """Every other call from a known professional, the others from unknown French mobiles."""
    if index % 2 == 0:
        return KNOWN_NUMBERS[(index // 2) % len(KNOWN_NUMBERS)]
    return f"+3369{index % 100_000_000:08d}"


def voice_form(call_sid: str, from_: str, status: str = "ringing") -> dict[str, str]:
    """The standard parameters of a voice webhook for an inbound call to the helpline."""
    return {
        "CallSid": call_sid,
        "AccountSid": ACCOUNT_SID,
        "From": from_,
        "To": HOTLINE_NUMBER,
        "CallStatus": status,
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
    }


def incoming_deliveries(count: int, first_index: int = 0) -> list[Delivery]:
    """New calls, each with its own CallSid, known and unknown callers mixed."""
    return [
        Delivery(
            "/twilio/voice/incoming",
            voice_form(new_call_sid(), caller_number(first_index + i)),
            200,
        )
        for i in range(count)
    ]


def menu_deliveries(calls: Sequence[Delivery]) -> list[Delivery]:
    """The caller keys 3 (callback) at the first menu attempt of each existing call."""
    deliveries = []
    for call in calls:
        form = voice_form(call.form["CallSid"], call.form["From"], "in-progress")
        form["Digits"] = "3"
        deliveries.append(Delivery("/twilio/voice/menu?attempt=1", form, 200))
    return deliveries


def status_deliveries(calls: Sequence[Delivery], count: int, rng: random.Random) -> list[Delivery]:
    """Each leg's lifecycle callbacks, some duplicated, shuffled within the leg; count total."""
    deliveries: list[Delivery] = []
    start = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    for call in calls:
        if len(deliveries) >= count:
            break
        leg: list[Delivery] = []
        for sequence, status in enumerate(LEG_LIFECYCLE):
            form = voice_form(call.form["CallSid"], call.form["From"], status)
            form["CallbackSource"] = "call-progress-events"
            form["SequenceNumber"] = str(sequence)
            form["Timestamp"] = format_datetime(start + timedelta(seconds=5 * sequence))
            if status == "completed":
                form["CallDuration"] = "42"
            leg.append(Delivery("/twilio/voice/status", form, 204))
        leg.extend(rng.sample(leg, DUPLICATES_PER_CALL))
        rng.shuffle(leg)
        deliveries.extend(leg)
    return deliveries[:count]


def run_sequential(name: str, webhooks: Webhooks, deliveries: Sequence[Delivery]) -> Run:
    """Send the deliveries one after the other on one connection pool."""
    run = Run(name)
    with requests.Session() as http:
        started = time.perf_counter()
        for delivery in deliveries:
            elapsed, error = webhooks.send(http, delivery)
            run.latencies.append(elapsed)
            if error is not None:
                run.errors.append(error)
        run.wall_s = time.perf_counter() - started
    return run


def run_concurrent(
    name: str, webhooks: Webhooks, deliveries: Sequence[Delivery], threads: int
) -> Run:
    """Send the deliveries from several threads at once, each with its own session."""
    run = Run(name)
    lock = threading.Lock()
    chunks = [list(deliveries[i::threads]) for i in range(threads)]

    def worker(chunk: list[Delivery]) -> None:
        with requests.Session() as http:
            for delivery in chunk:
                elapsed, error = webhooks.send(http, delivery)
                with lock:
                    run.latencies.append(elapsed)
                    if error is not None:
                        run.errors.append(error)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for future in [pool.submit(worker, chunk) for chunk in chunks]:
            future.result()
    run.wall_s = time.perf_counter() - started
    return run


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), round(fraction * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def print_table(runs: Sequence[Run]) -> None:
    """One line per series: count, p50, p95, p99, max (ms), requests/second, errors."""
    header = f"{'series':<44} {'count':>6} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7} {'req/s':>7}"
    print(header + f" {'errors':>6}")
    print("-" * (len(header) + 7))
    for run in runs:
        values = sorted(run.latencies)
        ms = [1000 * percentile(values, f) for f in (0.50, 0.95, 0.99, 1.0)]
        rate = len(values) / run.wall_s if run.wall_s > 0 else float("nan")
        print(
            f"{run.name:<44} {len(values):>6} "
            + " ".join(f"{v:>7.1f}" for v in ms)
            + f" {rate:>7.1f} {len(run.errors):>6}"
        )
    print("latencies in milliseconds, client side, connection set-up included")
    for run in runs:
        for error in sorted(set(run.errors))[:5]:
            print(f"  {run.name}: {error} (x{run.errors.count(error)})")


@contextmanager
def benchmark_database(database_url: str | None) -> Iterator[str]:
    """A fresh migrated database: a temporary SQLite file, or a throwaway PostgreSQL schema."""
    if database_url is None:
        with tempfile.TemporaryDirectory(prefix="hotline-bench-") as tmp:
            url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
            upgrade(url)
            yield url
        return
    server = with_driver(database_url)
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    engine = make_engine(server)
    try:
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = (
            make_url(server)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
        try:
            upgrade(url)
            yield url
        finally:
            with engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        engine.dispose()


def completed_legs(database: Database, call_sids: Sequence[str]) -> int:
    """How many of these legs the call log holds as completed with their duration."""
    with database.session() as session:
        return int(
            session.scalar(
                select(func.count(Call.id)).where(
                    Call.sid.in_(call_sids), Call.status == "completed", Call.duration_s == 42
                )
            )
            or 0
        )


def benchmark(url: str, count: int) -> list[Run]:
    """Serve the app on a loopback port against this database and measure every webhook."""
    database = Database.from_url(url)
    with database.session() as session:
        seed_demo(session, datetime.now(UTC), HOTLINE_NUMBER)
        session.commit()
    server = ThreadedServer(host="127.0.0.1")
    settings = Settings(
        database_url=url,
        secret_key=uuid.uuid4().hex,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        hotline_number=HOTLINE_NUMBER,
        public_base_url=server.url,
        twilio_api_base_url="http://127.0.0.1:9",  # never called by these webhooks
        fallback_number="+33561999999",
    ).validated()
    server.serve(create_app(settings, database=database))
    webhooks = Webhooks(server.url, AUTH_TOKEN)
    rng = random.Random(20261123)
    try:
        # Not measured: the first requests pay for imports, the pool and compiled statements.
        run_sequential("warm-up", webhooks, incoming_deliveries(WARM_UP_CALLS, 10_000))
        calls = incoming_deliveries(count)
        runs = [run_sequential("incoming (sequential)", webhooks, calls)]
        runs.append(run_sequential("menu?attempt=1 Digits=3", webhooks, menu_deliveries(calls)))
        statuses = status_deliveries(calls, count, rng)
        runs.append(run_sequential("status (duplicated + reordered)", webhooks, statuses))
        runs.append(
            run_concurrent(
                f"incoming ({CONCURRENT_THREADS} threads)",
                webhooks,
                incoming_deliveries(count, count),
                CONCURRENT_THREADS,
            )
        )
        legs = sorted({d.form["CallSid"] for d in statuses})
        print(f"status check: {completed_legs(database, legs)}/{len(legs)} legs completed, 42 s")
        return runs
    finally:
        server.stop()
        database.dispose()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--requests",
        type=int,
        default=DEFAULT_REQUESTS,
        help=f"requests per endpoint (default {DEFAULT_REQUESTS}, at most {MAX_REQUESTS})",
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="a PostgreSQL server URL; a throwaway schema is created in it (default: SQLite)",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.requests <= MAX_REQUESTS:
        parser.error(f"--requests must be between 1 and {MAX_REQUESTS}")
    if args.database_url is not None:
        host = urlsplit(with_driver(args.database_url)).hostname
        if host not in ("127.0.0.1", "localhost", "::1"):
            parser.error("--database-url must point to a loopback address")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    args = parse_args(argv)
    # One log line per request from the dev server would cost more than some requests.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    started = time.perf_counter()
    with benchmark_database(args.database_url) as url:
        backend = make_url(url).get_backend_name()
        print(f"backend: {backend}, {args.requests} requests per series")
        runs = benchmark(url, args.requests)
    print_table(runs)
    print(f"total run time: {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
