"""The error handler: log the failure and tell the user, never stay silent; blocked users are
expected (they may block the bot at any time) and only logged."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError, TelegramError, TimedOut
from telegram.ext import Application, ContextTypes

from bot import texts

log = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    error = context.error
    if isinstance(error, Forbidden):
        who = update.effective_user.id if isinstance(update, Update) and update.effective_user else "?"
        log.info("user %s has blocked the bot: %s", who, error)
        return
    if not isinstance(update, Update):
        # Polling hiccups, jobs: nobody to tell.
        level = logging.WARNING if isinstance(error, NetworkError | TimedOut) else logging.ERROR
        log.log(
            level, "error outside an update: %s", error, exc_info=error if level == logging.ERROR else None
        )
        return
    log.error("error while handling update %s", update.update_id, exc_info=error)
    if update.callback_query is not None:
        with contextlib.suppress(TelegramError):
            await update.callback_query.answer(texts.BOT_ERROR[:190], show_alert=True)
            return
    chat = update.effective_chat
    if chat is not None:
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(chat.id, texts.BOT_ERROR, parse_mode=None)


def register(app: Application) -> None:
    app.add_error_handler(on_error)
