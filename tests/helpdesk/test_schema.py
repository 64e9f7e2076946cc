"""Migrations, database settings and the append-only guarantees."""

from __future__ import annotations

from functools import partial

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.helpdesk import OPERATOR, Helpdesk
from bot.helpdesk.db import create_helpdesk_engine, upgrade_database
from bot.helpdesk.models import Base
from tests.helpdesk.conftest import World
from tests.helpdesk.helpers import file
from tests.together import all_at_once


def test_migrated_schema_matches_the_models(db_url: str) -> None:
    engine = create_helpdesk_engine(db_url)
    try:
        upgrade_database(engine)
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        assert diff == []
        assert version == "0003_casework"
    finally:
        engine.dispose()


def test_concurrent_start_up_migrates_once(db_url: str) -> None:
    def start() -> int:
        with Helpdesk.open(db_url, pool_size=2) as helpdesk:
            return helpdesk.queries.count_requests()

    assert all_at_once(start, 4) == [0, 0, 0, 0]


def test_processes_starting_together_on_a_new_sqlite_file_never_fail_on_the_lock(tmp_path) -> None:
    """Every start-up races to switch a new file to WAL while another may already be migrating.

    SQLite answers SQLITE_BUSY to that switch without calling the busy handler, so bot
    processes starting together on a new database used to fail at random (seen in CI).
    Each thread here has its own engine, as separate processes would.
    """

    def start(url: str) -> str:
        engine = create_helpdesk_engine(url, pool_size=1)
        try:
            upgrade_database(engine)
            with engine.connect() as conn:
                return conn.exec_driver_sql("PRAGMA journal_mode").scalar()
        finally:
            engine.dispose()

    for attempt in range(20):
        url = f"sqlite:///{tmp_path / f'fresh{attempt}.db'}"
        assert all_at_once(partial(start, url), 6) == ["wal"] * 6


def test_upgrade_is_idempotent(hd: Helpdesk, world: World) -> None:
    number = file(hd, world.a)
    upgrade_database(hd.engine)
    assert hd.queries.show(OPERATOR, number).number == number


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE request_events SET note = 'rewritten'",
        "DELETE FROM request_events",
        "DELETE FROM requests",
        "UPDATE request_policy_hints SET title = 'x'",
        "DELETE FROM request_policy_hints",
    ],
)
def test_history_cannot_be_rewritten_even_with_raw_sql(hd: Helpdesk, world: World, statement: str) -> None:
    hd.intake.file_request(500, world.a.id, "家里房子漏雨，危房")
    with pytest.raises(DBAPIError, match=r"append-only|never deleted"), hd.engine.begin() as conn:
        conn.execute(text(statement))
    with hd.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM request_events")).scalar_one() == 2
        assert conn.execute(text("SELECT count(*) FROM requests")).scalar_one() == 1
        assert (
            conn.execute(text("SELECT count(*) FROM request_events WHERE note = 'rewritten'")).scalar_one()
            == 0
        )


def test_sqlite_runs_in_wal_mode_with_busy_timeout(tmp_path) -> None:
    engine = create_helpdesk_engine(f"sqlite:///{tmp_path / 'sub' / 'h.db'}")  # creates the folder
    try:
        upgrade_database(engine)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


def test_list_queries_use_the_indexes(hd: Helpdesk, world: World) -> None:
    """The village open-list query is served by ix_requests_village_status_due (plan check)."""
    for _ in range(3):
        file(hd, world.a)
    sql = (
        "SELECT id FROM requests WHERE village_id = 1 AND status IN ('submitted','assigned','in_progress',"
        "'returned','reopened') ORDER BY due_at LIMIT 20"
    )
    with hd.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
        else:
            conn.exec_driver_sql(
                "SET enable_seqscan = off"
            )  # tiny table: make the planner show its index choice
            plan = " ".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {sql}"))
    assert "ix_requests_village_status_due" in plan, plan


def test_bare_postgresql_url_uses_psycopg3(db_url: str) -> None:
    """DATABASE_URL=postgresql://… must work without psycopg2 (not installed)."""
    bare = db_url.replace("postgresql+psycopg://", "postgresql://")
    engine = create_helpdesk_engine(bare)
    try:
        assert engine.dialect.name in ("sqlite", "postgresql")
        if engine.dialect.name == "postgresql":
            assert engine.dialect.driver == "psycopg"
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT 1").scalar() == 1
    finally:
        engine.dispose()


def test_downgrade_to_base_removes_everything_and_upgrade_restores(db_url: str) -> None:
    """bot/ops restores backups by downgrading to base first: that must leave nothing behind."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import inspect

    from bot.helpdesk.db import MIGRATIONS_DIR, write_engine

    engine = create_helpdesk_engine(db_url)
    try:
        upgrade_database(engine)
        config = Config(str(MIGRATIONS_DIR / "alembic.ini"))
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        with write_engine(engine).begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                functions = conn.exec_driver_sql(
                    "SELECT count(*) FROM pg_proc WHERE proname = 'helpdesk_refuse_change'"
                )
                assert functions.scalar_one() == 0
            else:
                triggers = conn.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'")
                assert triggers.scalar_one() == 0
        upgrade_database(engine)
        assert "requests" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
