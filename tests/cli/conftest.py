"""The helpdesk's database fixtures (every `db_url` test runs on SQLite and on PostgreSQL)."""

from tests.helpdesk.conftest import db_url, migrated_postgres, pg_server  # noqa: F401 - fixtures, found by name
