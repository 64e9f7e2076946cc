"""Command menus: which commands each user sees, and who needs more than the villager menu."""

from __future__ import annotations

import logging

from bot import texts
from bot.assistant.context import AssistantContext
from bot.assistant.replies import UserRef
from bot.helpdesk import OPERATOR, HelpdeskError

log = logging.getLogger(__name__)


class Roles:
    def __init__(self, context: AssistantContext) -> None:
        self._ctx = context

    def commands_for(self, user: UserRef) -> dict[str, str]:
        """The command menu this user should see (command → description)."""
        who = self._ctx.identity(user)
        commands = dict(texts.BOT_COMMANDS_VILLAGER)
        if who.is_cadre:
            commands.update(texts.BOT_COMMANDS_CADRE)
        if who.is_admin:
            commands.update(texts.BOT_COMMANDS_ADMIN)
        return commands

    def privileged_users(self) -> list[int]:
        """Chat ids that need more than the villager command menu: configured admins and cadres."""
        ids = set(self._ctx.settings.admin_ids)
        try:
            ids.update(p.chat_user_id for p in self._ctx.helpdesk.directory.list_cadres(OPERATOR))
        except HelpdeskError:
            log.exception("could not list cadres for command menus")
        return sorted(ids)
