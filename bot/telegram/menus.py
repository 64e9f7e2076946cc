"""Command menus per role: villagers see theirs in every private chat; cadres and admins get a
per-chat menu with their extra commands (set at start-up and when someone joins as a cadre)."""

from __future__ import annotations

import asyncio
import logging

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeDefault,
)
from telegram.error import TelegramError

from bot import texts
from bot.assistant import Assistant, UserRef

log = logging.getLogger(__name__)


def _commands(mapping: dict[str, str]) -> list[BotCommand]:
    return [BotCommand(name, description) for name, description in mapping.items()]


async def set_default_commands(bot: Bot) -> None:
    villager = _commands(texts.BOT_COMMANDS_VILLAGER)
    await bot.set_my_commands(villager, scope=BotCommandScopeDefault())
    await bot.set_my_commands(villager, scope=BotCommandScopeAllPrivateChats())
    try:
        await bot.set_my_description(texts.BOT_DESCRIPTION)
        await bot.set_my_short_description(texts.BOT_SHORT_DESCRIPTION)
    except TelegramError as exc:  # cosmetic: never block start-up on it
        log.warning("could not set the bot description: %s", exc)


async def set_user_commands(bot: Bot, assistant: Assistant, user: UserRef) -> None:
    """The menu for one user's private chat (their chat id is their user id)."""
    commands = await asyncio.to_thread(assistant.roles.commands_for, user)
    try:
        await bot.set_my_commands(_commands(commands), scope=BotCommandScopeChat(user.id))
    except TelegramError as exc:  # e.g. a configured admin who never opened the chat
        log.info("no command menu for chat %s: %s", user.id, exc)


async def set_privileged_commands(bot: Bot, assistant: Assistant) -> None:
    for chat_id in await asyncio.to_thread(assistant.roles.privileged_users):
        await set_user_commands(bot, assistant, UserRef(chat_id, str(chat_id)))
