"""Reports page benchmark: the yearly page at a million requests, read from the report aggregates.

Run: .venv/bin/python bench/report_page.py --database-url postgresql://postgres@127.0.0.1/DB
     [--requests 1000000] [--sessions 200000] [--years 4] [--helplines 3]

A throwaway schema is created in the PostgreSQL database, migrated, seeded with set-based SQL
(INSERT … SELECT generate_series: requests with their events and legs, nurse queue entries,
interpreting sessions with their legs and charges, callbacks, ratings), then the aggregates are
built with the rebuild service (``reports.aggregates.build``), the clock's snapshot job computes
the page's usual questions ahead (``reports.report_warm.warm``), and the reports page is fetched
through the Flask test client, signed in as a coordinator of every helpline: one helpline's last
complete year, the region's (every helpline consolidated), one helpline's year filtered by a
language (not asked ahead: computed at its first view, then kept), and one helpline's year to
date (today read raw: kept until today's activity changes), again after a request is opened
today. Prints figures beside the 1 s
target; asserts nothing. The schema is dropped at the end.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import re
import statistics
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

from flask.testing import FlaskClient
from sqlalchemy import Connection, select, text
from sqlalchemy.engine import make_url

from hotline.app import create_app
from hotline.db import Database, make_engine
from hotline.migrate import upgrade
from hotline.models import Helpline
from hotline.scope import set_memberships
from hotline.settings import Settings, with_driver
from hotline.users import create_user
from reports import aggregates, report_warm
from reports.indicator_facts import PARIS

TARGET_S = 1.0
PASSWORD = "bench-password-0123"  # noqa: S105 (a throwaway schema's account)
EMAIL = "coordinatrice@example.org"
MAX_REQUESTS = 2_000_000  # keeps the seeding bounded whatever the command line says
CODES = {
    "categories": ["orientation", "interpreting", "rights", "complex", "coordination"],
    "languages": ["ar", "prs", "ps", "ru", "uk", "ro", "tr", "ka", "sq", "bn", "es", "pt"],
    "professions": ["gp", "gp", "gp", "midwife", "pharmacist", "nurse", "physio"],
    "territories": ["Toulouse Nord", "Toulouse Sud", "Muret", "Colomiers", "Blagnac", "Cugnaux"],
}


@contextmanager
def benchmark_schema(database_url: str) -> Iterator[str]:
    """A throwaway migrated PostgreSQL schema, dropped at the end."""
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


def _sql(conn: Connection, label: str, statement: str, **params: object) -> None:
    started = time.perf_counter()
    result = conn.execute(text(statement), params)
    seconds = time.perf_counter() - started
    print(f"  {label}: {result.rowcount} rows in {seconds:.1f} s", flush=True)


def seed(conn: Connection, requests: int, sessions: int, years: int, helplines: int) -> date:
    """The history, in set-based SQL; return its first day."""
    end = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = end - timedelta(days=365 * years)
    span = int((end - start).total_seconds())
    p = {"n": requests, "start": start, "span": span, "h": helplines, **CODES}
    _sql(conn, "helplines", """
        INSERT INTO helplines (name, phone_number, greeting, timezone, is_active, created_at)
        SELECT 'Ligne ' || g, '+3356100' || lpad(g::text, 4, '0'), '', 'Europe/Paris', true,
               :start
        FROM generate_series(1, :h) g""", **p)  # fmt: skip
    _sql(conn, "professionals", """
        INSERT INTO professionals (first_name, last_name, profession, territory, is_active,
                                   created_at, insee_code)
        SELECT '', 'P' || g, (CAST(:professions AS text[]))[1 + g % 7],
               (CAST(:territories AS text[]))[1 + g % 6], true, :start,
               lpad((31000 + g % 500)::text, 5, '0')
        FROM generate_series(1, 8000) g""", **p)  # fmt: skip
    _sql(conn, "interpreters", """
        INSERT INTO interpreters (kind, name, phone, priority, max_concurrent, availability,
                                  is_active)
        SELECT CASE WHEN g <= 2 THEN 'agency' ELSE 'individual' END, 'I' || g,
               '+336200' || lpad(g::text, 5, '0'), g, 1, '', true
        FROM generate_series(1, 40) g""", **p)  # fmt: skip
    _sql(conn, "interpreter languages", """
        INSERT INTO interpreter_languages (interpreter_id, language)
        SELECT i.id, (CAST(:languages AS text[]))[1 + (i.id + k) % 12]
        FROM interpreters i, generate_series(0, 1) k
        WHERE i.kind = 'individual'""", **p)  # fmt: skip
    # Requests: spread evenly over the years, in daytime (08:00–19:00 UTC), a few by e-mail.
    _sql(conn, "requests", """
        INSERT INTO requests (reference, helpline_id, professional_id, is_caller_withheld,
                              channel, status, opened_at, closed_at, category, language,
                              outcome)
        SELECT 'B' || g, 1 + g % :h, 1 + (g::bigint * 7919) % 8000, false,
               CASE WHEN g % 25 = 0 THEN 'email' ELSE 'phone' END, 'closed', t.at,
               t.at + make_interval(mins => 5 + g % 40),
               CASE WHEN g % 9 = 0 THEN NULL ELSE (CAST(:categories AS text[]))[1 + g % 5] END,
               CASE WHEN g % 5 = 0 THEN (CAST(:languages AS text[]))[1 + g % 12] END,
               CASE WHEN g % 3 = 0 THEN 'oriented' ELSE 'answered' END
        FROM generate_series(1, :n) g,
             LATERAL (SELECT date_trunc('day', :start + make_interval(
                                secs => (g::float8 / :n) * :span))
                             + make_interval(hours => 8 + g % 11, mins => g % 60) AS at) t""",
         **p)  # fmt: skip
    _sql(conn, "events", """
        INSERT INTO request_events (request_id, at, kind, detail)
        SELECT r.id, r.opened_at, 'received',
               json_build_object('caller_known', r.id % 4 <> 0, 'caller_withheld', false)
        FROM requests r WHERE r.channel = 'phone'
        UNION ALL
        SELECT r.id, r.opened_at + interval '8 seconds', 'menu_choice',
               json_build_object('choice', CASE WHEN r.id % 5 = 0 THEN 'interpreter'
                                                ELSE 'nurse' END)
        FROM requests r WHERE r.channel = 'phone' AND r.id % 50 <> 0
        UNION ALL
        SELECT r.id, r.opened_at + make_interval(secs => 15 + r.id % 50), 'nurse_answered',
               json_build_object('step', 0, 'user_id', 1)
        FROM requests r
        WHERE r.channel = 'phone' AND r.id % 50 <> 0 AND r.id % 5 <> 0
          AND r.id % 7 <> 0""")  # fmt: skip
    _sql(conn, "queue entries", """
        INSERT INTO nurse_routings (request_id, gp_call_sid, conference_name, plan, current_step,
                                    status, created_at, ended_at, kind)
        SELECT r.id, 'CA' || lpad(r.id::text, 32, '0'), 'room-' || r.id,
               '[[{"kind": "phone", "user_id": 1, "rank": "on_duty"}]]', 0,
               CASE WHEN r.id % 7 = 0 THEN 'abandoned' ELSE 'connected' END,
               r.opened_at + interval '10 seconds', r.closed_at, 'gp'
        FROM requests r
        WHERE r.channel = 'phone' AND r.id % 50 <> 0 AND r.id % 5 <> 0""")  # fmt: skip
    _sql(conn, "GP and nurse legs", """
        INSERT INTO calls (sid, role, direction, status, created_at, answered_at, ended_at,
                           duration_s, price, request_id, helpline_id)
        SELECT 'CA' || lpad(r.id::text, 32, '0'), 'gp', 'inbound', 'completed', r.opened_at,
               r.opened_at, r.closed_at, 300, -0.01300, r.id, r.helpline_id
        FROM requests r WHERE r.channel = 'phone'
        UNION ALL
        SELECT 'CB' || lpad(r.id::text, 32, '0'), 'nurse', 'outbound',
               CASE WHEN r.id % 7 = 0 THEN 'no-answer' ELSE 'completed' END,
               r.opened_at + interval '10 seconds', NULL, r.closed_at, 280, -0.02600, r.id,
               r.helpline_id
        FROM requests r
        WHERE r.channel = 'phone' AND r.id % 50 <> 0 AND r.id % 5 <> 0""")  # fmt: skip
    # Interpreting sessions: on every k-th request so that there are ``sessions`` of them.
    step = max(1, requests // max(sessions, 1))
    _sql(conn, "interpreting sessions", """
        INSERT INTO interpreting_sessions (request_id, language, requested_by, conference_name,
                                           strategy, plan, current_step, status, requested_at,
                                           deadline_at, connected_at, ended_at, interpreter_id,
                                           outcome)
        SELECT r.id, (CAST(:languages AS text[]))[1 + r.id % 12],
               CASE WHEN r.id % 2 = 0 THEN 'gp' ELSE 'nurse' END, 'room-' || r.id, 'all', '[]',
               0, 'ended', r.opened_at + interval '30 seconds', r.opened_at + interval '10 min',
               r.opened_at + make_interval(secs => 60 + r.id % 120),
               r.opened_at + make_interval(secs => 900 + r.id % 600), 1 + r.id % 40, 'connected'
        FROM requests r WHERE r.id % :step = 0 ORDER BY r.id LIMIT :sessions""",
         step=step, sessions=sessions, **CODES)  # fmt: skip
    _sql(conn, "interpreter legs", """
        INSERT INTO calls (sid, role, direction, status, created_at, answered_at, ended_at,
                           duration_s, price, request_id, helpline_id, interpreting_session_id,
                           interpreter_id)
        SELECT 'CI' || lpad(s.id::text, 32, '0'), 'interpreter', 'outbound', 'completed',
               s.requested_at, s.connected_at, s.ended_at, 900, -0.05000, s.request_id,
               r.helpline_id, s.id, s.interpreter_id
        FROM interpreting_sessions s JOIN requests r ON r.id = s.request_id""")  # fmt: skip
    _sql(conn, "charges", """
        INSERT INTO ledger_entries (posted_at, kind, service_at, duration_s, billable_s, amount,
                                    currency, label, detail, dedupe_key, interpreting_session_id,
                                    interpreter_id, helpline_id, language)
        SELECT s.ended_at, 'charge', s.connected_at, 900, 900, 22.50, 'EUR', '', '{}',
               'charge:' || s.id, s.id, s.interpreter_id, r.helpline_id, s.language
        FROM interpreting_sessions s JOIN requests r ON r.id = s.request_id""")  # fmt: skip
    _sql(conn, "callbacks", """
        INSERT INTO callbacks (request_id, reason, due_at, status, attempts, created_at,
                               first_contact_at, done_at, outcome)
        SELECT r.id, 'abandoned', r.opened_at + interval '1 hour', 'done', 1, r.opened_at,
               r.opened_at + interval '70 minutes', r.opened_at + interval '75 minutes',
               'reached'
        FROM requests r WHERE r.id % 7 = 0""")  # fmt: skip
    _sql(conn, "ratings", """
        INSERT INTO service_ratings (request_id, score, rated_at)
        SELECT r.id, 1 + r.id % 5, r.closed_at FROM requests r WHERE r.id % 11 = 0""")  # fmt: skip
    conn.execute(text("ANALYZE"))
    return start.date()


def _sign_in(client: FlaskClient) -> None:
    page = client.get("/console/login").get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None, "no sign-in form"
    answer = client.post(
        "/console/login",
        data={"email": EMAIL, "password": PASSWORD, "csrf_token": found.group(1)},
    )
    if answer.status_code != 302:
        raise SystemExit(f"sign-in refused ({answer.status_code})")


def _times(client: FlaskClient, path: str, repeat: int) -> list[float]:
    out = []
    for n in range(repeat):
        started = time.perf_counter()
        response = client.get(path)
        out.append(time.perf_counter() - started)
        print(f"  GET {path}: {out[-1]:.2f} s ({n + 1}/{repeat})", flush=True)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}")
    return out


def benchmark(url: str, args: argparse.Namespace) -> None:
    """Seed, build, time the pages; print the figures."""
    database = Database.from_url(url)
    print(f"seeding {args.requests} requests, {args.sessions} sessions, {args.years} years, "
          f"{args.helplines} helplines (set-based SQL)")  # fmt: skip
    started = time.perf_counter()
    with database.session() as session:
        seed(session.connection(), args.requests, args.sessions, args.years, args.helplines)
        session.commit()
    seeded_s = time.perf_counter() - started
    print(f"seeded in {seeded_s:.1f} s", flush=True)
    now = datetime.now(UTC)
    started = time.perf_counter()
    done = [0]

    def progress(days: int) -> None:
        done[0] += days
        print(f"  built {done[0]} helpline-days, {time.perf_counter() - started:.0f} s", flush=True)

    with database.session() as session:
        days = aggregates.build(session, now, progress=progress)
        session.commit()
    build_s = time.perf_counter() - started
    print(f"aggregates built (reports.aggregates.build): {days} helpline-days in {build_s:.1f} s")
    started = time.perf_counter()
    with database.session() as session:
        asked = report_warm.warm(session, now)
        session.commit()
    warm_s = time.perf_counter() - started
    print(
        f"the clock's snapshot job (reports.report_warm.warm): {asked} questions computed and "
        f"kept in {warm_s:.1f} s",
        flush=True,
    )
    with database.session() as session:
        user = create_user(session, EMAIL, "Coordinatrice", "coordinator", PASSWORD)
        ids = list(session.scalars(select(Helpline.id).order_by(Helpline.id)))
        set_memberships(session, user, {i: {"coordinator"} for i in ids})
        session.commit()
    settings = Settings(
        database_url=url,
        secret_key=uuid.uuid4().hex,
        twilio_account_sid="AC" + "be0c" * 8,
        twilio_auth_token="be0cbe0c" * 4,
        hotline_number="+33561000001",
        public_base_url="https://hotline.example.org",
        twilio_api_base_url="http://127.0.0.1:9",
        fallback_number="+33561999999",
    ).validated()
    app = create_app(settings, database=database)
    client = app.test_client()
    client.environ_base.update({"wsgi.url_scheme": "https", "HTTP_HOST": "hotline.example.org"})
    _sign_in(client)
    year = now.year - 1
    period = f"from=01/01/{year}&to=31/12/{year}"
    today = now.astimezone(PARIS).date()
    to_date = f"from=01/01/{today.year}&to={today:%d/%m/%Y}"
    pages = [
        (f"one helpline, {year}", f"/reports?{period}&helpline={ids[0]}"),
        (f"region ({len(ids)} helplines), {year}", f"/reports?{period}"),
        (
            f"one helpline, {year} filtered (computed, then kept)",
            f"/reports?{period}&helpline={ids[0]}&language=ar",
        ),
        (
            f"one helpline, {today.year} to date (today read raw)",
            f"/reports?{to_date}&helpline={ids[0]}",
        ),
    ]
    print(f"\nGET of the yearly reports page (Flask test client), target {TARGET_S:.1f} s")
    for name, path in pages:
        times = _times(client, path, 1 + args.repeat)
        median = statistics.median(times[1:] or times)
        verdict = "under" if median < TARGET_S else "OVER"
        print(
            f"{name}: first {times[0]:.2f} s, median of the next {args.repeat}: {median:.2f} s"
            f" (target {TARGET_S:.1f} s: {verdict})",
            flush=True,
        )
    # Today's activity changes (a request opened a minute ago): the year to date is computed
    # again at its next view, then kept until the next change.
    with database.session() as session:
        session.execute(
            text(
                "INSERT INTO requests (reference, helpline_id, is_caller_withheld, channel, "
                "status, opened_at) VALUES ('B-today', :helpline, false, 'phone', 'received', :at)"
            ),
            {"helpline": ids[0], "at": datetime.now(UTC) - timedelta(minutes=1)},
        )
        session.commit()
    name = f"one helpline, {today.year} to date, after a request opened today"
    times = _times(client, pages[3][1], 1 + args.repeat)
    print(
        f"{name}: first {times[0]:.2f} s, median of the next {args.repeat}: "
        f"{statistics.median(times[1:] or times):.2f} s",
        flush=True,
    )
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        client.get(pages[1][1])
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
    database.dispose()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL URL (loopback)")
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--sessions", type=int, default=200_000)
    parser.add_argument("--years", type=int, default=4)
    parser.add_argument("--helplines", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3, help="timed GETs after the first")
    parser.add_argument("--profile", action="store_true", help="cProfile one region page")
    args = parser.parse_args(argv)
    if not 1 <= args.requests <= MAX_REQUESTS:
        parser.error(f"--requests must be between 1 and {MAX_REQUESTS}")
    if not 0 <= args.sessions <= args.requests:
        parser.error("--sessions must be between 0 and --requests")
    if make_url(with_driver(args.database_url)).get_backend_name() != "postgresql":
        parser.error("--database-url must be a PostgreSQL URL")
    if urlsplit(with_driver(args.database_url)).hostname not in ("127.0.0.1", "localhost", "::1"):
        parser.error("--database-url must point to a loopback address")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    args = parse_args(argv)
    started = time.perf_counter()
    with benchmark_schema(args.database_url) as url:
        benchmark(url, args)
    print(f"total run time: {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
