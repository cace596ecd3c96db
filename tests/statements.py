"""Counting the SQL statements a piece of code sends (``before_cursor_execute``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event


@contextmanager
def statements_sent(engine: type[Engine] | Engine = Engine) -> Iterator[list[str]]:
    """The statements sent inside the block (on every engine by default), in order. SQLite's
    BEGIN is left out: psycopg opens PostgreSQL's transactions without a statement of ours.
    The boards' notification (``SELECT pg_notify``, one per transaction that changes a board, on
    PostgreSQL only: ``hotline.live``) is left out too and counted apart by the caller if needed:
    it is the push of the board, not the webhook's own work."""
    sent: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        text = statement.strip().upper()
        if text not in ("BEGIN", "BEGIN IMMEDIATE") and not text.startswith("SELECT PG_NOTIFY"):
            sent.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", note)
