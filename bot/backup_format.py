"""The building blocks every store's backup is made of: exact row encoding, table dumps and loads,
and the list of files a folder holds.

Each store owns what it backs up (bot/helpdesk/backup.py, bot/analytics_backup.py,
bot/kb/backup.py); bot/ops/backup.py only coordinates them. Rows are read and written through
SQLAlchemy so one format serves SQLite and PostgreSQL: integers and strings are copied as they
are, floats as their shortest round-trip repr, bytes as base64 and timestamps as UTC ISO-8601
(the schemas store UTC everywhere, see `UTCDateTime`).
"""

from __future__ import annotations

import base64
import json
import math
import os
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from datetime import time as dtime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Integer,
    MetaData,
    Select,
    Table,
    and_,
    bindparam,
    func,
    select,
    text,
)
from sqlalchemy.types import TypeDecorator

BATCH = 1000


class BackupError(RuntimeError):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


# ----------------------------------------------------------------------------- files


def _hidden(rel: Path) -> bool:
    """Temporary and hidden files (uploads in flight, editor backups) are not documents."""
    return any(part.startswith(".") or part.startswith("~$") for part in rel.parts)


def files_under(root: Path) -> list[Path]:
    """The files under `root` a backup keeps (hidden and temporary ones left out), sorted."""
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and not _hidden(p.relative_to(root)))


# ----------------------------------------------------------------------------- value encoding

_KINDS = {
    datetime: "datetime",
    date: "date",
    dtime: "time",
    bytes: "bytes",
    Decimal: "decimal",
    float: "float",
    dict: "json",
    list: "json",
}


def _column_kind(column: Column) -> str:
    type_ = column.type
    if isinstance(type_, TypeDecorator):  # declared tables (the question log) use UTCDateTime
        type_ = type_.impl_instance
    try:
        python_type = type_.python_type
    except NotImplementedError:
        return "plain"
    return _KINDS.get(python_type, "plain")


def _encode(value: Any) -> Any:
    """A JSON value that `_decode` turns back into exactly `value`."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)  # 'nan', 'inf', '-inf'
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)  # naive columns hold UTC here
        return aware.astimezone(UTC).isoformat()
    if isinstance(value, date | dtime):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict | list):
        return value
    raise BackupError(f"cannot back up a value of type {type(value).__name__}")


def _decode(value: Any, kind: str, column: Column) -> Any:
    if value is None:
        return None
    if kind == "datetime":
        parsed = datetime.fromisoformat(value)
        parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        if getattr(column.type, "timezone", False):
            return parsed.astimezone(UTC)
        return parsed.astimezone(UTC).replace(tzinfo=None)
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "time":
        return dtime.fromisoformat(value)
    if kind == "bytes":
        return base64.b64decode(value)
    if kind == "decimal":
        return Decimal(value)
    if kind == "float":
        return float(value)
    return value


# ----------------------------------------------------------------------------- tables


def reflect(conn: Connection) -> MetaData:
    """The tables the database holds now (not the ones the code declares)."""
    metadata = MetaData()
    metadata.reflect(bind=conn)
    return metadata


def row_count(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _ordered_select(table: Table) -> Select:
    order = list(table.primary_key.columns) or list(table.columns)
    return select(table).order_by(*order)


def dump_table(conn: Connection, table: Table, path: Path, root: Path) -> dict[str, Any]:
    """Write `table`'s rows to `path`, one JSON object per line, in primary-key order; its manifest
    entry (file, row count, how each column is encoded)."""
    rows = 0
    with open(path, "w", encoding="utf-8") as fh:
        result = conn.execute(_ordered_select(table).execution_options(yield_per=BATCH))
        for row in result.mappings():
            record = {k: _encode(v) for k, v in row.items()}
            fh.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
            rows += 1
        fh.flush()
        os.fsync(fh.fileno())
    kinds = {c.name: _column_kind(c) for c in table.columns}
    return {"file": str(path.relative_to(root)), "rows": rows, "columns": kinds}


def _read_rows(path: Path) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def load_table(conn: Connection, table: Table, spec: dict[str, Any], root: Path) -> int:
    """Insert a table's rows with their ids; self-references are filled in afterwards, so row
    order never trips the foreign key (a request may be marked duplicate of a later one)."""
    kinds: dict[str, str] = spec["columns"]
    columns = {c.name: c for c in table.columns}
    unknown = sorted(set(kinds) - set(columns))
    if unknown:
        raise BackupError(f"table {table.name}: backup has columns {unknown} the schema does not have")
    self_refs = sorted({fk.parent.name for fk in table.foreign_keys if fk.column.table.name == table.name})
    pk = [c.name for c in table.primary_key.columns]
    deferred: list[dict[str, Any]] = []
    batch: list[dict[str, Any]] = []
    count = 0

    def flush() -> None:
        if batch:
            conn.execute(table.insert(), batch)
            batch.clear()

    for record in _read_rows(root / spec["file"]):
        row = {
            name: _decode(value, kinds.get(name, "plain"), columns[name]) for name, value in record.items()
        }
        later = {name: row[name] for name in self_refs if row.get(name) is not None}
        if later:
            deferred.append({**{f"_pk_{k}": row[k] for k in pk}, **{f"_v_{k}": v for k, v in later.items()}})
            row.update(dict.fromkeys(later))
        batch.append(row)
        count += 1
        if len(batch) >= BATCH:
            flush()
    flush()
    for name in self_refs:
        updates = [d for d in deferred if f"_v_{name}" in d]
        if updates:
            stmt = (
                table.update()
                .where(and_(*(table.c[k] == bindparam(f"_pk_{k}") for k in pk)))
                .values({name: bindparam(f"_v_{name}")})
            )
            conn.execute(
                stmt,
                [{k: v for k, v in d.items() if k.startswith("_pk_") or k == f"_v_{name}"} for d in updates],
            )
    return count


def reset_sequences(conn: Connection, tables: Iterable[Table], schema: str | None = None) -> None:
    """PostgreSQL sequences do not move when rows are inserted with explicit ids: move them past.
    `schema` names the tables' schema when the connection maps it (the question log's)."""
    quote = conn.dialect.identifier_preparer.quote
    for table in tables:
        name = f"{quote(schema)}.{quote(table.name)}" if schema else quote(table.name)
        for column in table.primary_key.columns:
            if not isinstance(column.type, Integer):
                continue
            seq = conn.execute(
                text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": name, "c": column.name}
            ).scalar()
            if seq:
                conn.execute(
                    text(f"SELECT setval(:s, (SELECT COALESCE(MAX({quote(column.name)}), 0) FROM {name}) + 1, false)"),
                    {"s": seq},
                )
