"""Ids typed, posted or put in a URL by a person: never beyond what a database column holds.

An id past 2**31 - 1 makes PostgreSQL fail the statement (out of range): the console answers
"not found" or "choose one in the list" instead of a 500.
"""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter

# The largest id a database integer column holds (PostgreSQL ``integer``).
MAX_DB_INT = 2**31 - 1


def parse_id(text: str | None) -> int | None:
    """A row id typed or posted in a form, or None when it is not one (never beyond the column)."""
    value = (text or "").strip()
    if not value.isascii() or not value.isdigit() or len(value) > 10:
        return None
    number = int(value)
    return number if 0 < number <= MAX_DB_INT else None


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` in every route: an id past the column's range is a 404, not a 500."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_DB_INT)
        super().__init__(map, *args, **kwargs)
