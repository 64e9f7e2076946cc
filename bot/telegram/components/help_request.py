"""Multi-step dialogs as one persistent ConversationHandler: the help-request form (category →
description → village → address → phone → confirm) and the short "write a note" step of ticket
actions.

The form forgives: a question typed mid-form (`Assistant.dialog_aside`) is answered through the
normal answer path (villager.text_message, streaming when a model answers) and followed by
继续填写求助吗？; a menu button, 我要求助 or 登记求助 pressed mid-form asks before the form is
thrown away; photos (entry point, so also mid-form) go to villager.photo_message, which keeps them
for the form, attaches them to a request just filed, or starts a request with them. An admin's
photo outside the form is still a knowledge-base upload (admin.photo).

The steps themselves live in the Assistant (shared with the terminal chat); this module only keeps
the dialog state in `user_data` and tells PTB which state the conversation is in. Both are
persisted, so a form half filled before a restart continues afterwards. A dialog left alone longer
than FORM_TIMEOUT_MINUTES is dropped on the next message, which is then handled normally.
"""

from __future__ import annotations

import contextlib
import re
import warnings
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot import texts
from bot.assistant import DIALOG_STATES, Reply
from bot.telegram.components.admin import document as admin_document
from bot.telegram.components.admin import photo as admin_photo
from bot.telegram.components.villager import photo_message, text_message
from bot.telegram.format import parse_callback
from bot.telegram.runtime import DIALOG, press, respond, services, typing, user_ref

PRIVATE = filters.ChatType.PRIVATE
_OTHER_MENU = (texts.BOT_MENU_ASK, texts.BOT_MENU_MINE, texts.BOT_MENU_HELP)
MENU_TEXTS = filters.Regex("^(" + "|".join(re.escape(t) for t in _OTHER_MENU) + ")$")
REQUEST_TEXT = filters.Regex(f"^{re.escape(texts.BOT_MENU_REQUEST)}$")


def _next(context: ContextTypes.DEFAULT_TYPE, reply: Reply) -> object:
    """Store the dialog after this turn and return the conversation state for PTB."""
    assert context.user_data is not None
    if reply.dialog is None:
        context.user_data.pop(DIALOG, None)
        return ConversationHandler.END
    context.user_data[DIALOG] = reply.dialog
    return reply.dialog["state"]


def _open_form(context: ContextTypes.DEFAULT_TYPE) -> dict[str, Any] | None:
    """The help-request form in progress (not expired), if any."""
    dialog = _dialog(context)
    if not dialog or not str(dialog.get("state", "")).startswith("request."):
        return None
    return None if services(context).assistant.dialog_expired(dialog) else dialog


async def _ask_leave(update: Update, context: ContextTypes.DEFAULT_TYPE, dialog: dict, pending: str) -> object:
    svc = services(context)
    reply = await svc.run(svc.assistant.dialog_leave, user_ref(update), dialog, pending)
    await respond(update, context, reply)
    return _next(context, reply)


async def start_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    dialog = _open_form(context)
    if dialog is not None:  # /help_request or 我要求助 again: never restart over a half-filled form
        return await _ask_leave(update, context, dialog, texts.BOT_MENU_REQUEST)
    svc = services(context)
    reply = await svc.run(svc.assistant.requests.start_request, user_ref(update))
    await respond(update, context, reply)
    return _next(context, reply)


async def start_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    """Buttons that may open a dialog: 登记求助 under an answer, ticket actions that need a note."""
    query = update.callback_query
    assert query is not None
    parsed = parse_callback(query.data)
    dialog = _open_form(context)
    if parsed is not None and parsed[0] == "rq" and dialog is not None:
        with contextlib.suppress(TelegramError):
            await query.answer()
        return await _ask_leave(update, context, dialog, f"rq:{parsed[1]}")
    reply = await press(update, context)
    if reply is None or reply.dialog is None:
        return None  # an invalid payload, or a press that opened no dialog (开始办理): keep any open one
    return _next(context, reply)


def _dialog(context: ContextTypes.DEFAULT_TYPE) -> dict[str, Any] | None:
    assert context.user_data is not None
    return context.user_data.get(DIALOG)


async def _expired(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    svc = services(context)
    if not svc.assistant.dialog_expired(_dialog(context)):
        return False
    assert context.user_data is not None
    context.user_data.pop(DIALOG, None)
    await respond(update, context, Reply.of(texts.BOT_FORM_EXPIRED))
    return True


async def dialog_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    assert update.message is not None
    if await _expired(update, context):
        await text_message(update, context)  # then treat the message as if no dialog was open
        return ConversationHandler.END
    text = update.message.text or ""
    svc, dialog = services(context), _dialog(context)
    if dialog is not None and await svc.run(svc.assistant.dialog_aside, dialog, text):
        # A question, not the step's answer: answered as any question is, the form kept.
        await text_message(update, context)
        reply = await svc.run(svc.assistant.dialog_resume, user_ref(update), dialog, text)
        await respond(update, context, reply)
        return _next(context, reply)
    return await _turn(update, context, text=text)


async def dialog_contact(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    """A shared contact answers the phone step."""
    assert update.message is not None and update.message.contact is not None
    if await _expired(update, context):
        return ConversationHandler.END
    return await _turn(update, context, text=update.message.contact.phone_number)


async def dialog_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    query = update.callback_query
    assert query is not None
    parsed = parse_callback(query.data)
    if parsed is None or parsed[0] != "f":
        await query.answer(texts.BOT_BUTTON_INVALID, show_alert=True)
        return None
    if services(context).assistant.dialog_expired(_dialog(context)):
        assert context.user_data is not None
        context.user_data.pop(DIALOG, None)
        await respond(update, context, Reply(toast=texts.BOT_FORM_GONE, replace_buttons=()))
        return ConversationHandler.END
    return await _turn(update, context, button=parsed[1])


async def dialog_media(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    await respond(update, context, Reply.of(texts.BOT_FORM_TEXT_ONLY))
    return None


async def _turn(
    update: Update, context: ContextTypes.DEFAULT_TYPE, *, text: str | None = None, button: str | None = None
) -> object:
    dialog = _dialog(context)
    svc = services(context)
    if dialog is None:  # state without data (should not happen): start over cleanly
        await respond(update, context, Reply.of(texts.BOT_FORM_GONE))
        return ConversationHandler.END
    if text is not None:
        await typing(update, context)
    reply = await svc.run(svc.assistant.dialog_input, user_ref(update), dialog, text, button)
    await respond(update, context, reply)
    return _next(context, reply)


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    svc = services(context)
    reply = await svc.run(svc.assistant.cancel_dialog, user_ref(update), _dialog(context))
    await respond(update, context, reply)
    assert context.user_data is not None
    context.user_data.pop(DIALOG, None)
    return ConversationHandler.END


async def dialog_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    """A photo, in the form or not (an entry point: PTB checks those first while a dialog is open)."""
    svc, user = services(context), user_ref(update)
    dialog = _dialog(context)
    if dialog is not None and svc.assistant.dialog_expired(dialog):
        assert context.user_data is not None
        context.user_data.pop(DIALOG, None)
        dialog = None
    if dialog is None and (await svc.run(svc.assistant.identity, user)).is_admin:
        # An admin's picture outside the form is a notice for the knowledge base (read by OCR).
        assert update.message is not None
        await (admin_photo(update, context) if update.message.photo else admin_document(update, context))
        return ConversationHandler.END
    reply = await photo_message(update, context, dialog)
    return _next(context, reply)


async def leave_for_menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    """A main-menu button pressed mid-dialog: in the form, ask before throwing it away; in a
    ticket note, close it and do what the button says."""
    assert update.message is not None
    dialog = _open_form(context)
    if dialog is not None:
        return await _ask_leave(update, context, dialog, (update.message.text or "").strip())
    assert context.user_data is not None
    context.user_data.pop(DIALOG, None)
    await text_message(update, context)
    return ConversationHandler.END


def build() -> ConversationHandler:
    text = PRIVATE & filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE
    state_handlers = [
        MessageHandler(text & ~MENU_TEXTS, dialog_text),
        MessageHandler(PRIVATE & filters.CONTACT, dialog_contact),
        CallbackQueryHandler(dialog_button, pattern=r"^f\|"),
        MessageHandler(
            PRIVATE
            & filters.UpdateType.MESSAGE
            & ~filters.TEXT
            & ~filters.COMMAND
            & ~filters.StatusUpdate.ALL,
            dialog_media,
        ),
    ]
    with warnings.catch_warnings():
        # Buttons are tracked per user, not per message, on purpose: a form's buttons belong to it.
        warnings.filterwarnings("ignore", message=r"If 'per_message=False'", category=PTBUserWarning)
        return _conversation(state_handlers, text)


def _conversation(state_handlers: list, text: filters.BaseFilter) -> ConversationHandler:
    return ConversationHandler(
        entry_points=[
            CommandHandler("help_request", start_command, filters=PRIVATE),
            MessageHandler(text & REQUEST_TEXT, start_command),
            CallbackQueryHandler(start_button, pattern=r"^(rq|ta|sat)\|"),
            MessageHandler(
                PRIVATE & (filters.PHOTO | filters.Document.IMAGE) & filters.UpdateType.MESSAGE, dialog_photo
            ),
        ],
        states={state: state_handlers for state in DIALOG_STATES},
        fallbacks=[
            CommandHandler("cancel", cancel, filters=PRIVATE),
            MessageHandler(text & MENU_TEXTS, leave_for_menu),
        ],
        name="dialog",
        persistent=True,
        allow_reentry=True,
    )


def register(app: Application) -> None:
    app.add_handler(build())
