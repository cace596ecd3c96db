"""The hot webhooks beside a bare Flask floor, under the same gunicorn: throughput ratios and
latency at a steady rate.

Run: .venv/bin/python bench/webhooks_floor.py [--database-url URL] [--seconds S] [--rounds N]

Starts, on loopback ports, the product (``gunicorn --preload 'hotline.app:create_app()'``) and the
floor (``bench/floor_app.py``: checks the signature, answers constant TwiML), each with 2 workers
× 4 threads (gthread), and a stand-in for Twilio's REST API that answers CreateCall at once (the
nurse rung by key 2). Without --database-url a fresh SQLite file is used; with a PostgreSQL URL a
schema of its own is created and dropped at the end. The demo's helpline, directory and rota are
seeded (open now, nurses on shift).

Each round measures, one after the other and for --seconds each, the floor, the incoming webhook
(new calls, known and unknown callers mixed) and the menu's key 2 (on the calls the round's
incoming opened), with CLIENTS client threads sending as fast as answers come; the ratios are
taken within the round (the machine's load changes between rounds). Then each endpoint is sent a
steady 100 requests a second for --seconds and its p50/p99 printed. Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests
from sqlalchemy.engine import make_url
from webhooks import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    HOTLINE_NUMBER,
    Delivery,
    Webhooks,
    benchmark_database,
    incoming_deliveries,
    percentile,
    voice_form,
)

from hotline.db import Database
from hotline.demo import seed_demo
from hotline.settings import with_driver

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORKERS = 2
THREADS = 4
CLIENTS = 8
STEADY_RATE = 100  # requests a second
MAX_SECONDS = 60.0
MAX_ROUNDS = 10
START_TIMEOUT_S = 30.0


class FastTwilio:
    """Twilio's REST API as far as key 2 needs it: CreateCall answered at once."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = json.dumps({"sid": "CA" + uuid.uuid4().hex, "status": "queued"}).encode()
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: Any) -> None:
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Free the port."""
        self.server.shutdown()
        self.server.server_close()


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def gunicorn(app: str, port: int, env: dict[str, str], chdir: Path) -> Iterator[str]:
    """Serve ``app`` with gunicorn (WORKERS × THREADS, gthread) on a loopback port."""
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "--preload",
        app,
        "--chdir",
        str(chdir),
        "--workers",
        str(WORKERS),
        "--threads",
        str(THREADS),
        "--worker-class",
        "gthread",
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, env={**os.environ, **env})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                requests.get(url + "/", timeout=1)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"gunicorn {app} did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


@dataclass
class Series:
    """Latencies (s) of one series, its wall time and its failed answers."""

    latencies: list[float] = field(default_factory=list)
    wall_s: float = 0.0
    errors: int = 0

    @property
    def rate(self) -> float:
        """Answers a second."""
        return len(self.latencies) / self.wall_s if self.wall_s else float("nan")

    def ms(self, fraction: float) -> float:
        """A percentile of the latencies, in milliseconds."""
        return 1000 * percentile(sorted(self.latencies), fraction)


def closed_loop(
    webhooks: Webhooks, next_delivery: Callable[[], Delivery | None], seconds: float
) -> Series:
    """CLIENTS threads sending as fast as answers come, for ``seconds`` (or until none left)."""
    series = Series()
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def client() -> None:
        with requests.Session() as http:
            while time.perf_counter() < stop_at:
                with lock:
                    delivery = next_delivery()
                if delivery is None:
                    return
                elapsed, error = webhooks.send(http, delivery)
                with lock:
                    series.latencies.append(elapsed)
                    series.errors += error is not None

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    series.wall_s = time.perf_counter() - started
    return series


def steady(
    webhooks: Webhooks, next_delivery: Callable[[], Delivery | None], seconds: float
) -> Series:
    """STEADY_RATE requests a second on a fixed schedule (open loop), for ``seconds``."""
    series = Series()
    lock = threading.Lock()
    count = int(seconds * STEADY_RATE)
    started = time.perf_counter()
    local = threading.local()

    def send(index: int) -> None:
        delay = started + index / STEADY_RATE - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        with lock:
            delivery = next_delivery()
        if delivery is None:
            return
        if not hasattr(local, "http"):
            local.http = requests.Session()
        elapsed, error = webhooks.send(local.http, delivery)
        with lock:
            series.latencies.append(elapsed)
            series.errors += error is not None

    # Enough senders that a slow answer never delays the next request's departure.
    with ThreadPoolExecutor(max_workers=32) as pool:
        list(pool.map(send, range(count)))
    series.wall_s = time.perf_counter() - started
    return series


class Feeds:
    """The deliveries of each endpoint: new calls, key 2 on opened calls, the floor's."""

    def __init__(self) -> None:
        self.index = 0
        self.opened: list[Delivery] = []

    def incoming(self) -> Delivery:
        """A new call (every other one from a known professional)."""
        self.index += 1
        [delivery] = incoming_deliveries(1, self.index)
        self.opened.append(delivery)
        return delivery

    def key_2(self) -> Delivery | None:
        """Key 2 on the next call opened and not pressed yet."""
        if not self.opened:
            return None
        call = self.opened.pop(0)
        form = voice_form(call.form["CallSid"], call.form["From"], "in-progress")
        form["Digits"] = "2"
        return Delivery("/twilio/voice/menu?attempt=1", form, 200)

    def floor(self) -> Delivery:
        """What the floor answers: an incoming call's form."""
        self.index += 1
        [delivery] = incoming_deliveries(1, self.index)
        return delivery


def measure(url: str, seconds: float, rounds: int) -> None:
    """Seed, serve both apps, run the rounds and the steady series; print the figures."""
    database = Database.from_url(url)
    with database.session() as session:
        seed_demo(session, datetime.now(UTC), HOTLINE_NUMBER)
        session.commit()
    database.dispose()
    twilio = FastTwilio()
    app_port, floor_port = free_port(), free_port()
    app_env = {
        "DATABASE_URL": url,
        "SECRET_KEY": uuid.uuid4().hex,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "HOTLINE_NUMBER": HOTLINE_NUMBER,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{app_port}",
        "TWILIO_API_BASE_URL": twilio.url,
        "FALLBACK_NUMBER": "+33561999999",
    }
    floor_env = {
        "FLOOR_AUTH_TOKEN": AUTH_TOKEN,
        "FLOOR_PUBLIC_URL": f"http://127.0.0.1:{floor_port}",
    }
    feeds = Feeds()
    try:
        with (
            gunicorn("hotline.app:create_app()", app_port, app_env, REPO) as app_url,
            gunicorn("floor_app:app", floor_port, floor_env, BENCH) as floor_url,
        ):
            product, floor = Webhooks(app_url, AUTH_TOKEN), Webhooks(floor_url, AUTH_TOKEN)
            # Not measured: imports, pools, compiled statements, the helpline's copy.
            closed_loop(floor, feeds.floor, 1.0)
            closed_loop(product, feeds.incoming, 1.0)
            closed_loop(product, feeds.key_2, 1.0)
            feeds.opened.clear()
            print(f"{'round':>5} {'floor/s':>8} {'incoming/s':>11} {'key 2/s':>8} "
                  f"{'incoming÷floor':>15} {'key 2÷floor':>12} {'errors':>6}")  # fmt: skip
            ratios: list[tuple[float, float]] = []
            for number in range(1, rounds + 1):
                base = closed_loop(floor, feeds.floor, seconds)
                calls = closed_loop(product, feeds.incoming, seconds)
                keys = closed_loop(product, feeds.key_2, seconds)
                feeds.opened.clear()
                ratios.append((calls.rate / base.rate, keys.rate / base.rate))
                errors = base.errors + calls.errors + keys.errors
                print(
                    f"{number:>5} {base.rate:>8.0f} {calls.rate:>11.0f} {keys.rate:>8.0f} "
                    f"{ratios[-1][0]:>15.2f} {ratios[-1][1]:>12.2f} {errors:>6}"
                )
            print(
                f"median ratio: incoming {statistics.median(r[0] for r in ratios):.2f}× the "
                f"floor, key 2 {statistics.median(r[1] for r in ratios):.2f}× the floor"
            )
            print(f"steady {STEADY_RATE} req/s for {seconds:g} s (ms, client side):")
            print(f"{'series':<10} {'count':>6} {'p50':>7} {'p95':>7} {'p99':>7} {'errors':>6}")
            for name, webhooks, feed in (
                ("floor", floor, feeds.floor),
                ("incoming", product, feeds.incoming),
                ("key 2", product, feeds.key_2),
            ):
                run = steady(webhooks, feed, seconds)
                print(
                    f"{name:<10} {len(run.latencies):>6} {run.ms(0.5):>7.1f} {run.ms(0.95):>7.1f} "
                    f"{run.ms(0.99):>7.1f} {run.errors:>6}"
                )
    finally:
        twilio.stop()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database-url", default=None, help="a loopback PostgreSQL server URL")
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds per series (10)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (3)")
    args = parser.parse_args(argv)
    if not 0 < args.seconds <= MAX_SECONDS:
        parser.error(f"--seconds must be in (0, {MAX_SECONDS:g}]")
    if not 1 <= args.rounds <= MAX_ROUNDS:
        parser.error(f"--rounds must be between 1 and {MAX_ROUNDS}")
    if args.database_url is not None:
        host = make_url(with_driver(args.database_url)).host
        if host not in ("127.0.0.1", "localhost", "::1"):
            parser.error("--database-url must point to a loopback address")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark on the chosen backend and print its figures."""
    args = parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    started = time.perf_counter()
    with benchmark_database(args.database_url) as url:
        backend = make_url(url).get_backend_name()
        print(
            f"backend: {backend}; gunicorn {WORKERS} workers × {THREADS} threads; "
            f"{CLIENTS} clients; {args.rounds} rounds of {args.seconds:g} s"
        )
        measure(url, args.seconds, args.rounds)
    print(f"total run time: {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
