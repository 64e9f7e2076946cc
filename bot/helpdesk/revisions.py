"""Which schema revision a helpdesk database is at, and which revisions this code ships.

Start-up checks refuse a database whose revision is newer than the code (it was written by a newer
release); restore refuses a backup at such a revision.
"""

from __future__ import annotations

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text

from bot.helpdesk.db import MIGRATIONS_DIR

VERSION_TABLE = "alembic_version"


def alembic_config(conn: Connection | None = None) -> Config:
    """The migrations' Alembic configuration, bound to `conn` when one is given."""
    config = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if conn is not None:
        config.attributes["connection"] = conn
    return config


def schema_revision(conn: Connection) -> str | None:
    """The revision the database is at; None for a database the migrations never ran on."""
    if not inspect(conn).has_table(VERSION_TABLE):
        return None
    return conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def known_revisions() -> set[str]:
    """Every migration this version of the code ships."""
    return {rev.revision for rev in _scripts().walk_revisions()}


def code_head() -> str | None:
    """The newest migration this version of the code ships."""
    return _scripts().get_current_head()
