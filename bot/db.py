"""SQLAlchemy engines for SQLite (default) and PostgreSQL, shared by every store that keeps rows.

The helpdesk and the question log (bot/analytics.py) both use this set-up, so it lives on the
ground floor instead of one of them reaching into the other.

SQLite: WAL journal, a busy timeout, foreign keys on, and SQLAlchemy (not the sqlite3 module)
emits BEGIN so that every *write* transaction starts with BEGIN IMMEDIATE. That takes the write
lock up front, so read-then-write transactions (allocate a number, check a status, update) never
fail half-way with SQLITE_BUSY under concurrent writers; they queue on the busy timeout instead.
An in-memory SQLite URL gets one connection shared by all threads (StaticPool).
PostgreSQL: READ COMMITTED plus the callers' explicit locks; psycopg 3 for a bare postgresql:// URL.
Timestamps go in and out as aware UTC datetimes (`UTCDateTime`) on both.
"""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Dialect, Engine, TypeDecorator, create_engine, event, make_url
from sqlalchemy.engine import Connection
from sqlalchemy.pool import StaticPool

from bot.files import private_file

WRITE_OPTION = "helpdesk_write"
SQLITE_BUSY_TIMEOUT_MS = 30_000


def create_database_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> Engine:
    """An engine configured for safe concurrent use; use `write_engine()` for write transactions."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        # A bare postgresql:// would pick psycopg2, which is not installed; psycopg 3 is.
        parsed = parsed.set(drivername="postgresql+psycopg")
    kwargs: dict[str, Any] = {"echo": echo, "future": True}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
        if not database or database == ":memory:":
            # One in-memory database on one connection for all threads (a pool would give each thread
            # its own empty one). Tests and one-user tools only: `check` refuses it for serving.
            kwargs["poolclass"] = StaticPool
        else:
            if not database.startswith("file:"):
                private_file(Path(database).expanduser())  # names and phones: 0600 before SQLite opens it
            kwargs["pool_size"] = pool_size
            kwargs["max_overflow"] = pool_size
        engine = create_engine(parsed, **kwargs)
        _configure_sqlite(engine)
    else:
        kwargs.update(pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
        engine = create_engine(parsed, **kwargs)
    return engine


def write_engine(engine: Engine) -> Engine:
    """A view of `engine` whose transactions are write transactions (BEGIN IMMEDIATE on SQLite)."""
    return engine.execution_options(**{WRITE_OPTION: True})


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself (see module docstring).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            switch_to_wal(cursor)
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def switch_to_wal(cursor: Any) -> None:
    """Put the database file in WAL mode, waiting out other connections that are switching it too.

    WAL is persistent, so this is usually a read. The switch itself needs an exclusive lock, and
    SQLite answers SQLITE_BUSY at once there instead of calling the busy handler — several
    processes (or pool threads) opening a fresh database together would fail at random. Retry
    with a short back-off until the busy timeout, as every other statement would wait.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    delay = 0.005
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                return
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            code = (getattr(error, "sqlite_errorcode", None) or 0) & 0xFF  # primary code of an extended one
            if code not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or time.monotonic() >= deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.2)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (no tz support) and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
