"""Question log, answer feedback and the numbers behind /stats.

Why a separate namespace: the helpdesk's schema is owned by its Alembic chain, and the backup
tool restores exactly the tables that chain creates. Putting extra tables beside them would make
a restore refuse the backup, so the log lives in its own SQLite file (next to helpdesk.db) or in
the schema ``analytics`` of the same PostgreSQL database. Its tables are created idempotently
(on PostgreSQL under an advisory lock, so several processes may start at once; on SQLite one bot
process owns the file). Nothing here is needed to answer or file requests: if the
log is unavailable, the assistant still works and only /stats suffers.

Questions are stored with phone and ID numbers masked (villagers do type them into questions).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Engine,
    Float,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    case,
    func,
    insert,
    make_url,
    select,
    text,
    update,
)

from bot.db import UTCDateTime, create_database_engine, write_engine
from bot.helpdesk import mask_text

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
PG_SCHEMA = "analytics"
_PG_LOCK = 0x616E6C79  # arbitrary: serialises table creation across processes
NORMALIZED_CHARS = 120

metadata = MetaData()

questions = Table(
    "question_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("chat_user_id", BigInteger, nullable=False),
    Column("question", Text, nullable=False),
    # Lower-cased, punctuation- and space-free prefix: groups "低保怎么申请？" with "低保怎么申请".
    Column("normalized", String(NORMALIZED_CHARS), nullable=False),
    Column("grounded", Boolean, nullable=False),
    Column("top_score", Float, nullable=False, default=0.0),
    Column("sources", JSON, nullable=False),  # [{title, source, section, text}], what the user was shown
    Column("created_at", UTCDateTime(), nullable=False),
    Column("feedback", SmallInteger),  # +1 useful, -1 not useful, NULL none
    Column("feedback_at", UTCDateTime()),
    Index("ix_question_log_created", "created_at"),
    Index("ix_question_log_grounded_normalized", "grounded", "normalized"),
)

# What the optional model (bot/llm) did with each question it was asked: the answer pipeline's
# `mode` and `gate` code (docs/llm.md), for /stats. Not in backups: operational, like a log.
model_answers = Table(
    "model_answers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("mode", String(16), nullable=False),  # llm | extractive (the fallback)
    Column("gate", String(32), nullable=False),
    Index("ix_model_answers_created", "created_at"),
)

schema_info = Table(
    "analytics_schema",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
)

_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


def normalize_question(question: str) -> str:
    return _PUNCT.sub("", question.lower())[:NORMALIZED_CHARS] or question[:NORMALIZED_CHARS]


@dataclass(frozen=True)
class LoggedQuestion:
    id: int
    chat_user_id: int
    question: str
    grounded: bool
    sources: list[dict[str, str]]
    feedback: int | None


@dataclass(frozen=True)
class QuestionStats:
    total: int
    last_week: int
    users: int
    unanswered: int
    useful: int
    not_useful: int
    top_unanswered: list[tuple[str, int]]

    @property
    def unanswered_share(self) -> float:
        return self.unanswered / self.total if self.total else 0.0


def analytics_url(helpdesk_url: str, explicit: str | None = None) -> str:
    """Where the log lives: the explicit setting, else beside the helpdesk database (see module doc)."""
    if explicit:
        return explicit
    url = make_url(helpdesk_url)
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if not database or database == ":memory:" or database.startswith("file:"):
            return "sqlite://"  # in-memory helpdesk (tests): an in-memory log
        return str(url.set(database=str(Path(database).with_name("analytics.db"))))
    return helpdesk_url


class Analytics:
    """Append questions, record feedback, compute stats. Thread-safe (one engine, short transactions)."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] | None = None) -> None:
        self.engine = engine
        self._writer = write_engine(engine)
        self._clock = clock or (lambda: datetime.now(UTC))

    @classmethod
    def open(cls, url: str, clock: Callable[[], datetime] | None = None) -> Analytics:
        # The shared engine set-up (bot/db.py): WAL, busy timeout, BEGIN IMMEDIATE for writes.
        engine = create_database_engine(url, pool_size=5)
        if engine.dialect.name == "postgresql":
            engine = engine.execution_options(schema_translate_map={None: PG_SCHEMA})
        ensure_schema(engine)
        return cls(engine, clock)

    def close(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------------------- writing
    def log_question(
        self,
        chat_user_id: int,
        question: str,
        grounded: bool,
        top_score: float,
        sources: list[dict[str, str]],
    ) -> int:
        masked = mask_text(question)
        with self._writer.begin() as conn:
            result = conn.execute(
                insert(questions).values(
                    chat_user_id=chat_user_id,
                    question=masked,
                    normalized=normalize_question(masked),
                    grounded=grounded,
                    top_score=float(top_score),
                    sources=sources,
                    created_at=self._clock(),
                )
            )
            return int(result.inserted_primary_key[0])

    def log_model_answer(self, mode: str, gate: str) -> None:
        with self._writer.begin() as conn:
            conn.execute(insert(model_answers).values(created_at=self._clock(), mode=mode, gate=gate))

    def model_stats(self, days: int = 7, now: datetime | None = None) -> dict[tuple[str, str], int]:
        """(mode, gate) → questions in the last `days` days, for the model's line in /stats."""
        since = (now or self._clock()) - timedelta(days=days)
        m = model_answers.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(m.mode, m.gate, func.count()).where(m.created_at >= since).group_by(m.mode, m.gate)
            ).all()
        return {(mode, gate): int(n) for mode, gate, n in rows}

    def set_feedback(self, question_id: int, chat_user_id: int, useful: bool) -> bool:
        """Record 👍/👎; only the asker may rate their own question (False otherwise)."""
        with self._writer.begin() as conn:
            result = conn.execute(
                update(questions)
                .where(questions.c.id == question_id, questions.c.chat_user_id == chat_user_id)
                .values(feedback=1 if useful else -1, feedback_at=self._clock())
            )
            return result.rowcount == 1

    # ------------------------------------------------------------------------- reading
    def get(self, question_id: int) -> LoggedQuestion | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(questions).where(questions.c.id == question_id)).first()
        if row is None:
            return None
        return LoggedQuestion(
            row.id, row.chat_user_id, row.question, bool(row.grounded), list(row.sources or []), row.feedback
        )

    def question_stats(self, top: int = 10, now: datetime | None = None) -> QuestionStats:
        now = now or self._clock()
        q = questions.c
        with self.engine.connect() as conn:
            totals = conn.execute(
                select(
                    func.count(),
                    func.count(func.distinct(q.chat_user_id)),
                    func.coalesce(func.sum(case((q.grounded.is_(False), 1), else_=0)), 0),
                    func.coalesce(func.sum(case((q.feedback == 1, 1), else_=0)), 0),
                    func.coalesce(func.sum(case((q.feedback == -1, 1), else_=0)), 0),
                    func.coalesce(func.sum(case((q.created_at >= now - timedelta(days=7), 1), else_=0)), 0),
                )
            ).one()
            count = func.count().label("n")
            rows = conn.execute(
                select(q.normalized, func.min(q.question), count)
                .where(q.grounded.is_(False))
                .group_by(q.normalized)
                .order_by(count.desc(), q.normalized)
                .limit(top)
            ).all()
        total, users, unanswered, up, down, week = (int(v or 0) for v in totals)
        return QuestionStats(total, week, users, unanswered, up, down, [(r[1], int(r[2])) for r in rows])


def ensure_schema(engine: Engine) -> None:
    """Create the tables if missing, once, even when several processes start together.

    PostgreSQL serialises on an advisory lock, SQLite on BEGIN IMMEDIATE (write_engine).
    """
    with write_engine(engine).begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
            conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {PG_SCHEMA}"))
        metadata.create_all(conn, checkfirst=True)
        have = conn.execute(select(schema_info.c.version)).scalar()
        if have is None:
            conn.execute(insert(schema_info).values(version=SCHEMA_VERSION))
        elif have > SCHEMA_VERSION:
            raise RuntimeError(
                f"the analytics tables are at version {have}, newer than this code ({SCHEMA_VERSION})"
            )
    log.info("analytics tables ready (%s)", engine.dialect.name)
