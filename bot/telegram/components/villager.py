"""Villagers (and everyone): /start, /help, questions, /mine, photos, buttons, and messages we can't read."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import texts
from bot.assistant import Reply
from bot.telegram.runtime import command, press, respond, respond_streaming, services, typing, user_ref

log = logging.getLogger(__name__)
PRIVATE = filters.ChatType.PRIVATE
CONVERSATION = "conversation"  # user_data key: the last question's topic (Assistant.conversation_state)


start = command(lambda a: a.start)
help_command = command(lambda a: a.help)
mine = command(lambda a: a.mine.my_requests)


async def text_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any text outside a dialog: a menu button or a question. Search runs in a worker thread."""
    assert update.message is not None and context.user_data is not None
    svc = services(context)
    text = update.message.text or ""
    who = user_ref(update)
    # The last question's topic, for a follow-up, survives a restart in the state file.
    svc.assistant.resume_conversation(who, context.user_data.get(CONVERSATION))
    if svc.assistant.streams(text):
        # A model answers (docs/llm.md): "正在查找……" at once, edited as the answer streams.
        await respond_streaming(update, context, svc.assistant.handle_text, who, text)
    else:
        await typing(update, context)
        reply = await svc.run(svc.assistant.handle_text, who, text)
        await respond(update, context, reply)
    state = svc.assistant.conversation_state(who)
    if state is None:
        context.user_data.pop(CONVERSATION, None)
    else:
        context.user_data[CONVERSATION] = state


async def photo_message(
    update: Update, context: ContextTypes.DEFAULT_TYPE, dialog: dict[str, Any] | None
) -> Reply:
    """A villager's photo (or a picture sent as a file, as phones do for 原图): refused by its size
    before download when too big, else handed to the Assistant (kept for the open form, attached to
    a request just filed, or starting a request with its caption as the description). The Reply
    says which; its dialog is the form's state."""
    message = update.message
    assert message is not None and (message.photo or message.document)
    svc, user = services(context), user_ref(update)
    largest = message.photo[-1] if message.photo else message.document
    assert largest is not None
    refusal = await svc.run(svc.assistant.check_photo, user, dialog, largest.file_size)
    if refusal is not None:
        await respond(update, context, refusal)
        return refusal
    await typing(update, context)
    try:
        data = bytes(await (await largest.get_file()).download_as_bytearray())
    except TelegramError as exc:
        log.warning("download of a villager's photo failed: %s", exc)
        reply = Reply.of(texts.BOT_PHOTO_DOWNLOAD_FAILED, dialog=dialog)
        await respond(update, context, reply)
        return reply
    reply = await svc.run(svc.assistant.photo, user, dialog, data, message.caption)
    await respond(update, context, reply)
    return reply


async def unreadable(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice, locations…: say what we can do instead of staying silent."""
    await respond(update, context, Reply.of(texts.BOT_MEDIA_NOT_SUPPORTED))


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await respond(update, context, Reply.of(texts.BOT_UNKNOWN_COMMAND))


async def cancel_nothing(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await respond(update, context, Reply.of(texts.BOT_NOTHING_TO_CANCEL))


async def group_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await respond(update, context, Reply.of(texts.BOT_PRIVATE_ONLY))


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every button press outside a dialog. Payloads are checked against the Assistant's table first."""
    await press(update, context)


def register_early(app: Application) -> None:
    """Handlers that must come before the dialog: group chats get a pointer to the private chat."""
    app.add_handler(MessageHandler(filters.ChatType.GROUPS & filters.COMMAND, group_command))


def register(app: Application) -> None:
    app.add_handler(CommandHandler("start", start, filters=PRIVATE))
    app.add_handler(CommandHandler("help", help_command, filters=PRIVATE))
    app.add_handler(CommandHandler("mine", mine, filters=PRIVATE))
    app.add_handler(CommandHandler("cancel", cancel_nothing, filters=PRIVATE))


def register_late(app: Application) -> None:
    """Catch-alls, after every feature's own handlers."""
    app.add_handler(MessageHandler(PRIVATE & filters.COMMAND, unknown_command))
    app.add_handler(MessageHandler(PRIVATE & filters.TEXT & filters.UpdateType.MESSAGE, text_message))
    others = (
        PRIVATE
        & filters.UpdateType.MESSAGE
        & ~filters.TEXT
        & ~filters.Document.ALL
        & ~filters.StatusUpdate.ALL
    )
    app.add_handler(MessageHandler(others, unreadable))
    app.add_handler(CallbackQueryHandler(button))
