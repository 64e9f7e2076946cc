"""The question log's part of a backup (bot/analytics.py): what people asked, what went
unanswered, 👍/👎 — the history behind /stats, which lives outside the helpdesk schema.

    analytics/question_log.jsonl   one JSON object per question, ids kept
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import delete

from bot.analytics import PG_SCHEMA, SCHEMA_VERSION, Analytics, analytics_url, questions
from bot.backup_format import BackupError, dump_table, load_table, reset_sequences, row_count
from bot.config import Settings, reveal


def _open(settings: Settings) -> Analytics:
    return Analytics.open(analytics_url(settings.resolved_database_url, reveal(settings.analytics_database_url)))


def dump(settings: Settings, out_dir: Path, root: Path) -> dict[str, Any]:
    """The question log's rows (its own SQLite file, or schema "analytics" on PostgreSQL)."""
    out_dir.mkdir(parents=True)
    log_db = _open(settings)
    try:
        with log_db.engine.connect() as conn:
            table = dump_table(conn, questions, out_dir / f"{questions.name}.jsonl", root)
    finally:
        log_db.close()
    return {"schema_version": SCHEMA_VERSION, "tables": {questions.name: table}}


def contents(settings: Settings) -> int:
    """How many questions the log holds (what a restore would replace)."""
    log_db = _open(settings)
    try:
        with log_db.engine.connect() as conn:
            return row_count(conn, questions)
    finally:
        log_db.close()


def restore(settings: Settings, part: dict[str, Any], root: Path) -> dict[str, int]:
    """Replace the question log by the backup's, in one transaction, ids kept."""
    if part.get("schema_version", 0) > SCHEMA_VERSION:
        raise BackupError(
            f"the backup's question log is at version {part['schema_version']}, newer than this bot's "
            f"({SCHEMA_VERSION}); restore it with the version that made it"
        )
    spec = part["tables"][questions.name]
    log_db = _open(settings)
    try:
        with log_db.engine.begin() as conn:
            conn.execute(delete(questions))
            loaded = load_table(conn, questions, spec, root)
            if loaded != spec["rows"]:
                raise BackupError(f"question log: loaded {loaded} rows, manifest says {spec['rows']}")
            if conn.dialect.name == "postgresql":
                reset_sequences(conn, [questions], schema=PG_SCHEMA)
    finally:
        log_db.close()
    return {questions.name: loaded}
