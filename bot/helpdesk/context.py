"""What the helpdesk's parts share: the engine's sessions, the configuration, the clock.

One `DeskContext` is built by the `Helpdesk` facade and handed to each part (intake, casework,
queries, directory), so the parts never reach into each other: each gets its transactions, its
time and its viewer from here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.helpdesk import access
from bot.helpdesk.access import Actor, Viewer
from bot.helpdesk.config import HelpdeskConfig
from bot.helpdesk.db import write_engine
from bot.helpdesk.policy import PolicyLookup


def utcnow() -> datetime:
    return datetime.now(UTC)


class DeskContext:
    """Sessions (read and write), configuration, policy lookup and clock of one helpdesk."""

    def __init__(
        self,
        engine: Engine,
        config: HelpdeskConfig,
        *,
        lookup: PolicyLookup | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.engine = engine
        self.config = config
        self.lookup = lookup
        self.tz = config.tz
        self.clock = clock or utcnow  # tests move time by replacing it
        self._reads = sessionmaker(engine, expire_on_commit=False)
        self._writes = sessionmaker(write_engine(engine), expire_on_commit=False)

    def now(self) -> datetime:
        now = self.clock()
        if now.tzinfo is None:
            raise ValueError("the helpdesk clock must return aware datetimes")
        return now.astimezone(UTC)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction (BEGIN IMMEDIATE on SQLite); any exception rolls it all back."""
        with self._writes.begin() as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._reads() as session, session.begin():
            yield session

    def viewer(self, session: Session, actor: Actor) -> Viewer:
        return access.resolve_viewer(session, actor, self.config.admin_chat_ids)

    def day_start(self, day: date) -> datetime:
        """Local midnight starting `day`, in UTC (list filters take local calendar days)."""
        return datetime.combine(day, time.min, tzinfo=self.tz).astimezone(UTC)
