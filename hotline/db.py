"""Database foundations: the declarative base, UTC time columns, engines and sessions."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar, TypeVar, cast

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    DateTime,
    Engine,
    Enum,
    MetaData,
    Numeric,
    Table,
    TextualSelect,
    bindparam,
    create_engine,
    event,
    select,
    text,
    update,
)
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.inspection import inspect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

M = TypeVar("M")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps them as naive UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of every model, with a constraint naming convention and a safe repr."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        Decimal: Numeric(12, 2),
    }

    # What a repr shows after the primary key. A repr ends up in logs: patient identity and free
    # text never go here, and phone numbers only through __repr_masked__.
    __repr_fields__: ClassVar[tuple[str, ...]] = ()
    # Phone numbers, shown by their last two digits only ('…78').
    __repr_masked__: ClassVar[tuple[str, ...]] = ()

    def __repr__(self) -> str:
        # Only what is already loaded is read: a repr never queries, nor fails on a detached row.
        state = inspect(self)
        mapper = state.mapper
        keys = [mapper.get_property_by_column(c).key for c in mapper.primary_key]
        parts = [f"{key}={state.dict.get(key)!r}" for key in keys]
        for key in self.__repr_fields__:
            if key in state.dict:
                parts.append(f"{key}={state.dict[key]!r}")
        for key in self.__repr_masked__:
            if key in state.dict:
                parts.append(f"{key}={mask_number(state.dict[key])!r}")
        return f"<{type(self).__name__} {' '.join(parts)}>"


def str_enum(enum: type[StrEnum], length: int) -> Enum:
    """A ``StrEnum`` column stored as a plain VARCHAR(length) of its values (no CHECK, no native
    enum type, so the schema is the one of a string column); unknown strings are refused."""
    return Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def mask_number(number: str | None) -> str | None:
    """A phone number reduced to its last two digits, for logs: '+33612345678' → '…78'."""
    if not number:
        return number
    return "…" + number[-2:]


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


CONNECT_TIMEOUT_S = 3
# What a session opened with ``wait_limited`` waits for, at most (webhooks: Twilio waits 15 s).
# Jobs, the console and reports keep the backend's defaults.
WAIT_LIMIT_OPTION = "hotline_wait_limited"
LOCK_TIMEOUT_MS = 2000
STATEMENT_TIMEOUT_MS = 4000
BUSY_TIMEOUT_MS = 30000
LIMITED_BUSY_TIMEOUT_MS = 3000
# The execution option ``claim`` tags its UPDATE with: the claimed row's id, so that what watches
# the session's writes (``hotline.live``, the board's pushes) knows which row moved.
CLAIMED_ROW_OPTION = "hotline_claimed_row"


def claim(
    session: Session,
    model: type[Any],
    row_id: int,
    from_status: str,
    *conditions: ColumnElement[bool],
    **values: Any,
) -> bool:
    """Move one row out of ``from_status`` by a conditional UPDATE: true for one caller only.

    Two workers (two webhooks, two clocks) racing for the same row both run the UPDATE; the
    database lets exactly one of them match ``status == from_status`` (and ``conditions``).
    The row is written in the database only: refresh a loaded instance to see ``values``.
    """
    moved = session.execute(
        update(model)
        .where(model.id == row_id, model.status == from_status, *conditions)
        .values(**values)
        .execution_options(synchronize_session=False, **{CLAIMED_ROW_OPTION: row_id})
    )
    return bool(getattr(moved, "rowcount", 0) == 1)


def insert_once(
    session: Session, model: type[M], unique: Sequence[str], values: dict[str, Any]
) -> M | None:
    """Insert a row unless one with the same ``unique`` columns exists: the new instance, or
    None. One statement (INSERT … ON CONFLICT DO NOTHING RETURNING), no savepoint: a duplicate
    delivered at the same moment waits for the first's commit and then inserts nothing."""
    table = cast(Table, getattr(model, "__table__"))  # noqa: B009 (a mapped class's table)
    full = with_column_defaults(table, values)
    statement = insert_on_conflict(table, tuple(full), tuple(unique), "DO NOTHING", tuple(table.c))
    return session.scalars(select(model).from_statement(statement), full).first()


_ON_CONFLICT: dict[tuple[Any, ...], TextualSelect] = {}


def with_column_defaults(table: Table, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` with the Python-side defaults of the columns it leaves out (as an ORM or Core
    INSERT would add them)."""
    full = dict(values)
    for column in table.c:
        default = column.default
        if column.name in full or default is None:
            continue
        if getattr(default, "is_scalar", False):
            full[column.name] = default.arg  # type: ignore[attr-defined]
        elif getattr(default, "is_callable", False):
            full[column.name] = default.arg(None)  # type: ignore[attr-defined]
    return full


def insert_on_conflict(
    table: Table,
    names: tuple[str, ...],
    conflict: tuple[str, ...],
    action: str,
    returning: tuple[Column[Any], ...],
) -> TextualSelect:
    """``INSERT … ON CONFLICT (conflict) action RETURNING …`` as a textual statement, built once
    per shape: SQLAlchemy does not cache the compiled form of its dialects' upserts (it compiles
    them again at every execution, a millisecond on the webhooks' path), while a textual
    statement is compiled once. The same SQL runs on PostgreSQL and SQLite (3.35+); each
    parameter is typed by its column, so values are bound as a Core INSERT binds them."""
    key = (table.name, names, conflict, action, tuple(c.name for c in returning))
    built = _ON_CONFLICT.get(key)
    if built is None:
        quoted = ", ".join(f'"{name}"' for name in names)
        params = ", ".join(f":{name}" for name in names)
        unique = ", ".join(f'"{name}"' for name in conflict)
        back = ", ".join(f'"{c.name}"' for c in returning)
        # The names are our tables' and columns'; values are bound.
        sql = f'INSERT INTO "{table.name}" ({quoted}) VALUES ({params}) '  # noqa: S608
        sql += f"ON CONFLICT ({unique}) {action} RETURNING {back}"
        built = (
            text(sql)
            .bindparams(*(bindparam(name, type_=table.c[name].type) for name in names))
            .columns(*returning)
        )
        _ON_CONFLICT[key] = built
    return built


def make_engine(url: str, *, wait_limited: bool = False, **kwargs: Any) -> Engine:
    """Create an engine with the settings each backend needs for concurrent web workers.

    ``wait_limited``: its connections cut statements and lock waits short (webhooks' engine),
    set once when a connection opens rather than by a statement in every transaction.
    """
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )
        busy_ms = LIMITED_BUSY_TIMEOUT_MS if wait_limited else BUSY_TIMEOUT_MS
        event.listen(engine, "connect", functools.partial(_sqlite_pragmas, busy_ms=busy_ms))
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # A database that does not answer must fail fast: Twilio waits 15 s for a webhook, and the
    # fallback TwiML has to reach the caller well before that.
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in make_url(url).query:
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_S
    if wait_limited:
        options = str(make_url(url).query.get("options", ""))
        connect_args["options"] = (
            f"{options} -c lock_timeout={LOCK_TIMEOUT_MS} "
            f"-c statement_timeout={STATEMENT_TIMEOUT_MS}"
        ).strip()
    engine = create_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)
    event.listen(engine, "begin", _postgresql_begin)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any, *, busy_ms: int) -> None:
    # SQLAlchemy, not the driver, opens transactions: savepoints then work as on PostgreSQL.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    # A connection of a test's outer transaction may be asked for limited waits per transaction;
    # engines' connections have their busy timeout from ``connect``.
    if conn.get_execution_options().get(WAIT_LIMIT_OPTION, False):
        conn.exec_driver_sql(f"PRAGMA busy_timeout={LIMITED_BUSY_TIMEOUT_MS}")
    # Take the write lock up front: concurrent writers wait on busy_timeout instead of failing
    # when a read transaction tries to upgrade (SQLite does not retry that deadlock).
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _postgresql_begin(conn: Connection) -> None:
    # SET LOCAL lasts until the transaction ends: the pooled connection keeps no trace of it.
    if conn.get_execution_options().get(WAIT_LIMIT_OPTION, False):
        conn.exec_driver_sql(
            f"SET LOCAL lock_timeout = {LOCK_TIMEOUT_MS}; "
            f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}"
        )


class Database:
    """An engine (or a test's connection) and the session factory bound to it."""

    def __init__(self, bind: Engine | Connection) -> None:
        self.bind = bind
        self._limited_engine: Engine | None = None
        if isinstance(bind, Connection):
            # A test's outer transaction: commits inside the app release savepoints only.
            self.sessionmaker = sessionmaker(
                bind=bind, expire_on_commit=False, join_transaction_mode="create_savepoint"
            )
            self.limited_sessionmaker = self.sessionmaker
        else:
            self.sessionmaker = sessionmaker(bind=bind, expire_on_commit=False)
            limited: Engine | Connection
            if bind.dialect.name == "sqlite" and bind.url.database in (None, "", ":memory:"):
                # One in-memory database: its sessions share the engine, limited per transaction.
                limited = bind.execution_options(**{WAIT_LIMIT_OPTION: True})
            else:
                # The webhooks' own pool: its connections carry the short waits, so a webhook's
                # transaction spends no statement on setting them.
                limited = self._limited_engine = make_engine(
                    bind.url.render_as_string(hide_password=False), wait_limited=True
                )
            self.limited_sessionmaker = sessionmaker(bind=limited, expire_on_commit=False)

    @classmethod
    def from_url(cls, url: str) -> Database:
        """A database with its own engine."""
        return cls(make_engine(url))

    @property
    def dialect_name(self) -> str:
        """The backend's name: sqlite or postgresql."""
        return self.bind.dialect.name

    def session(self, *, wait_limited: bool = False) -> Session:
        """A new session; the caller commits or closes it.

        ``wait_limited``: its statements and lock waits are cut short (a caller is waiting).
        """
        return self.limited_sessionmaker() if wait_limited else self.sessionmaker()

    def dispose(self) -> None:
        """Close pooled connections (engines only)."""
        if isinstance(self.bind, Engine):
            self.bind.dispose()
        if self._limited_engine is not None:
            self._limited_engine.dispose()
