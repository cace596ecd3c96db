"""Read the row families of a period from the report aggregates for the days built, and from the
raw rows for the rest (today, or any day not built yet), so a report is live and equal to a raw
read (each family's selection rule is the raw loaders' one, split at the first unbuilt day).

The tables are read with SQLAlchemy Core, as tuples; facts are rebuilt from them with their
``Keys``. ``is_pool_language`` is recomputed from today's pool, as the raw loader does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import MISSING, fields
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from reports.aggregate_tables import BY_FAMILY, KEY_NAMES, FactTable, report_builds
from reports.aggregates import first_day
from reports.indicator_facts import PARIS, BudgetFact, Keys, Period, local
from reports.indicator_loaders import (
    load_callbacks,
    load_ledger,
    load_ratings,
    load_sessions,
    pool_languages,
)
from reports.indicator_rows import load_calls, load_queues, load_requests


def _midnight(day: date) -> datetime:
    return Period.local(day, day).start


def built_until(session: Session, scope: Sequence[int], period: Period) -> datetime | None:
    """The instant (a local midnight after the period's start) before which every day of every
    helpline in scope is built since the first day holding data; None when the period's start
    is not built (then everything is read raw)."""
    first = first_day(session)
    if first is None or not scope:
        return None
    last = local(period.end - timedelta(microseconds=1)).date()
    if last < first:
        return None
    cut = last + timedelta(days=1)
    for helpline_id in scope:
        days = sorted(
            session.scalars(
                select(report_builds.c.day).where(
                    report_builds.c.helpline_id == helpline_id,
                    report_builds.c.day >= first,
                    report_builds.c.day <= last,
                )
            )
        )
        # The built days form an unbroken run from ``first`` up to the first gap.
        run = 0
        while run < len(days) and days[run] == first + timedelta(days=run):
            run += 1
        cut = min(cut, first + timedelta(days=run))
    until = _midnight(cut)
    return until if until > period.start else None


def _facts(table: FactTable, rows: Sequence[Any], extra: dict[str, Any] | None = None) -> list[Any]:
    """The rows as their dataclass: filled field by field without ``__init__`` (frozen
    dataclasses have no check there; this is the page's hottest loop), rows with the same
    keys sharing one ``Keys``."""
    width = len(KEY_NAMES)
    names = ("keys", *table.columns)
    fact = table.fact
    unstored = [f for f in fields(fact) if f.name not in names]
    defaults = {f.name: f.default for f in unstored if f.default is not MISSING}
    made = {f.name: f.default_factory for f in unstored if f.default_factory is not MISSING}
    shared: dict[tuple[Any, ...], Keys] = {}
    new = object.__new__
    out = []
    for row in rows:
        key_values = tuple(row[:width])
        keys = shared.get(key_values)
        if keys is None:
            keys = shared[key_values] = Keys(*key_values)
        obj = new(fact)
        state = obj.__dict__
        state.update(defaults)
        if made:
            state.update({name: make() for name, make in made.items()})
        state.update(zip(names, (keys, *row[width:]), strict=True))
        if extra:
            values = dict(zip(table.columns, row[width:], strict=True))
            state.update({name: compute(values, row) for name, compute in extra.items()})
        out.append(obj)
    return out


def _select(table: FactTable, scope: Sequence[int], *where: ColumnElement[bool]) -> Any:
    c = table.table.c
    columns = [c[f"key_{k}"] for k in KEY_NAMES] + [c[name] for name in table.columns]
    return select(*columns).where(c.helpline_id.in_(list(scope)), *where)


def _anchored(
    session: Session, family: str, scope: Sequence[int], start: datetime, end: datetime
) -> Sequence[Any]:
    """The rows of a family whose anchor instant falls in [start, end)."""
    table = BY_FAMILY[family]
    c = table.table.c
    anchor = c[table.anchor]
    query = _select(
        table,
        scope,
        c.day >= local(start).date(),
        c.day <= local(end - timedelta(microseconds=1)).date(),
        anchor >= start,
        anchor < end,
    )
    return session.execute(query.order_by(anchor)).all()


FAMILIES = ("requests", "calls", "queues", "sessions", "callbacks", "ledger", "ratings")


def load_live(
    session: Session, scope: Sequence[int], period: Period, until: datetime
) -> dict[str, list[Any]]:
    """Each row family of [until, end) (the days not built: today) from the raw rows; empty
    when every day of the period is built."""
    families: dict[str, list[Any]] = {family: [] for family in FAMILIES}
    if until < period.end:
        _add_raw(session, scope, Period(until, period.end), families)
    return families


def load_families(
    session: Session,
    scope: Sequence[int],
    period: Period,
    until: datetime,
    budgets: Sequence[BudgetFact],
    live: dict[str, list[Any]] | None = None,
) -> dict[str, list[Any]]:
    """Each row family of the period: [start, until) from the tables, [until, end) raw (or
    ``live``, when ``load_live`` already read them)."""
    start, end = period.start, period.end
    split = min(until, end)
    before = local(split - timedelta(microseconds=1)).date()
    families: dict[str, list[Any]] = {}
    # Requests: opened before the end, and opened, closed or still open in the period.
    table = BY_FAMILY["requests"]
    c = table.table.c
    rows = session.execute(
        _select(
            table,
            scope,
            c.day <= before,
            c.opened_at < split,
            or_(c.opened_at >= start, c.closed_at >= start, c.closed_at.is_(None)),
        ).order_by(c.opened_at, c.id)
    )
    families["requests"] = _facts(table, rows.all())
    for family in ("calls", "queues", "ratings"):
        families[family] = _facts(
            BY_FAMILY[family], _anchored(session, family, scope, start, split)
        )
    pool = pool_languages(session)
    width = len(KEY_NAMES)
    language = KEY_NAMES.index("language")
    families["sessions"] = _facts(
        BY_FAMILY["sessions"],
        _anchored(session, "sessions", scope, start, split),
        {"is_pool_language": lambda _values, row: row[:width][language] in pool},
    )
    table = BY_FAMILY["callbacks"]
    c = table.table.c
    rows = session.execute(
        _select(
            table,
            scope,
            c.day <= before,
            c.created_at < split,
            or_(
                c.created_at >= start,
                c.due_at >= start,
                c.done_at.is_(None),
                c.done_at >= start,
            ),
        )
    )
    families["callbacks"] = _facts(table, rows.all())
    starts = [local(start).date(), *(b.starts_on for b in budgets)]
    since = min(_midnight(min(starts)), start)
    table = BY_FAMILY["ledger"]
    c = table.table.c
    rows = session.execute(
        _select(
            table, scope, and_(c.service_at >= since, c.service_at < split), c.day <= before
        ).order_by(c.service_at, c.id)
    )
    families["ledger"] = _facts(table, rows.all())
    if split < end:
        rest = live if live is not None else load_live(session, scope, period, split)
        for family in FAMILIES:
            families[family] += rest[family]
    return families


def _add_raw(
    session: Session, scope: Sequence[int], rest: Period, families: dict[str, list[Any]]
) -> None:
    """The families of [until, end) from the raw rows (the days not built)."""
    requests, keys, stories = load_requests(session, scope, rest, opened_only=True)
    families["requests"] += [r for r in requests if r.opened_at >= rest.start]
    families["calls"] += load_calls(session, scope, rest, keys, stories)
    families["queues"] += load_queues(session, scope, rest, keys, stories)
    families["sessions"] += load_sessions(session, scope, rest, keys)
    families["callbacks"] += [
        t for t in load_callbacks(session, scope, rest, keys) if t.created_at >= rest.start
    ]
    families["ledger"] += load_ledger(session, scope, rest, (), keys)
    families["ratings"] += load_ratings(session, scope, rest, keys)


__all__ = ["FAMILIES", "PARIS", "built_until", "load_families", "load_live"]
