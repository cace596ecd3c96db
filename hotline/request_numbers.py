"""Request references (2026-00042): numbered per year without queueing concurrent calls.

On PostgreSQL each year has its sequence, made on demand by the ``request_reference`` function
(migration 0027): a call takes a number without waiting for another call's commit. SQLite writes
one transaction at a time anyway: there the year's row of ``request_counters`` is the sequence,
read by the request's INSERT and moved on by the ``requests_count_reference`` trigger. Numbers a
rolled-back transaction took on PostgreSQL are not given again: a gap, never a duplicate.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, String, cast, func, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from hotline.models import RequestCounter


def reference_of_year(dialect: str, year: int | ColumnElement[int]) -> ColumnElement[str]:
    """The SQL expression of the next reference of ``year`` (a number or a bound parameter),
    to write in a request's INSERT."""
    if dialect == "postgresql":
        return func.request_reference(year, type_=String)
    counter = (
        select(RequestCounter.last_number).where(RequestCounter.year == year).scalar_subquery()
    )
    number = func.printf("%05d", func.coalesce(counter, 0) + 1, type_=String)
    return cast(year, String).concat("-").concat(number)


def next_reference(session: Session, year: int) -> str:
    """The next reference of the year, taken now (for a request built in Python)."""
    if session.get_bind().dialect.name == "postgresql":
        return str(session.scalar(select(func.request_reference(year, type_=String))))
    upsert = sqlite.insert(RequestCounter).values(year=year, last_number=1)
    number = session.scalar(
        upsert.on_conflict_do_update(
            index_elements=[RequestCounter.year],
            set_={"last_number": RequestCounter.last_number + 1},
        ).returning(RequestCounter.last_number)
    )
    return f"{year}-{number:05d}"
