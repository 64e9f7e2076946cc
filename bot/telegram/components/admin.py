"""Admins: /reload with live progress, document upload, /docs and /rmdoc, /invite, /villages,
/addvillage (with a confirmation when the name is close to an existing village), /renamevillage,
/mergevillage, /rmvillage, /stats, /export. And /join for the cadres they invite.

Roles are checked by the Assistant; this module only avoids showing a progress message to someone
who will be refused anyway.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import File, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import Application, CommandHandler, ContextTypes, MessageHandler, filters

from bot import texts
from bot.assistant import Assistant, Reply
from bot.telegram.format import escape
from bot.telegram.menus import set_user_commands
from bot.telegram.runtime import ProgressMessage, command, respond, services, typing, user_ref

log = logging.getLogger(__name__)
PRIVATE = filters.ChatType.PRIVATE


async def reload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    svc, user = services(context), user_ref(update)
    if not (await svc.run(svc.assistant.identity, user)).is_admin:
        await respond(update, context, await svc.run(svc.assistant.admin.reload, user))
        return
    status = await update.message.reply_text(escape(texts.BOT_RELOAD_STARTED))
    progress = ProgressMessage(status)
    reply = await svc.run(svc.assistant.admin.reload, user, progress.set)
    await progress.finish(update, context, reply)


async def document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An uploaded file: checked (role, type, size) before download, then ingested incrementally."""
    message = update.message
    assert message is not None and message.document is not None
    doc = message.document
    await _upload(update, context, doc.file_name or "", doc.file_size, doc.get_file)


async def photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A picture sent as a photo (how phones send a notice they photographed): admins add it to the
    knowledge base like an uploaded .jpg (read by OCR); anyone else gets the usual "text only" reply."""
    message = update.message
    assert message is not None and message.photo
    svc, user = services(context), user_ref(update)
    if not (await svc.run(svc.assistant.identity, user)).is_admin:
        await respond(update, context, Reply.of(texts.BOT_MEDIA_NOT_SUPPORTED))
        return
    largest = message.photo[-1]
    name = texts.BOT_PHOTO_FILENAME.format(stamp=message.date.strftime("%Y%m%d-%H%M%S"), id=message.message_id)
    await _upload(update, context, name, largest.file_size, largest.get_file)


async def _upload(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    name: str,
    size: int | None,
    get_file: Callable[[], Awaitable[File]],
) -> None:
    message = update.message
    assert message is not None
    svc, user = services(context), user_ref(update)
    refusal = await svc.run(svc.assistant.admin.check_upload, user, name, size)
    if refusal is not None:
        await respond(update, context, refusal)
        return
    status = await message.reply_text(escape(texts.BOT_UPLOAD_RECEIVED.format(name=name)))
    try:
        data = bytes(await (await get_file()).download_as_bytearray())
    except TelegramError as exc:
        log.warning("download of an uploaded document failed: %s", exc)
        await status.edit_text(escape(texts.BOT_UPLOAD_DOWNLOAD_FAILED))
        return
    progress = ProgressMessage(status)
    reply = await svc.run(svc.assistant.admin.add_document, user, name, data, progress.set)
    await progress.finish(update, context, reply)


docs = command(lambda a: a.admin.documents)


async def rmdoc(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    name = " ".join(context.args or [])
    await respond(update, context, await svc.run(svc.assistant.admin.ask_remove_document, user_ref(update), name))


async def invite(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    await respond(update, context, await svc.run(svc.assistant.directory.invite, user_ref(update), context.args or []))


async def join(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, user = services(context), user_ref(update)
    reply = await svc.run(svc.assistant.directory.join, user, " ".join(context.args or []))
    await respond(update, context, reply)
    if reply.role_changed:
        await set_user_commands(context.bot, svc.assistant, user)


villages = command(lambda a: a.directory.villages)


def _with_args(
    pick: Callable[[Assistant], Callable[..., Reply]],
) -> Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]:
    """A handler that passes the command's words to the method `pick` chooses on the running
    assistant (`lambda a: a.directory.add_village`)."""

    async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        svc = services(context)
        reply = await svc.run(pick(svc.assistant), user_ref(update), context.args or [])
        await respond(update, context, reply)

    return handler


add_village = _with_args(lambda a: a.directory.add_village)
rename_village = _with_args(lambda a: a.directory.rename_village)
merge_village = _with_args(lambda a: a.directory.merge_village)
remove_village = _with_args(lambda a: a.directory.remove_village)


async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stats, or /stats month [2026-11] for the monthly report (a chart and a workbook)."""
    svc = services(context)
    await typing(update, context, ChatAction.UPLOAD_DOCUMENT if context.args else ChatAction.TYPING)
    await respond(update, context, await svc.run(svc.assistant.admin.stats, user_ref(update), context.args or []))


export = command(lambda a: a.admin.export, action=ChatAction.UPLOAD_DOCUMENT)


def register(app: Application) -> None:
    for name, callback in (
        ("reload", reload),
        ("docs", docs),
        ("rmdoc", rmdoc),
        ("invite", invite),
        ("join", join),
        ("villages", villages),
        ("addvillage", add_village),
        ("renamevillage", rename_village),
        ("mergevillage", merge_village),
        ("rmvillage", remove_village),
        ("stats", stats),
        ("export", export),
    ):
        app.add_handler(CommandHandler(name, callback, filters=PRIVATE))
    app.add_handler(MessageHandler(PRIVATE & filters.Document.ALL & filters.UpdateType.MESSAGE, document))
    app.add_handler(MessageHandler(PRIVATE & filters.PHOTO & filters.UpdateType.MESSAGE, photo))
