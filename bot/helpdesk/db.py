"""The helpdesk's database: its engine (the shared set-up in bot/db.py) and schema migration on start-up.

PostgreSQL: READ COMMITTED plus explicit row locks (counter row, SELECT … FOR UPDATE on requests);
SQLite: BEGIN IMMEDIATE for write transactions (see bot/db.py).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, text

from bot.db import create_database_engine, write_engine
from bot.helpdesk.privacy import masked_logger

log = masked_logger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Arbitrary constant: serialises concurrent `upgrade head` runs (and restores, see bot/ops) on
# one PostgreSQL database.
PG_MIGRATION_LOCK = 0x68656C70

__all__ = ["MIGRATIONS_DIR", "PG_MIGRATION_LOCK", "create_helpdesk_engine", "upgrade_database", "write_engine"]


def create_helpdesk_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> Engine:
    """An engine configured for safe concurrent use; use `write_engine()` for write transactions."""
    return create_database_engine(url, pool_size=pool_size, echo=echo)


def upgrade_database(engine: Engine) -> None:
    """Run Alembic `upgrade head` in one transaction; safe if several processes start at once.

    SQLite serialises on BEGIN IMMEDIATE, PostgreSQL on an advisory lock, so a second process
    waits and then finds the schema already at head.
    """
    from alembic import command
    from alembic.config import Config

    config = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with write_engine(engine).begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    log.info("helpdesk schema is at head (%s)", engine.dialect.name)
