"""The helpdesk's part of a backup: every row of every table, read from one consistent snapshot.

    database/<table>.jsonl   one JSON object per row, in primary-key order

Why a portable table dump rather than `pg_dump` / the sqlite3 backup API: one format for both
databases, so a county that started on a laptop (SQLite) restores its history into PostgreSQL;
no PostgreSQL client binaries whose major version must match the server's in the bot image; and a
backup an operator can read and checksum. Rows are read inside one snapshot transaction
(REPEATABLE READ on PostgreSQL, a WAL read transaction on SQLite). Restore builds the schema with
Alembic at the backup's revision, loads the rows with their original ids, moves PostgreSQL
sequences past them, then upgrades to the current head — so an old backup restores into a newer
release through the same migrations an upgrade runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import Connection, Engine, text

from bot.backup_format import BackupError, dump_table, load_table, reflect, reset_sequences, row_count
from bot.helpdesk.db import PG_MIGRATION_LOCK, create_helpdesk_engine, write_engine
from bot.helpdesk.revisions import VERSION_TABLE, alembic_config, known_revisions, schema_revision


def _engine(url: str) -> Engine:
    return create_helpdesk_engine(url, pool_size=1)


def dump(url: str, out_dir: Path, root: Path) -> dict[str, Any]:
    """Write every table's rows to `out_dir/<table>.jsonl` from one consistent snapshot; the
    manifest part (backend, schema revision, one entry per table)."""
    engine = _engine(url)
    out_dir.mkdir(parents=True)
    tables: dict[str, Any] = {}
    try:
        with engine.connect() as raw:
            conn = (
                raw.execution_options(isolation_level="REPEATABLE READ")
                if engine.dialect.name == "postgresql"
                else raw
            )
            with conn.begin():
                revision = schema_revision(conn)
                metadata = reflect(conn)
                for table in metadata.sorted_tables:
                    if table.name != VERSION_TABLE:
                        tables[table.name] = dump_table(conn, table, out_dir / f"{table.name}.jsonl", root)
    finally:
        engine.dispose()
    return {"backend": engine.dialect.name, "revision": revision, "tables": tables}


def contents(url: str) -> dict[str, int]:
    """Tables holding at least one row (alembic's bookkeeping aside), with a row count."""
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            metadata = reflect(conn)
            out = {}
            for table in metadata.sorted_tables:
                if table.name == VERSION_TABLE:
                    continue
                n = row_count(conn, table)
                if n:
                    out[table.name] = n
            return out
    finally:
        engine.dispose()


def _wipe_schema(conn: Connection) -> None:
    """Drop the helpdesk schema: through the migrations' downgrades (they also remove functions and
    triggers they created), then whatever tables are left."""
    revision = schema_revision(conn)
    if revision is not None:
        if revision not in known_revisions():
            raise BackupError(
                f"the database schema is at revision {revision!r}, newer than this version of the bot; "
                "restore with the version that wrote it"
            )
        command.downgrade(alembic_config(conn), "base")
    leftovers = reflect(conn)
    leftovers.drop_all(bind=conn)


def restore(url: str, part: dict[str, Any], root: Path) -> dict[str, int]:
    """Replace the database's contents by the backup, in one transaction (all or nothing)."""
    revision = part.get("revision")
    if revision is not None and revision not in known_revisions():
        raise BackupError(
            f"the backup's schema revision {revision!r} is unknown to this version of the bot; "
            "restore it with the version that made it (or a newer one)"
        )
    engine = _engine(url)
    loaded: dict[str, int] = {}
    try:
        with write_engine(engine).begin() as conn:
            if conn.dialect.name == "postgresql":
                # The migration lock serialises restore with `upgrade_database`: a bot starting
                # mid-restore waits.
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_MIGRATION_LOCK})
            if reflect(conn).tables:
                _wipe_schema(conn)
            config = alembic_config(conn)
            if revision is not None:
                command.upgrade(config, revision)
            metadata = reflect(conn)
            wanted = part["tables"]
            present = {t.name for t in metadata.sorted_tables if t.name != VERSION_TABLE}
            if set(wanted) != present:
                raise BackupError(
                    f"schema at revision {revision!r} has tables {sorted(present)} but the backup has {sorted(wanted)}"
                )
            for table in metadata.sorted_tables:
                if table.name in wanted:
                    loaded[table.name] = load_table(conn, table, wanted[table.name], root)
                    if loaded[table.name] != wanted[table.name]["rows"]:
                        raise BackupError(
                            f"table {table.name}: loaded {loaded[table.name]} rows, manifest says {wanted[table.name]['rows']}"
                        )
            if conn.dialect.name == "postgresql":
                reset_sequences(conn, metadata.sorted_tables)
            command.upgrade(config, "head")
    finally:
        engine.dispose()
    return loaded
