"""The report aggregates' tables: one narrow table per row family of ``reports.indicator_facts``,
mirroring its dataclass (``Keys`` flattened into columns), and ``report_builds``, the days built
(and sealed by the retention purge).

The columns are derived from the dataclasses, so a field added to a fact is a schema change that
the migration check catches. A row holds no identity: codes, keys, flags, instants, amounts; the
facts never carry a name, a phone number or free text. Each row also has the helpline it was
built for and the local (Paris) day of its anchor instant, indexed together.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Union

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    false,
)

from hotline.db import Base, UTCDateTime
from reports.indicator_facts import (
    CallbackFact,
    CallFact,
    Keys,
    LedgerFact,
    QueueFact,
    RatingFact,
    RequestFact,
    SessionFact,
)

KEY_NAMES = tuple(f.name for f in fields(Keys))
# Fields recomputed when the facts are read (they depend on today's pool, not on the day).
NOT_STORED = {"is_pool_language"}


@dataclass(frozen=True)
class FactTable:
    """A row family's table: which dataclass it mirrors and which instant gives a row its day."""

    family: str  # the ``Facts`` field
    fact: type[Any]
    anchor: str  # the field whose local day is the row's day
    table: Table
    columns: tuple[str, ...]  # the dataclass's own fields, in table order (keys apart)


def _column_type(hint: Any) -> tuple[Any, bool]:
    """The SQL type of a field's annotation, and whether it may be null."""
    nullable = False
    if typing.get_origin(hint) in (Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        nullable, hint = True, args[0]
    kinds: dict[Any, Any] = {
        bool: Boolean(),
        int: Integer(),
        str: String(100),
        datetime: UTCDateTime(),
        Decimal: Numeric(12, 2),
        date: Date(),
    }
    return kinds[hint], nullable


def _table(name: str, family: str, fact: type[Any], anchor: str) -> FactTable:
    hints = typing.get_type_hints(fact)
    columns: list[Column[Any]] = [
        Column("helpline_id", Integer(), nullable=False),
        Column("day", Date(), nullable=False),
    ]
    own: list[str] = []
    for f in fields(fact):
        if f.name in NOT_STORED:
            continue
        if f.name == "keys":
            for key in KEY_NAMES:
                kind, _ = _column_type(typing.get_type_hints(Keys)[key])
                columns.append(Column(f"key_{key}", kind, nullable=True))
            continue
        kind, nullable = _column_type(hints[f.name])
        if f.name == "price":  # Twilio's five decimals, as ``calls.price``
            kind = Numeric(12, 5)
        columns.append(Column(f.name, kind, nullable=nullable))
        own.append(f.name)
    table = Table(
        name,
        Base.metadata,
        *columns,
        Index(f"ix_{name}_helpline_id_day", "helpline_id", "day"),
    )
    return FactTable(family, fact, anchor, table, tuple(own))


FACT_TABLES = (
    _table("report_requests", "requests", RequestFact, "opened_at"),
    _table("report_calls", "calls", CallFact, "started_at"),
    _table("report_queues", "queues", QueueFact, "entered_at"),
    _table("report_sessions", "sessions", SessionFact, "requested_at"),
    _table("report_callbacks", "callbacks", CallbackFact, "created_at"),
    _table("report_ledger", "ledger", LedgerFact, "service_at"),
    _table("report_ratings", "ratings", RatingFact, "opened_at"),
)
BY_FAMILY = {t.family: t for t in FACT_TABLES}

report_builds = Table(
    "report_builds",
    Base.metadata,
    Column("helpline_id", Integer(), nullable=False),
    Column("day", Date(), nullable=False),
    Column("built_at", UTCDateTime(), nullable=False),
    # Sealed: the retention purge forgot detail of the day; it is never built again.
    Column("is_sealed", Boolean(), nullable=False, default=False, server_default=false()),
    # A random number drawn at each build: the snapshots' fingerprint sums them, so a day built
    # again (even at the same instant) is seen (``reports.indicator_cache``).
    Column("generation", Integer(), nullable=False, default=0, server_default="0"),
    PrimaryKeyConstraint("helpline_id", "day"),
)


def row_of(fact: Any, helpline_id: int, day: date) -> dict[str, Any]:
    """A fact as its table's row."""
    row: dict[str, Any] = {"helpline_id": helpline_id, "day": day}
    keys = fact.keys
    for key in KEY_NAMES:
        row[f"key_{key}"] = getattr(keys, key)
    for name in BY_FAMILY_OF[type(fact)].columns:
        row[name] = getattr(fact, name)
    return row


BY_FAMILY_OF = {t.fact: t for t in FACT_TABLES}


# The indicators' values of a period already computed from the aggregates (``reports.
# indicator_cache``): one row per question (scope, period, filters, breakdowns), valid while its
# fingerprint (every input the computation read) is unchanged.
report_snapshots = Table(
    "report_snapshots",
    Base.metadata,
    Column("key", String(64), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("payload", Text(), nullable=False),
    Column("computed_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("key"),
    Index("ix_report_snapshots_computed_at", "computed_at"),
)
