"""Console pages on a region's years of history: time to first byte and the worker's extra memory.

Run: .venv/bin/python bench/pages.py postgresql://postgres@127.0.0.1:5432/DB [--requests N]

Creates a schema of its own in that database (dropped at the end, unless --keep), migrates it,
and seeds with set-based SQL (``INSERT … SELECT generate_series``, not the ORM) a region's
history: N requests (default 1,000,000) over five years and three helplines, 1.5 N calls,
0.22 N ledger entries, 0.5 N audit events, N/50 professionals (some namesakes and shared
numbers), N/50 callbacks (a few hundred still to make). Then it signs in as the right role
(nurse, finance, admin, coordinator) and opens every console page and export named by the
issue "every page instant after years of a region's calls" through the Flask app (the test
client: no network between the bench and the worker, so the figures are the app's own), and
prints for each: the time to its first byte, the time to its last byte, its size, and the extra
memory the worker held while answering it (peak RSS during the request minus RSS before it,
read from /proc/self/status after resetting the peak through /proc/self/clear_refs), beside the
floors (300 ms, 50 MB). Each page is measured in a forked copy of the worker, so that none
inherits the memory another grew. Figures are printed, never asserted. ``--keep`` keeps the
seeded schema and ``--schema NAME --requests N`` measures it again without seeding.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from flask.testing import FlaskClient
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from hotline import reference_lists
from hotline.app import create_app
from hotline.db import Database, make_engine
from hotline.migrate import upgrade
from hotline.models import Helpline, Structure, User
from hotline.passwords import hash_password
from hotline.scope import set_memberships
from hotline.settings import Settings, with_driver
from interpreter_pool.models import Budget, Interpreter, InterpreterLanguage
from reports import telephony_days

TTFB_FLOOR_MS = 300.0
MEMORY_FLOOR_MB = 50.0
PASSWORD = "bench-password-0123456789"  # noqa: S105 - the bench's own throwaway accounts
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
YEARS = 5
LANGUAGES = ("ar", "ps", "ti", "ru", "uk", "ro", "bn", "fa", "so", "tr")


@dataclass(frozen=True)
class Page:
    """A page or export to open, as whom."""

    label: str
    role: str
    path: str


def settings_for(url: str) -> Settings:
    """Settings that reach the bench's schema (Twilio is never called by the pages read)."""
    return Settings(
        database_url=url,
        secret_key="bench-secret-key-0123456789",  # noqa: S106 - a throwaway schema
        twilio_account_sid="AC" + "0123456789abcdef" * 2,
        twilio_auth_token="fedcba9876543210" * 2,
        hotline_number="+33561000000",
        public_base_url="https://hotline.example.org",
        twilio_api_base_url="http://127.0.0.1:9",
    ).validated()


@contextmanager
def own_schema(server: str, keep: bool) -> Iterator[str]:
    """A new schema in the server's database, the URL reaching it; dropped afterwards."""
    schema = f"bench_pages_{uuid.uuid4().hex[:8]}"
    engine = make_engine(server)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = (
        make_url(server)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )
    try:
        yield url
    finally:
        if keep:
            print(f"schema kept: {schema}")
        else:
            with engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def seed_small(database: Database) -> dict[str, int]:
    """Helplines, accounts, structures, interpreters and budget lines (a few rows, the ORM)."""
    session = database.session()
    helplines = []
    for index, name in enumerate(("Toulouse", "Montauban", "Albi")):
        helpline = Helpline(name=f"Permanence {name}", phone_number=f"+3356100000{index}")
        session.add(helpline)
        session.flush()
        reference_lists.seed_defaults(session, helpline)
        helplines.append(helpline)
    hashed = hash_password(PASSWORD)
    for role in ("nurse", "finance", "admin", "coordinator"):
        user = User(
            email=f"{role}@bench.example.org",
            display_name=role.title(),
            roles=role,
            password_hash=hashed,
            is_regional_admin=role == "admin",
        )
        session.add(user)
        session.flush()
        set_memberships(session, user, {h.id: {role} for h in helplines})
    for index in range(50):
        session.add(Structure(name=f"Structure {index:02d}", kind="health_centre"))
    for index, language in enumerate(LANGUAGES):
        session.add(
            Interpreter(
                name=f"Interprète {index}",
                phone=f"+336100000{index:02d}",
                languages=[InterpreterLanguage(language=language)],
            )
        )
    for year in range(NOW.year - YEARS + 1, NOW.year + 1):
        session.add(
            Budget(
                name=f"Interprétariat {year}",
                starts_on=date(year, 1, 1),
                ends_on=date(year, 12, 31),
                amount=Decimal("90000.00"),
            )
        )
    session.commit()
    ids = {"helpline": helplines[0].id}
    session.close()
    return ids


SEED_SQL = [
    # Professionals: every 40th has a namesake; every 100th shares a number with the next.
    """INSERT INTO professionals (id, title, first_name, last_name, profession, commune,
           rpps, is_active, created_at, name_key)
       SELECT g, 'Dr', 'Prénom' || (g % 300), 'Nom' || (g - (g % 40 = 1)::int),
              'gp', 'Commune ' || (g % 500), NULL, true, :now,
              'prenom' || (g % 300) || ' nom' || (g - (g % 40 = 1)::int)
       FROM generate_series(1, :professionals) g""",
    """INSERT INTO professional_phones (professional_id, number, label)
       SELECT g, '+336' || lpad((g - (g % 100 = 1)::int)::text, 8, '0'), 'cabinet'
       FROM generate_series(1, :professionals) g
       ON CONFLICT DO NOTHING""",
    """INSERT INTO requests (id, reference, helpline_id, professional_id, caller_number,
           is_caller_withheld, channel, status, opened_at, closed_at, category, language)
       SELECT g, 'B' || lpad(g::text, 10, '0'), h.first + g % 3, 1 + g % :professionals,
              '+336' || lpad((1 + g % :professionals)::text, 8, '0'), false, 'phone',
              CASE WHEN g > :requests - 40 THEN 'to_complete' ELSE 'closed' END,
              :now - (:requests - g) * :step, :now - (:requests - g) * :step + interval '20 min',
              NULL, (ARRAY['ar','ps','ti','ru','uk'])[1 + g % 5]
       FROM generate_series(1, :requests) g, (SELECT min(id) AS first FROM helplines) h""",
    """INSERT INTO calls (sid, request_id, helpline_id, role, direction, from_number, to_number,
           status, created_at, answered_at, ended_at, duration_s, price, price_unit, priced_at)
       SELECT 'CA' || md5(g::text), 1 + g % :requests, NULL,
              CASE WHEN g % 3 = 0 THEN 'interpreter' ELSE 'gp' END,
              CASE WHEN g % 3 = 0 THEN 'outbound-api' ELSE 'inbound' END,
              '+33600000000', '+33561000000', 'completed',
              :now - (:calls - g) * :call_step, :now - (:calls - g) * :call_step,
              :now - (:calls - g) * :call_step + interval '6 min', 360, -0.01300, 'USD',
              :now - (:calls - g) * :call_step + interval '16 min'
       FROM generate_series(1, :calls) g""",
    """INSERT INTO ledger_entries (posted_at, kind, interpreter_id, language, service_at,
           duration_s, billable_s, amount, currency, label, detail, dedupe_key, helpline_id,
           structure_id, budget_line_id)
       SELECT :now - (:entries - g) * :entry_step, 'charge', i.first + g % 10,
              (ARRAY['ar','ps','ti','ru','uk','ro','bn','fa','so','tr'])[1 + g % 10],
              :now - (:entries - g) * :entry_step, 900, 900, 52.50, 'EUR',
              'Séance d''interprétariat', '{}', 'bench-' || g, h.first + g % 3,
              s.first + g % 50,
              (SELECT id FROM budgets b WHERE b.starts_on <= (:now - (:entries - g) * :entry_step)
                 ::date ORDER BY b.starts_on DESC LIMIT 1)
       FROM generate_series(1, :entries) g, (SELECT min(id) AS first FROM helplines) h,
            (SELECT min(id) AS first FROM interpreters) i,
            (SELECT min(id) AS first FROM structures) s""",
    """INSERT INTO audit_events (at, user_id, action, object_type, object_id, detail, address,
           helpline_id)
       SELECT :now - (:audits - g) * :audit_step, u.first, 'view',
              (ARRAY['request','request','request','professional','shift','user'])[1 + g % 6],
              (1 + g % :requests)::text, '{}', '127.0.0.1', h.first + g % 3
       FROM generate_series(1, :audits) g, (SELECT min(id) AS first FROM users) u,
            (SELECT min(id) AS first FROM helplines) h""",
    """INSERT INTO callbacks (request_id, phone, reason, due_at, status, attempts, created_at)
       SELECT :requests - 1 - (g - 1) * 40, '+336' || lpad(g::text, 8, '0'), 'voicemail',
              :now - (g * 40) * :step,
              CASE WHEN g <= 300 THEN 'pending' ELSE 'done' END, 1, :now - (g * 40) * :step
       FROM generate_series(1, :callbacks) g""",
]


def seed_history(engine: Engine, requests: int) -> None:
    """The large history, set-based (seconds to a couple of minutes)."""
    span = timedelta(days=365 * YEARS)
    counts = {
        "requests": requests,
        "calls": requests * 3 // 2,
        "entries": requests * 22 // 100,
        "audits": requests // 2,
        "professionals": max(requests // 50, 100),
        "callbacks": max(requests // 50, 300),
    }
    params = {
        **counts,
        "now": NOW,
        "step": span / requests,
        "call_step": span / counts["calls"],
        "entry_step": span / counts["entries"],
        "audit_step": span / counts["audits"],
    }
    with engine.begin() as conn:
        for statement in SEED_SQL:
            started = time.perf_counter()
            conn.execute(text(statement), params)
            found = re.search(r"INSERT INTO (\w+)", statement)
            took = time.perf_counter() - started
            print(f"  seeded {found.group(1) if found else '?'} in {took:.1f} s")
        for table in ("professionals", "requests"):  # ids were given: their sequences follow
            sequence = "SELECT setval(pg_get_serial_sequence(:name, 'id'), max(id)) FROM "
            conn.execute(text(sequence + table), {"name": table})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    print("  " + ", ".join(f"{name} {value:,}" for name, value in counts.items()))


def build_telephony_days(engine: Engine, timezone: str) -> None:
    """The daily telephony costs, as the clock keeps them (built here at once, the seeded legs
    having been priced when they ended)."""
    started = time.perf_counter()
    with Database(engine).session() as session:
        if telephony_days.build_state(session) is None:
            days = telephony_days.build_all(session, NOW, timezone)
            session.commit()
            took = time.perf_counter() - started
            print(f"  telephony costs of {days:,} days built in {took:.1f} s", flush=True)


def rss_kb(field: str) -> int:
    """A memory figure of this process from /proc/self/status, in kB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def reset_peak() -> None:
    """Make VmHWM start again from the current RSS (Linux 4.0+)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
    except OSError:
        pass


def sign_in(client: FlaskClient, role: str) -> None:
    """Sign the client in as the bench's account of this role."""
    page = client.get("/console/login").get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    token = found.group(1) if found else ""
    response = client.post(
        "/console/login",
        data={"email": f"{role}@bench.example.org", "password": PASSWORD, "csrf_token": token},
    )
    if response.status_code != 302:
        raise SystemExit(f"cannot sign in as {role}: {response.status_code}")


def measure(client: FlaskClient, path: str) -> tuple[float, float, int, float, int]:
    """Time to first byte and to the last (ms), bytes, extra memory (MB), status."""
    before = rss_kb("VmRSS")
    reset_peak()
    started = time.perf_counter()
    response = client.get(path, buffered=False)
    chunks = iter(response.response)
    size = 0
    first = next(chunks, b"")
    ttfb = (time.perf_counter() - started) * 1000
    size += len(first)
    for chunk in chunks:
        size += len(chunk)
    total = (time.perf_counter() - started) * 1000
    response.close()
    extra = (rss_kb("VmHWM") - before) / 1024
    return ttfb, total, size, max(extra, 0.0), response.status_code


def pages(request_id: int) -> list[Page]:
    """Every console page and export the issue names, as the role that reads it."""
    return [
        Page("finance overview", "finance", "/finance"),
        Page("ledger", "finance", "/finance/ledger"),
        Page("ledger, last page", "finance", "/finance/ledger?page=100000"),
        Page("ledger CSV", "finance", "/finance/ledger.csv"),
        Page("ledger XLSX", "finance", "/finance/ledger.xlsx"),
        Page("spend CSV", "finance", "/finance/spend.csv"),
        Page("spend XLSX", "finance", "/finance/spend.xlsx"),
        Page("board", "nurse", "/console/board"),
        Page("board JSON", "nurse", "/console/api/board"),
        Page("request page", "nurse", f"/console/requests/{request_id}"),
        Page("requests list", "nurse", "/console/requests"),
        Page("requests CSV, a month", "nurse", "/console/requests.csv?from=2026-10-23"),
        Page("callbacks", "nurse", "/console/callbacks"),
        Page("audit log", "admin", "/admin/audit"),
        Page("directory", "admin", "/admin/directory"),
        Page("directory search", "admin", "/admin/directory?q=Nom1"),
    ]


def in_fresh_worker(engine: Engine, client: FlaskClient, path: str) -> str:
    """One page's figures, measured in a forked copy of the worker (so that no page inherits
    the memory another one grew): the first visit's extra memory, the second visit's times."""
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # the copy: its own database connections, the parent's are left alone
        os.close(reading)
        engine.dispose(close=False)
        _, _, _, extra, _ = measure(client, path)
        ttfb, total, size, _, status = measure(client, path)
        flag = "" if ttfb < TTFB_FLOOR_MS and extra < MEMORY_FLOOR_MB else "  over"
        line = f"{status:>6} {ttfb:>8.0f} ms {total:>7.0f} ms {size / 1024:>7.0f} kB"
        line += f" {extra:>7.1f} MB{flag}"
        os.write(writing, line.encode())
        os._exit(0)
    os.close(writing)
    with os.fdopen(reading, "rb") as found:
        line = found.read().decode()
    os.waitpid(child, 0)
    return line or "failed"


def measure_pages(url: str, requests: int, only: str) -> None:
    """Open every page (or those whose label has ``only``) and print its figures."""
    engine = make_engine(url)
    app = create_app(settings_for(url), database=Database(engine), clock=lambda: NOW)
    clients: dict[str, FlaskClient] = {}
    for role in sorted({page.role for page in pages(1)}):
        clients[role] = app.test_client()
        sign_in(clients[role], role)
    header = f"{'page':<22} {'role':<8} {'status':>6} {'first byte':>11} {'last byte':>10}"
    header += f" {'size':>10} {'extra mem':>10}   floors: {TTFB_FLOOR_MS:.0f} ms, "
    header += f"{MEMORY_FLOOR_MB:.0f} MB"
    print(header)
    for page in pages(requests - 1):
        if only in page.label:
            line = in_fresh_worker(engine, clients[page.role], page.path)
            print(f"{page.label:<22} {page.role:<8} {line}", flush=True)
    engine.dispose()


def run(server: str, requests: int, keep: bool, only: str = "", schema: str = "") -> None:
    """Seed (or reuse a kept schema), then open every page and print its figures."""
    server = with_driver(server)
    if schema:
        url = (
            make_url(server)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
        upgrade(url)
        engine = make_engine(url)
        build_telephony_days(engine, settings_for(url).timezone)
        engine.dispose()
        measure_pages(url, requests, only)
        return
    with own_schema(server, keep) as url:
        started = time.perf_counter()
        upgrade(url)
        engine = make_engine(url)
        seed_small(Database(engine))
        print(f"seeding {requests:,} requests…", flush=True)
        seed_history(engine, requests)
        build_telephony_days(engine, settings_for(url).timezone)
        engine.dispose()
        print(f"seeded in {time.perf_counter() - started:.0f} s", flush=True)
        measure_pages(url, requests, only)


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments and run the bench."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("url", help="a PostgreSQL database (a schema of its own is created)")
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the seeded schema")
    parser.add_argument("--pages", default="", help="only the pages whose label has this text")
    parser.add_argument("--schema", default="", help="measure a schema kept by --keep (no seed)")
    args = parser.parse_args(argv)
    run(args.url, args.requests, args.keep, args.pages, args.schema)
    return 0


if __name__ == "__main__":
    sys.exit(main())
