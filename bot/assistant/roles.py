"""Who is acting: villager, cadre or admin, decided on every call, and the commands each may use."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot import texts
from bot.assistant.base import AssistantBase
from bot.assistant.replies import UserRef
from bot.helpdesk import OPERATOR, HelpdeskError, Role

if TYPE_CHECKING:
    from bot.helpdesk import PersonView

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Identity:
    user: UserRef
    role: Role
    person: PersonView | None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_cadre(self) -> bool:
        """Cadres and admins may use cadre functions."""
        return self.role in (Role.CADRE, Role.ADMIN)

    @property
    def posts(self) -> list[tuple[str, str]]:
        """(village name, post) pairs."""
        return [(p.village.name, p.post) for p in (self.person.posts if self.person else ())]


class RolesMixin(AssistantBase):
    def identity(self, user: UserRef) -> Identity:
        person = self.helpdesk.directory.get_person(user.id)
        if user.id in self.settings.admin_ids or (person and person.role is Role.ADMIN):
            role = Role.ADMIN
        elif person and (person.role is Role.CADRE or person.posts):
            role = Role.CADRE
        else:
            role = Role.VILLAGER
        return Identity(user, role, person)

    def commands_for(self, user: UserRef) -> dict[str, str]:
        """The command menu this user should see (command → description)."""
        who = self.identity(user)
        commands = dict(texts.BOT_COMMANDS_VILLAGER)
        if who.is_cadre:
            commands.update(texts.BOT_COMMANDS_CADRE)
        if who.is_admin:
            commands.update(texts.BOT_COMMANDS_ADMIN)
        return commands

    def privileged_users(self) -> list[int]:
        """Chat ids that need more than the villager command menu: configured admins and cadres."""
        ids = set(self.settings.admin_ids)
        try:
            ids.update(p.chat_user_id for p in self.helpdesk.directory.list_cadres(OPERATOR))
        except HelpdeskError:
            log.exception("could not list cadres for command menus")
        return sorted(ids)
