"""Back up and restore everything the assistant cannot rebuild: help requests and the knowledge base.

A backup is a plain folder::

    manifest.json            written last: format, counts, schema revision, sha256 of every file
    database/<table>.jsonl   every row of every helpdesk table, one JSON object per line
    analytics/question_log.jsonl   the question log behind /stats (what people asked, what went
                             unanswered, 👍/👎), which lives outside the helpdesk schema
    kb/source/...            the source documents (KB_SOURCE)
    kb/index/<generation>/   the served generation's files (manifest, chunk table, BM25 index)
    kb/vectors.npy           that generation's vectors, float32, in the order of
    kb/vector_ids.json       these chunk ids

Why a portable table dump rather than `pg_dump` / the sqlite3 backup API: one format for both
databases, so a county that started on a laptop (SQLite) restores its history into PostgreSQL;
no PostgreSQL client binaries whose major version must match the server's in the bot image; and a
backup an operator can read and checksum. It is exact: rows are read through SQLAlchemy inside
one snapshot transaction (REPEATABLE READ on PostgreSQL, a WAL read transaction on SQLite),
integers and strings are copied as they are, floats as their shortest round-trip repr, and
timestamps as UTC ISO-8601 (the schema stores UTC everywhere, see `UTCDateTime`). Restore builds
the schema with Alembic at the backup's revision, loads the rows with their original ids, moves
PostgreSQL sequences past them, then upgrades to the current head — so an old backup restores into
a newer release through the same migrations an upgrade runs.

Vectors are exported through the `VectorStore` interface rather than by copying Chroma's files,
so a backup taken from embedded Chroma restores to a Chroma server and back; the model is not
backed up (it is rebuilt from pip packages at image build).
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import json
import logging
import math
import os
import shutil
import time
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from datetime import time as dtime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bot.config import Settings
from bot.files import fsync_write_text, restrict_tree, sha256_file

if TYPE_CHECKING:
    from sqlalchemy import Column, Connection, Engine, MetaData, Select, Table

    from bot.kb.index import IndexDir
    from bot.kb.vectorstore import VectorStore

log = logging.getLogger(__name__)

FORMAT = "village-assistant-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
VERSION_TABLE = "alembic_version"
_BATCH = 1000


class BackupError(RuntimeError):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


@dataclasses.dataclass(frozen=True)
class BackupSummary:
    path: Path
    tables: dict[str, int]
    documents: int
    chunks: int
    generation: str | None
    questions: int = 0

    def text(self) -> str:
        rows = ", ".join(f"{name} {n}" for name, n in self.tables.items()) or "no tables"
        return (
            f"backup at {self.path}\n"
            f"  database: {rows}\n"
            f"  question log: {self.questions} questions\n"
            f"  knowledge base: {self.documents} source files, {self.chunks} indexed passages"
            f" (generation {self.generation or 'none'})"
        )


# ----------------------------------------------------------------------------- small helpers


def _app_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("village-assistant")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "unknown"


def _hidden(rel: Path) -> bool:
    """Temporary and hidden files (uploads in flight, editor backups) are not documents."""
    return any(part.startswith(".") or part.startswith("~$") for part in rel.parts)


def _files_under(root: Path) -> list[Path]:
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
    from sqlalchemy.types import TypeDecorator

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


# ----------------------------------------------------------------------------- database


def _engine(url: str) -> Engine:
    from bot.helpdesk.db import create_helpdesk_engine

    return create_helpdesk_engine(url, pool_size=1)


def _reflect(conn: Connection) -> MetaData:
    from sqlalchemy import MetaData

    metadata = MetaData()
    metadata.reflect(bind=conn)
    return metadata


def _revision(conn: Connection) -> str | None:
    from sqlalchemy import inspect, text

    if not inspect(conn).has_table(VERSION_TABLE):
        return None
    return conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def _ordered_select(table: Table) -> Select:
    from sqlalchemy import select

    order = list(table.primary_key.columns) or list(table.columns)
    return select(table).order_by(*order)


def _dump_table(conn: Connection, table: Table, path: Path, root: Path) -> dict[str, Any]:
    """Write `table`'s rows to `path`, one JSON object per line, in primary-key order; its manifest
    entry (file, row count, how each column is encoded)."""
    rows = 0
    with open(path, "w", encoding="utf-8") as fh:
        result = conn.execute(_ordered_select(table).execution_options(yield_per=_BATCH))
        for row in result.mappings():
            record = {k: _encode(v) for k, v in row.items()}
            fh.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
            rows += 1
        fh.flush()
        os.fsync(fh.fileno())
    kinds = {c.name: _column_kind(c) for c in table.columns}
    return {"file": str(path.relative_to(root)), "rows": rows, "columns": kinds}


def _row_count(conn: Connection, table: Table) -> int:
    from sqlalchemy import func, select

    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def dump_database(url: str, out_dir: Path, root: Path) -> dict[str, Any]:
    """Write every table's rows to `out_dir/<table>.jsonl` from one consistent snapshot."""
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
                revision = _revision(conn)
                metadata = _reflect(conn)
                for table in metadata.sorted_tables:
                    if table.name != VERSION_TABLE:
                        tables[table.name] = _dump_table(conn, table, out_dir / f"{table.name}.jsonl", root)
    finally:
        engine.dispose()
    return {"backend": engine.dialect.name, "revision": revision, "tables": tables}


def database_contents(url: str) -> dict[str, int]:
    """Tables holding at least one row (alembic's bookkeeping aside), with a row count."""
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            metadata = _reflect(conn)
            out = {}
            for table in metadata.sorted_tables:
                if table.name == VERSION_TABLE:
                    continue
                n = _row_count(conn, table)
                if n:
                    out[table.name] = n
            return out
    finally:
        engine.dispose()


def _alembic_config(conn: Connection) -> Any:
    from alembic.config import Config

    from bot.helpdesk.db import MIGRATIONS_DIR

    config = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = conn
    return config


def _wipe_schema(conn: Connection) -> None:
    """Drop the helpdesk schema: through the migrations' downgrades (they also remove functions and
    triggers they created), then whatever tables are left."""
    from alembic import command

    from bot.ops.preflight import known_revisions

    revision = _revision(conn)
    if revision is not None:
        if revision not in known_revisions():
            raise BackupError(
                f"the database schema is at revision {revision!r}, newer than this version of the bot; "
                "restore with the version that wrote it"
            )
        command.downgrade(_alembic_config(conn), "base")
    leftovers = _reflect(conn)
    leftovers.drop_all(bind=conn)


def _reset_sequences(conn: Connection, tables: Iterable[Table], schema: str | None = None) -> None:
    """PostgreSQL sequences do not move when rows are inserted with explicit ids: move them past.
    `schema` names the tables' schema when the connection maps it (the question log's)."""
    from sqlalchemy import Integer, text

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


def _read_rows(path: Path) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def _load_table(conn: Connection, table: Table, spec: dict[str, Any], root: Path) -> int:
    """Insert a table's rows with their ids; self-references are filled in afterwards, so row
    order never trips the foreign key (a request may be marked duplicate of a later one)."""
    from sqlalchemy import and_, bindparam

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
        if len(batch) >= _BATCH:
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


def restore_database(url: str, db_manifest: dict[str, Any], root: Path) -> dict[str, int]:
    """Replace the database's contents by the backup, in one transaction (all or nothing)."""
    from alembic import command
    from sqlalchemy import text

    # The migration lock serialises restore with `upgrade_database`: a bot starting mid-restore waits.
    from bot.helpdesk.db import PG_MIGRATION_LOCK, write_engine
    from bot.ops.preflight import known_revisions

    revision = db_manifest.get("revision")
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
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_MIGRATION_LOCK})
            if _reflect(conn).tables:
                _wipe_schema(conn)
            config = _alembic_config(conn)
            if revision is not None:
                command.upgrade(config, revision)
            metadata = _reflect(conn)
            wanted = db_manifest["tables"]
            present = {t.name for t in metadata.sorted_tables if t.name != VERSION_TABLE}
            if set(wanted) != present:
                raise BackupError(
                    f"schema at revision {revision!r} has tables {sorted(present)} but the backup has {sorted(wanted)}"
                )
            for table in metadata.sorted_tables:
                if table.name in wanted:
                    loaded[table.name] = _load_table(conn, table, wanted[table.name], root)
                    if loaded[table.name] != wanted[table.name]["rows"]:
                        raise BackupError(
                            f"table {table.name}: loaded {loaded[table.name]} rows, manifest says {wanted[table.name]['rows']}"
                        )
            if conn.dialect.name == "postgresql":
                _reset_sequences(conn, metadata.sorted_tables)
            command.upgrade(config, "head")
    finally:
        engine.dispose()
    return loaded


# ----------------------------------------------------------------------------- question log


def _open_question_log(settings: Settings) -> Any:
    from bot.analytics import Analytics, analytics_url
    from bot.config import reveal

    return Analytics.open(analytics_url(settings.resolved_database_url, reveal(settings.analytics_database_url)))


def dump_question_log(settings: Settings, out_dir: Path, root: Path) -> dict[str, Any]:
    """The question log's rows (its own SQLite file, or schema "analytics" on PostgreSQL)."""
    from bot.analytics import SCHEMA_VERSION, questions

    out_dir.mkdir(parents=True)
    log_db = _open_question_log(settings)
    try:
        with log_db.engine.connect() as conn:
            table = _dump_table(conn, questions, out_dir / f"{questions.name}.jsonl", root)
    finally:
        log_db.close()
    return {"schema_version": SCHEMA_VERSION, "tables": {questions.name: table}}


def question_log_contents(settings: Settings) -> int:
    from bot.analytics import questions

    log_db = _open_question_log(settings)
    try:
        with log_db.engine.connect() as conn:
            return _row_count(conn, questions)
    finally:
        log_db.close()


def restore_question_log(settings: Settings, part: dict[str, Any], root: Path) -> dict[str, int]:
    """Replace the question log by the backup's, in one transaction, ids kept."""
    from sqlalchemy import delete

    from bot.analytics import PG_SCHEMA, SCHEMA_VERSION, questions

    if part.get("schema_version", 0) > SCHEMA_VERSION:
        raise BackupError(
            f"the backup's question log is at version {part['schema_version']}, newer than this bot's "
            f"({SCHEMA_VERSION}); restore it with the version that made it"
        )
    spec = part["tables"][questions.name]
    log_db = _open_question_log(settings)
    try:
        with log_db.engine.begin() as conn:
            conn.execute(delete(questions))
            loaded = _load_table(conn, questions, spec, root)
            if loaded != spec["rows"]:
                raise BackupError(f"question log: loaded {loaded} rows, manifest says {spec['rows']}")
            if conn.dialect.name == "postgresql":
                _reset_sequences(conn, [questions], schema=PG_SCHEMA)
    finally:
        log_db.close()
    return {questions.name: loaded}


# ----------------------------------------------------------------------------- knowledge base


def _index(settings: Settings) -> IndexDir:
    from bot.kb.index import IndexDir

    return IndexDir(settings.index_dir, settings.chroma_collection_prefix)


def _store(settings: Settings) -> VectorStore:
    from bot.kb.vectorstore import open_store

    return open_store(settings)


def chunk_metadata(chunk: dict[str, Any]) -> dict[str, str | int]:
    """The metadata ingest stores beside each vector, rebuilt from the chunk table so the
    backup needs no metadata export."""
    from bot.kb.ingest import chunk_metadata as ingest_metadata
    from bot.kb.types import Chunk

    return ingest_metadata(Chunk(**chunk))


def _read_chunks(folder: Path) -> list[dict[str, Any]]:
    from bot.kb.index import read_chunks

    return [dataclasses.asdict(c) for c in read_chunks(folder)]


@contextlib.contextmanager
def _locked(index: IndexDir) -> Iterator[None]:
    """The ingest lock, turned into an operator-facing error if an ingest holds it."""
    from bot.kb.index import IngestBusyError

    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(index.lock())
        except IngestBusyError as exc:
            raise BackupError(
                "an ingest is running on this data folder; try again when it has finished"
            ) from exc
        yield


def dump_knowledge_base(settings: Settings, out_dir: Path) -> dict[str, Any]:
    """Source documents, the served generation's files and its vectors, under the ingest lock so no
    ingest publishes or sweeps while we copy."""
    index = _index(settings)
    source = Path(settings.kb_source)
    out_dir.mkdir(parents=True)
    with _locked(index):
        documents = 0
        for path in _files_under(source):
            target = out_dir / "source" / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
            documents += 1
        generation = index.current()
        summary: dict[str, Any] = {"documents": documents, "generation": generation, "chunks": 0}
        if generation is None:
            return summary
        manifest = index.manifest(generation)
        shutil.copytree(index.path(generation), out_dir / "index" / generation)
        chunks = _read_chunks(index.path(generation))
        ids = [c["id"] for c in chunks]
        store = _store(settings)
        found = store.vectors(manifest.collection, ids)
        missing = [i for i in ids if i not in found]
        if missing:
            raise BackupError(
                f"{len(missing)} of {len(ids)} vectors are missing from {manifest.collection} in "
                f"{store.describe()}; re-index with `python -m bot ingest --rebuild` before backing up"
            )
        dim = len(found[ids[0]]) if ids else 0
        matrix = (
            np.stack([found[i] for i in ids]).astype(np.float32) if ids else np.zeros((0, dim), np.float32)
        )
        np.save(out_dir / "vectors.npy", matrix, allow_pickle=False)
        fsync_write_text(out_dir / "vector_ids.json", json.dumps(ids, ensure_ascii=False))
        summary.update(
            chunks=len(ids),
            dim=int(dim),
            collection=manifest.collection,
            embedder=manifest.embedder,
            files=len(manifest.files),
            vector_store=store.describe(),
        )
        return summary


def knowledge_base_contents(settings: Settings) -> list[str]:
    """What a restore would overwrite: source files, a served generation, our Chroma collections."""
    found: list[str] = []
    source = Path(settings.kb_source)
    files = _files_under(source)
    if files:
        found.append(f"KB_SOURCE {source} holds {len(files)} files")
    index = _index(settings)
    if index.current():
        found.append(f"{index.root} serves generation {index.current()}")
    store = _store(settings)
    ours = [n for n in store.names() if n.startswith(f"{settings.chroma_collection_prefix}-")]
    if ours:
        found.append(f"{store.describe()} has collections {', '.join(sorted(ours))}")
    return found


def _wipe_knowledge_base(settings: Settings, index: IndexDir, store: VectorStore) -> None:
    from bot.kb.index import CURRENT

    for name in store.names():
        if name.startswith(f"{settings.chroma_collection_prefix}-"):
            store.drop(name)
    if index.root.is_dir():
        for child in index.root.iterdir():
            if child.is_dir() and child.name.startswith("g"):
                shutil.rmtree(child)
            elif child.name == CURRENT or child.name.startswith(f".{CURRENT}."):
                child.unlink()
    source = Path(settings.kb_source)
    if source.is_dir():  # empty the folder, keep it: it may be a mount point
        for child in source.iterdir():
            shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()


def restore_knowledge_base(settings: Settings, kb_manifest: dict[str, Any], root: Path) -> dict[str, Any]:
    """Put back the documents and the generation, re-create its collection in whichever vector store
    the settings name, and publish it through the index's atomic pointer."""
    from bot.kb.index import MANIFEST as GEN_MANIFEST
    from bot.kb.index import Manifest

    index = _index(settings)
    store = _store(settings)
    kb_root = root / "kb"
    source = Path(settings.kb_source)
    index.root.mkdir(parents=True, exist_ok=True)
    with _locked(index):
        _wipe_knowledge_base(settings, index, store)
        source.mkdir(parents=True, exist_ok=True)
        restored_files = 0
        backup_source = kb_root / "source"
        for path in _files_under(backup_source):
            target = source / path.relative_to(backup_source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
            restored_files += 1
        generation = kb_manifest.get("generation")
        result = {"documents": restored_files, "generation": generation, "chunks": 0}
        if not generation:
            return result
        folder = index.path(generation)
        shutil.copytree(kb_root / "index" / generation, folder)
        # The collection is named after *this* deployment's prefix, which may differ from the source's.
        gen_manifest = Manifest.from_json((folder / GEN_MANIFEST).read_text(encoding="utf-8"))
        gen_manifest.collection = index.collection_name(generation)
        fsync_write_text(folder / GEN_MANIFEST, gen_manifest.to_json())
        ids = json.loads((kb_root / "vector_ids.json").read_text(encoding="utf-8"))
        vectors = np.load(kb_root / "vectors.npy", allow_pickle=False)
        chunks = {c["id"]: c for c in _read_chunks(folder)}
        if len(ids) != len(vectors) or set(ids) != set(chunks):
            raise BackupError("vectors and chunk table of the backup do not match; the backup is damaged")
        store.create(gen_manifest.collection)
        try:
            if ids:
                store.add(gen_manifest.collection, ids, vectors, [chunk_metadata(chunks[i]) for i in ids])
            if store.count(gen_manifest.collection) != len(ids):
                raise BackupError(
                    f"{store.describe()} holds {store.count(gen_manifest.collection)} vectors after restore, expected {len(ids)}"
                )
        except BaseException:
            store.drop(gen_manifest.collection)
            shutil.rmtree(folder, ignore_errors=True)
            raise
        index.publish(generation)
        result["chunks"] = len(ids)
        return result


# ----------------------------------------------------------------------------- whole backups


def _checksums(root: Path, paths: Iterable[Path]) -> dict[str, dict[str, Any]]:
    return {
        str(p.relative_to(root)): {"sha256": sha256_file(p), "size": p.stat().st_size} for p in sorted(paths)
    }


def create_backup(settings: Settings, dest: Path) -> BackupSummary:
    """Write a complete backup to `dest` (a new or empty folder). It appears only when complete:
    everything is written to a hidden sibling that is renamed into place after the manifest."""
    from sqlalchemy.engine import make_url

    dest = Path(dest)
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupError(f"{dest} exists and is not empty; back up into a new folder")
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = dest.parent / f".{dest.name}.partial-{uuid.uuid4().hex[:8]}"
    work.mkdir(mode=0o700)  # names and phone numbers: readable by the owner only
    try:
        url = settings.resolved_database_url
        db = dump_database(url, work / "database", work)
        question_log = dump_question_log(settings, work / "analytics", work)
        kb = dump_knowledge_base(settings, work / "kb")
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": datetime.now(UTC).isoformat(),
            "app_version": _app_version(),
            "origin": {
                "database": make_url(url).render_as_string(hide_password=True),
                "kb_source": str(settings.kb_source),
                "collection_prefix": settings.chroma_collection_prefix,
            },
            "database": db,
            "analytics": question_log,
            "kb": kb,
            "files": _checksums(work, (p for p in work.rglob("*") if p.is_file())),
        }
        fsync_write_text(work / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
        restrict_tree(work)  # names and phone numbers: files 0600, folders 0700
        if dest.exists():
            dest.rmdir()
        os.replace(work, dest)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    tables = {name: spec["rows"] for name, spec in db["tables"].items()}
    asked = sum(spec["rows"] for spec in question_log["tables"].values())
    return BackupSummary(dest, tables, kb["documents"], kb["chunks"], kb["generation"], asked)


def verify_backup(path: Path) -> dict[str, Any]:
    """The manifest of a complete, undamaged backup; otherwise a `BackupError` naming what is wrong."""
    path = Path(path)
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BackupError(f"{path} has no {MANIFEST}: not a backup, or an unfinished one") from exc
    except ValueError as exc:
        raise BackupError(f"{path / MANIFEST} is not valid JSON: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not a {FORMAT} folder")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"backup format {manifest.get('format_version')} is not supported (expected {FORMAT_VERSION})"
        )
    damaged: list[str] = []
    for rel, expected in manifest.get("files", {}).items():
        file = path / rel
        if not file.is_file():
            damaged.append(f"{rel} (missing)")
        elif file.stat().st_size != expected["size"] or sha256_file(file) != expected["sha256"]:
            damaged.append(f"{rel} (checksum mismatch)")
    if damaged:
        shown = "; ".join(damaged[:10]) + (f"; and {len(damaged) - 10} more" if len(damaged) > 10 else "")
        raise BackupError(f"backup {path} is damaged: {shown}")
    return manifest


PARTS = ("database", "kb", "analytics")


def restore_backup(
    settings: Settings, path: Path, *, force: bool = False, parts: Iterable[str] = PARTS
) -> dict[str, Any]:
    """Restore `parts` of the backup at `path`. Everything is checked first — checksums, and that
    the targets are empty unless `force` — so a refused restore changes nothing."""
    path = Path(path)
    parts = tuple(parts)
    unknown = set(parts) - set(PARTS)
    if unknown:
        raise BackupError(f"unknown part(s) {sorted(unknown)}; choose from {', '.join(PARTS)}")
    manifest = verify_backup(path)
    url = settings.resolved_database_url
    occupied: list[str] = []
    if "database" in parts:
        rows = database_contents(url)
        if rows:
            occupied.append("the database holds " + ", ".join(f"{n} {t}" for t, n in rows.items()))
    if "kb" in parts:
        occupied.extend(knowledge_base_contents(settings))
    if "analytics" in parts and "analytics" in manifest:
        asked = question_log_contents(settings)
        if asked:
            occupied.append(f"the question log holds {asked} questions")
    if occupied and not force:
        raise BackupError(
            "refusing to restore over existing data (" + "; ".join(occupied) + "). "
            "Stop the bot, make a fresh backup of what is there if it matters, then pass --force"
        )
    started = time.perf_counter()
    result: dict[str, Any] = {"backup": str(path), "created_at": manifest.get("created_at")}
    if "database" in parts:
        result["tables"] = restore_database(url, manifest["database"], path)
    if "kb" in parts:
        result["kb"] = restore_knowledge_base(settings, manifest["kb"], path)
    if "analytics" in parts:
        # backups made before the question log was included simply have none to restore
        if "analytics" in manifest:
            result["analytics"] = restore_question_log(settings, manifest["analytics"], path)
        else:
            result["analytics"] = "not in this backup"
    result["seconds"] = round(time.perf_counter() - started, 2)
    log.info("restored %s", result)
    return result
