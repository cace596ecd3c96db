"""The indicators' values of a period, kept once computed: the days of a period built into the
report aggregates are read from those tables and a few small ones (budget lines, opening hours,
rota, directory, pool), the days not built yet (today) from a few raw rows, so its values only
change when one of them does. A snapshot row holds the values of one question (scope, period,
filters, breakdowns asked) with the fingerprint of everything the computation read; it is served
while the fingerprint is the same, computed again (and replaced) when it differs. A period with
no day built (before the first build) is read raw and never kept.

The fingerprint: the report_builds rows of the scope up to the period's last day (how many, the
latest build, the sealed ones, the sum of their build generations: any rebuild or seal changes
it), the budget lines, opening hours and shifts of the period, the helplines asking for ratings,
the pool's languages, the directory's rows the computation reads (profession, territory, active,
registration, merge) and each professional's first request before the period's end, and the
source of the ``reports`` package (a new definition of an indicator is a new fingerprint); the
caller adds the raw rows of the days not built, row by row (``indicator_data.compute``).
Services: they flush, never commit.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, case, delete, func, select, text
from sqlalchemy.orm import Session

from hotline.db import insert_on_conflict
from hotline.models import Professional
from reports.aggregate_tables import report_builds, report_snapshots
from reports.indicator_facts import Period, local
from reports.indicator_loaders import DIRECTORY_COLUMNS
from reports.indicator_rows import first_requests
from reports.indicator_spec import Number, Value

Breakdowns = Mapping[tuple[str, str], Mapping[str, Value]]

# The directory's rows a computation reads (those registered before the period's end: a
# professional registered later is in no figure of it unless a request of the period is his,
# which his first request says), and each professional's first request on the helplines in
# scope when it came before the period's end; hashed by PostgreSQL (SQLite hashes them here).
_DIRECTORY_PG = text(
    "SELECT md5(string_agg(concat_ws('|', id, profession, territory, is_active, created_at, "
    "merged_into_id), ',' ORDER BY id)) FROM professionals WHERE created_at < :end"
)
# Per professional, the index on (professional_id, opened_at) finds his first request: a few
# index reads each, where grouping the scope's requests would read them all.
_FIRST_REQUESTS_PG = text(
    "SELECT md5(string_agg(concat_ws('|', p.id, f.first), ',' ORDER BY p.id)) "
    "FROM professionals AS p CROSS JOIN LATERAL (SELECT min(r.opened_at) AS first "
    "FROM requests AS r WHERE r.professional_id = p.id AND r.helpline_id IN :scope "
    "AND r.opened_at < :end) AS f WHERE f.first IS NOT NULL"
).bindparams(bindparam("scope", expanding=True))


@cache
def code_version() -> str:
    """A digest of the ``reports`` package's source: the definitions the values come from."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def question(
    scope: Sequence[int],
    period: Period,
    filters: Mapping[str, str | None],
    breakdowns: Iterable[str],
    only: Iterable[tuple[str, str]] | None,
) -> str:
    """The key of a question: the same scope, period, filters and breakdowns, the same key."""
    asked = {
        "scope": sorted(scope),
        "period": [period.start.isoformat(), period.end.isoformat()],
        "filters": dict(filters),
        "breakdowns": list(breakdowns),
        "only": None if only is None else sorted([list(pair) for pair in only]),
    }
    return hashlib.sha256(json.dumps(asked, sort_keys=True).encode()).hexdigest()


def _directory(session: Session, scope: Sequence[int], end: datetime) -> str:
    if session.get_bind().dialect.name == "postgresql":
        params = {"end": end, "scope": list(scope)}
        return (
            f"{session.scalar(_DIRECTORY_PG, params)}/{session.scalar(_FIRST_REQUESTS_PG, params)}"
        )
    rows = session.execute(
        select(*DIRECTORY_COLUMNS, Professional.merged_into_id)
        .where(Professional.created_at < end)
        .order_by(Professional.id)
    ).all()
    firsts = sorted((pid, at) for pid, at in first_requests(session, scope).items() if at < end)
    return hashlib.sha256(repr((rows, firsts)).encode()).hexdigest()


def fingerprint(
    session: Session, scope: Sequence[int], period: Period, small: Sequence[object]
) -> str:
    """The fingerprint of what a computation of the period reads (``small``: the budget
    lines, hours, shifts, rating helplines and pool already loaded)."""
    last = local(period.end - timedelta(microseconds=1)).date()
    c = report_builds.c
    builds = session.execute(
        select(
            func.count(),
            func.max(c.built_at),
            func.sum(case((c.is_sealed, 1), else_=0)),
            func.sum(c.generation),
        ).where(c.helpline_id.in_(list(scope)), c.day <= last)
    ).one()
    digest = hashlib.sha256(code_version().encode())
    digest.update(repr(tuple(builds)).encode())
    digest.update(repr(tuple(small)).encode())
    digest.update(_directory(session, scope, period.end).encode())
    return digest.hexdigest()


def _number(n: Number | None) -> Any:
    return {"d": str(n)} if isinstance(n, Decimal) else n


def _back(n: Any) -> Number | None:
    return Decimal(n["d"]) if isinstance(n, dict) else n


def _value(v: Value | None) -> Any:
    if v is None:
        return None
    return [_number(v.value), {k: _number(x) for k, x in v.extra.items()}, list(v.items)]


def _value_back(data: Any) -> Value | None:
    if data is None:
        return None
    value, extra, items = data
    return Value(_back(value), {k: _back(x) for k, x in extra.items()}, tuple(items))


def encode(values: Mapping[str, Value | None], breakdowns: Breakdowns) -> str:
    """The values as JSON: Decimals as strings, every mapping in its order."""
    return json.dumps(
        {
            "values": {i: _value(v) for i, v in values.items()},
            "breakdowns": [
                [i, key, {label: _value(v) for label, v in split.items()}]
                for (i, key), split in breakdowns.items()
            ],
        },
        separators=(",", ":"),
    )


def decode(payload: str) -> tuple[dict[str, Value | None], dict[tuple[str, str], dict[str, Any]]]:
    """``encode``'s values and breakdowns back."""
    data = json.loads(payload)
    values = {i: _value_back(v) for i, v in data["values"].items()}
    split = {
        (i, key): {label: _value_back(v) for label, v in parts.items()}
        for i, key, parts in data["breakdowns"]
    }
    return values, split


def read(
    session: Session, key: str, mark: str
) -> tuple[dict[str, Value | None], dict[tuple[str, str], dict[str, Any]]] | None:
    """The values kept for the question, if they were computed from the same inputs."""
    c = report_snapshots.c
    payload = session.scalar(select(c.payload).where(c.key == key, c.fingerprint == mark))
    return None if payload is None else decode(payload)


_UPSERT = (
    "DO UPDATE SET fingerprint = excluded.fingerprint, payload = excluded.payload, "
    "computed_at = excluded.computed_at"
)


def store(
    session: Session,
    key: str,
    mark: str,
    values: Mapping[str, Value | None],
    breakdowns: Breakdowns,
    now: datetime,
) -> None:
    """Keep the values of a question (replacing what was kept for it)."""
    c = report_snapshots.c
    statement = insert_on_conflict(
        report_snapshots,
        ("key", "fingerprint", "payload", "computed_at"),
        ("key",),
        _UPSERT,
        (c.key,),
    )
    session.execute(
        statement,
        {
            "key": key,
            "fingerprint": mark,
            "payload": encode(values, breakdowns),
            "computed_at": now,
        },
    )
    session.flush()


def forget_older(session: Session, before: datetime) -> int:
    """Delete the snapshots computed before ``before``; return how many."""
    result = session.execute(
        delete(report_snapshots).where(report_snapshots.c.computed_at < before)
    )
    session.flush()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
