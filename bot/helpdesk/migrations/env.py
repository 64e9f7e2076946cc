"""Alembic environment for the helpdesk schema.

Normally invoked by `bot.helpdesk.db.upgrade_database`, which passes an open connection (inside
its own transaction) through `config.attributes["connection"]`. Logging is left to the host
application: no `fileConfig` here.
"""

from __future__ import annotations

from alembic import context

from bot.helpdesk.models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url")
    if url:
        return url
    from bot.config import get_settings

    return get_settings().resolved_database_url


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    from bot.helpdesk.db import create_helpdesk_engine, write_engine

    engine = create_helpdesk_engine(_url())
    try:
        with write_engine(engine).begin() as conn:
            context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
