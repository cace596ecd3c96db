"""The indicators of a period and a scope, from the database: rows loaded once per family, then
the registry's pure computations (``reports.indicators``).

Scope is a list of helpline ids (from ``hotline.scope``); filters keep the rows of one category,
profession, territory, language or provider (``Facts.where``). Medians and P90 are computed in
Python from the rows. The days already built into the report aggregates
(``reports.aggregates``) are read from their tables, the others (today) from the raw rows, so
the figures stay live and equal to a raw read (``reports.aggregate_read``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.models import Helpline
from reports import aggregate_read, indicator_cache
from reports.indicator_facts import BudgetFact, Facts, Interval, Period
from reports.indicator_loaders import (
    load_budgets,
    load_callbacks,
    load_hours,
    load_ledger,
    load_professionals,
    load_ratings,
    load_sessions,
    pool_languages,
)
from reports.indicator_rows import load_calls, load_queues, load_requests, request_ids
from reports.indicators import REGISTRY, Value, breakdown, breakdown_of_parts, compute_all

FILTER_KEYS = ("category", "profession", "territory", "language", "provider")


@dataclass(frozen=True)
class Filters:
    """The report's filters; None keeps every row.

    A filter keeps the rows whose key has that value: a request's language is its own, else its
    first session's; its provider is the interpreter of its first connected session (an
    interpreter's id); sessions, their legs and ledger entries carry their own language and
    provider. Row families without the key (the directory under a category filter) are emptied,
    and the budget lines, opening hours and rota are kept.
    """

    category: str | None = None
    profession: str | None = None
    territory: str | None = None
    language: str | None = None
    provider: str | None = None  # an interpreter's id, as text

    def apply(self, facts: Facts) -> Facts:
        """The rows that pass every filter."""
        for key in FILTER_KEYS:
            value = getattr(self, key)
            if value is not None:
                facts = facts.where(key, value)
        return facts


@dataclass(frozen=True)
class Values:
    """Each indicator's value (None: manual) and the breakdowns asked for, by (id, key)."""

    values: Mapping[str, Value | None]
    breakdowns: Mapping[tuple[str, str], Mapping[str, Value]] = field(default_factory=dict)


@dataclass(frozen=True)
class Inputs:
    """The small inputs of a computation, read first: the budget lines, opening hours and
    shifts of the period, the helplines asking for ratings, and the instant before which every
    day is built into the aggregates (None: read raw)."""

    budgets: tuple[BudgetFact, ...]
    opening: tuple[Interval, ...]
    shifts: tuple[Interval, ...]
    rating_helplines: frozenset[int]
    built_until: datetime | None

    def all_built(self, period: Period) -> bool:
        """Whether every day of the period is read from the aggregates (nothing live)."""
        return self.built_until is not None and self.built_until >= period.end


def load_inputs(session: Session, period: Period, scope: Sequence[int]) -> Inputs:
    """The small inputs of the period's computation."""
    scope = list(scope)
    opening, shifts = load_hours(session, scope, period)
    rating = session.scalars(
        select(Helpline.id).where(Helpline.id.in_(scope), Helpline.is_rating_enabled)
    )
    return Inputs(
        budgets=tuple(load_budgets(session, scope, period)),
        opening=tuple(opening),
        shifts=tuple(shifts),
        rating_helplines=frozenset(rating),
        built_until=aggregate_read.built_until(session, scope, period),
    )


def load_facts(
    session: Session,
    period: Period,
    scope: Sequence[int],
    filters: Filters | None = None,
    inputs: Inputs | None = None,
    live: dict[str, list[Any]] | None = None,
) -> Facts:
    """Every row family for the period and the helplines in scope, filtered: the built days
    from the aggregates, the rest from the raw rows (``live``, when already read)."""
    scope = list(scope)
    inputs = inputs or load_inputs(session, period, scope)
    budgets = inputs.budgets
    cut = inputs.built_until
    if cut is None:
        requests, keys, stories = load_requests(session, scope, period)
        families: dict[str, list[Any]] = {
            "requests": requests,
            "calls": load_calls(session, scope, period, keys, stories),
            "queues": load_queues(session, scope, period, keys, stories),
            "sessions": load_sessions(session, scope, period, keys),
            "callbacks": load_callbacks(session, scope, period, keys),
            "ledger": load_ledger(session, scope, period, budgets, keys),
            "ratings": load_ratings(session, scope, period, keys),
        }
    else:
        families = aggregate_read.load_families(session, scope, period, cut, budgets, live)
    facts = Facts(
        requests=tuple(families["requests"]),
        calls=tuple(families["calls"]),
        queues=tuple(families["queues"]),
        sessions=tuple(families["sessions"]),
        callbacks=tuple(families["callbacks"]),
        ledger=tuple(families["ledger"]),
        budgets=budgets,
        professionals=tuple(load_professionals(session, scope)),
        ratings=tuple(families["ratings"]),
        opening=inputs.opening,
        shifts=inputs.shifts,
        rating_helplines=inputs.rating_helplines,
    )
    return (filters or Filters()).apply(facts)


def compute(
    session: Session,
    period: Period,
    scope: Sequence[int],
    filters: Filters | None = None,
    breakdowns: Iterable[str] = (),
    only: Iterable[tuple[str, str]] | None = None,
    now: datetime | None = None,
) -> Values:
    """Each indicator's value for the period and scope, with the breakdowns asked for (for
    every indicator that supports them, or only the (indicator, key) pairs of ``only``: a page
    computes the breakdowns it shows, the report's workbook all of them).

    A period read from the aggregates is answered from its snapshot when the inputs it was
    computed from are unchanged (the days not built yet, today, read raw and compared row by
    row), and kept once computed at ``now`` (``reports.indicator_cache``)."""
    filters = filters or Filters()
    breakdowns = tuple(breakdowns)
    only = None if only is None else tuple(only)
    inputs = load_inputs(session, period, scope)
    if inputs.built_until is None:  # nothing built: a raw read, never kept
        facts = load_facts(session, period, scope, filters, inputs)
        return _computed(facts, period, breakdowns, only)
    live = aggregate_read.load_live(session, scope, period, inputs.built_until)
    # In an order of their own (the rows' query order is not the point).
    small = (
        inputs.built_until.isoformat(),
        sorted(map(repr, inputs.budgets)),
        sorted(map(repr, inputs.opening)),
        sorted(map(repr, inputs.shifts)),
        sorted(inputs.rating_helplines),
        sorted(pool_languages(session)),
        {family: sorted(map(repr, rows)) for family, rows in live.items()},
    )
    key = indicator_cache.question(scope, period, asdict(filters), breakdowns, only)
    mark = indicator_cache.fingerprint(session, scope, period, small)
    found = indicator_cache.read(session, key, mark)
    if found is not None:
        return Values(*found)
    facts = load_facts(session, period, scope, filters, inputs, live)
    values = _computed(facts, period, breakdowns, only)
    indicator_cache.store(session, key, mark, values.values, values.breakdowns, now or utcnow())
    return values


def _computed(
    facts: Facts,
    period: Period,
    breakdowns: Iterable[str],
    only: Iterable[tuple[str, str]] | None,
) -> Values:
    wanted = None if only is None else set(only)
    split: dict[tuple[str, str], Mapping[str, Value]] = {}
    for key in breakdowns:
        indicators = [
            i
            for i in REGISTRY.values()
            if key in i.breakdowns and not i.manual and (wanted is None or (i.id, key) in wanted)
        ]
        if not indicators:
            continue
        parts = None if key == "month" else facts.split(key)
        for indicator in indicators:
            split[(indicator.id, key)] = (
                breakdown(indicator.id, facts, period, key)
                if parts is None
                else breakdown_of_parts(indicator.id, parts, period)
            )
    return Values(compute_all(facts, period), split)


__all__ = [
    "FILTER_KEYS",
    "Filters",
    "Inputs",
    "Values",
    "compute",
    "load_facts",
    "load_inputs",
    "request_ids",
]
