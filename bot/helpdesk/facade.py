"""The `Helpdesk` facade: the one object front ends (Telegram bot, CLI) talk to.

It opens the database and builds the parts, which share one `DeskContext` and do the work:

    helpdesk.intake      file_request, suggest_category                  (bot/helpdesk/intake.py)
    helpdesk.casework    assign, claim, start, resolve, return_to_dispatch, mark_unable,
                         mark_duplicate, reopen, progress, add_note, feedback
                                                                         (bot/helpdesk/casework.py)
    helpdesk.followup    rate, answer_text, waiting, run_due (回访)     (bot/helpdesk/followup.py)
    helpdesk.attachments photos: check_size, stage, add_staged, add, photos, latest_open
                                                                         (bot/helpdesk/attachments.py)
    helpdesk.queries     show, list_requests, iter_requests, request_counts, count_requests,
                         overdue_by_cadre, overdue_digest                (bot/helpdesk/queries.py)
    helpdesk.directory   villages (add, rename, merge, remove), people, cadre posts, invites
                                                                         (bot/helpdesk/directory.py)
    helpdesk.oversight   run_due (督办: reminder, escalation), request_extension,
                         decide_extension (延期)                         (bot/helpdesk/oversight.py)

Commands return an `Outcome` (the request as the actor now sees it, plus `Notification`s that
the front end should deliver); the helpdesk never sends messages itself.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from bot.helpdesk.attachments import Attachments
from bot.helpdesk.casework import Casework
from bot.helpdesk.config import HelpdeskConfig
from bot.helpdesk.context import DeskContext
from bot.helpdesk.db import create_helpdesk_engine, upgrade_database
from bot.helpdesk.directory import Directory
from bot.helpdesk.followup import FollowUp
from bot.helpdesk.intake import Intake
from bot.helpdesk.moves import Mover
from bot.helpdesk.oversight import Oversight
from bot.helpdesk.policy import PolicyLookup
from bot.helpdesk.queries import Queries

if TYPE_CHECKING:
    from bot.config import Settings


class Helpdesk:
    """Help-request case log: the database, the configuration, and the parts that use them."""

    def __init__(
        self,
        engine: Engine,
        *,
        lookup: PolicyLookup | None = None,
        config: HelpdeskConfig | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.engine = engine
        self.config = config or HelpdeskConfig()
        self.context = DeskContext(engine, self.config, lookup=lookup, clock=clock)
        mover = Mover(self.context)  # the one primitive every change to a request goes through
        self.intake = Intake(self.context)
        self.followup = FollowUp(self.context, mover)
        self.casework = Casework(self.context, mover, self.followup)
        self.queries = Queries(self.context)
        self.attachments = Attachments(self.context, mover)
        self.directory = Directory(self.context)
        self.oversight = Oversight(self.context, mover)

    @classmethod
    def open(
        cls,
        url: str,
        *,
        lookup: PolicyLookup | None = None,
        config: HelpdeskConfig | None = None,
        clock: Callable[[], datetime] | None = None,
        migrate: bool = True,
        pool_size: int = 10,
    ) -> Helpdesk:
        """Connect, bring the schema to head (unless `migrate=False`) and register configured admins."""
        engine = create_helpdesk_engine(url, pool_size=pool_size)
        if migrate:
            upgrade_database(engine)
        helpdesk = cls(engine, lookup=lookup, config=config, clock=clock)
        if helpdesk.config.admin_chat_ids:
            helpdesk.directory.sync_admins()
        return helpdesk

    @classmethod
    def from_settings(cls, settings: Settings, *, lookup: PolicyLookup | None = None) -> Helpdesk:
        return cls.open(
            settings.resolved_database_url, lookup=lookup, config=HelpdeskConfig.from_settings(settings)
        )

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Helpdesk:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def categories(self) -> tuple[str, ...]:
        return self.config.categories
