"""What every component shares: the services, the caller as a `UserRef`, and delivery of a `Reply`.

Handlers stay thin: translate the update into an Assistant call (run in a worker thread, never on
the event loop), then translate the Reply back with `respond`. Messages to other people
(`Notice`s) go through `deliver`, which survives users who blocked the bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import tornado.web
from telegram import Bot, Message, ReplyKeyboardMarkup, Update
from telegram.constants import ChatAction
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ContextTypes
from telegram.ext._utils import webhookhandler as ptb_webhook

from bot import texts
from bot.assistant import Assistant, Attachment, Notice, Reply, UserRef
from bot.config import Settings
from bot.telegram.format import escape, inline_keyboard, parse_callback, render_reply

log = logging.getLogger(__name__)
T = TypeVar("T")
SERVICES = "services"
DIALOG = "dialog"


@dataclass
class Services:
    """Shared by all handlers via `application.bot_data` (never persisted)."""

    settings: Settings
    assistant: Assistant
    executor: ThreadPoolExecutor

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run blocking work (search, embedding, database) in the worker pool."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, functools.partial(fn, *args, **kwargs))


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data[SERVICES]


def user_ref(update: Update) -> UserRef:
    user = update.effective_user
    assert user is not None
    name = " ".join(p for p in (user.first_name, user.last_name) if p).strip() or str(user.id)
    return UserRef(user.id, name[:64])


Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]


def command(pick: Callable[[Assistant], Callable[[UserRef], Reply]], *, action: str | None = None) -> Handler:
    """The handler of a command that takes no arguments: the method `pick` chooses on the running
    assistant (`lambda a: a.admin.export`: the facade or the part that owns the command), run for
    the caller in a worker thread, its Reply shown to the caller — after a chat action ("typing…")
    when given. Chosen at each call, as a handwritten handler would."""

    async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        svc = services(context)
        if action is not None:
            await typing(update, context, action)
        await respond(update, context, await svc.run(pick(svc.assistant), user_ref(update)))

    return handler


async def typing(update: Update, context: ContextTypes.DEFAULT_TYPE, action: str = ChatAction.TYPING) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    with contextlib.suppress(TelegramError):
        await context.bot.send_chat_action(chat.id, action)


async def _edit(message: Message, text: str, markup: Any) -> bool:
    try:
        await message.edit_text(text, reply_markup=markup)
        return True
    except BadRequest as exc:
        if "not modified" in str(exc).lower():
            return True
        log.info("could not edit message %s: %s", message.message_id, exc)
        return False


async def respond(update: Update, context: ContextTypes.DEFAULT_TYPE, reply: Reply) -> None:
    """Show `reply` to the caller: answer the button press, edit or send messages, files, notices."""
    chat = update.effective_chat
    query = update.callback_query
    if query is not None:
        with contextlib.suppress(TelegramError):
            await query.answer(reply.toast[:190] if reply.toast else None)
    messages = render_reply(reply)
    pressed = query.message if query is not None and isinstance(query.message, Message) else None
    if pressed is not None and reply.replace_buttons is not None and not reply.edit:
        with contextlib.suppress(TelegramError):
            await pressed.edit_reply_markup(inline_keyboard(reply.replace_buttons))
    if pressed is not None and reply.edit and len(messages) == 1:
        text, markup = messages[0]
        if not isinstance(markup, ReplyKeyboardMarkup) and await _edit(pressed, text, markup):
            messages = []
    if chat is not None:
        for text, markup in messages:
            await context.bot.send_message(chat.id, text, reply_markup=markup)
        await send_photos(context.bot, chat.id, reply.photos)
        if reply.attachment is not None:
            await context.bot.send_document(
                chat.id,
                document=reply.attachment.data,
                filename=reply.attachment.filename,
                caption=escape(reply.attachment.caption) or None,
            )
    if reply.notices:
        await deliver(context.bot, reply.notices)


async def press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Reply | None:
    """A button pressed outside any dialog, run through `Assistant.press` and answered.

    The payload is checked against the Assistant's button table first; a forged or outdated one is
    refused with an alert and gives None.
    """
    query = update.callback_query
    assert query is not None
    parsed = parse_callback(query.data)
    if parsed is None:
        await query.answer(texts.BOT_BUTTON_INVALID, show_alert=True)
        return None
    svc = services(context)
    reply = await svc.run(svc.assistant.press, user_ref(update), *parsed)
    await respond(update, context, reply)
    return reply


async def send_photos(bot: Bot, chat_id: int, photos: Iterable[Attachment]) -> None:
    """A reply's pictures (a request's photos), one message each, their captions escaped. A picture
    Telegram will not take as a photo (over 10 MB, odd dimensions) is sent as a file instead."""
    for photo in photos:
        caption = escape(photo.caption[:1000]) or None
        try:
            await bot.send_photo(chat_id, photo=photo.data, filename=photo.filename, caption=caption)
        except BadRequest as exc:
            log.info("photo %s sent as a file instead: %s", photo.filename, exc)
            await bot.send_document(chat_id, document=photo.data, filename=photo.filename, caption=caption)


async def deliver(bot: Bot, notices: Iterable[Notice]) -> int:
    """Send notices to other users; one blocked or unknown user never stops the rest. Returns sent count."""
    sent = 0
    for notice in notices:
        try:
            for text, markup in render_reply(notice.reply):
                await bot.send_message(notice.chat_id, text, reply_markup=markup)
            await send_photos(bot, notice.chat_id, notice.reply.photos)
            sent += 1
        except Forbidden:
            log.info("user %s has blocked the bot; notice not delivered", notice.chat_id)
        except BadRequest as exc:
            log.warning("notice to %s not delivered: %s", notice.chat_id, exc)
    return sent


class ProgressMessage:
    """One message edited in place as a long job reports progress (from a worker thread).

    Edits are throttled (Telegram limits edits per chat) and skipped when the text did not change
    (Telegram refuses an edit that changes nothing).
    """

    def __init__(self, message: Message, interval: float = 1.5) -> None:
        self.message = message
        self.interval = interval
        self._loop = asyncio.get_running_loop()
        self._latest: str | None = None
        self._shown = message.text_html if message.text else None
        self._task = self._loop.create_task(self._pump())

    def set(self, text: str) -> None:
        """Thread-safe: remember the newest progress line."""
        self._loop.call_soon_threadsafe(setattr, self, "_latest", text)

    async def _pump(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            latest = self._latest
            if latest and latest != self._shown:
                self._shown = latest
                await _edit(self.message, escape(latest), None)

    async def stop(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def finish(self, update: Update, context: ContextTypes.DEFAULT_TYPE, reply: Reply) -> None:
        await self.stop()
        messages = render_reply(reply)
        if len(messages) == 1 and not isinstance(messages[0][1], ReplyKeyboardMarkup):
            text, markup = messages[0]
            if await _edit(self.message, text, markup):
                if reply.notices:
                    await deliver(context.bot, reply.notices)
                return
        await respond(update, context, reply)


# Edits of a streaming answer: at most one per second per chat (Telegram allows about one), all
# through the bot's global rate limiter (AIORateLimiter) like every other call.
STREAM_EDIT_SECONDS = 1.0


async def respond_streaming(
    update: Update, context: ContextTypes.DEFAULT_TYPE, fn: Callable[..., Reply], *args: Any
) -> None:
    """Show "正在查找……" at once, run `fn(*args, on_text=…)` in a worker thread, edit the message as
    text streams in, and finally edit it into the reply (with its sources and buttons)."""
    chat = update.effective_chat
    assert chat is not None
    svc = services(context)
    placeholder = await context.bot.send_message(chat.id, escape(texts.BOT_LOOKING_UP))
    progress = ProgressMessage(placeholder, interval=STREAM_EDIT_SECONDS)
    try:
        reply = await svc.run(fn, *args, on_text=progress.set)
    except BaseException:
        await progress.stop()
        raise
    await progress.finish(update, context, reply)


class JsonCheckingTelegramHandler(ptb_webhook.TelegramHandler):
    """PTB's webhook request handler, answering 400 (not 500) to a body that is not JSON.

    PTB parses the body with an unguarded `json.loads`, so a caller with the right secret and a
    broken body got a 500 and a traceback in the log. The content-type and secret checks run first
    and unchanged (403), so nothing is revealed to a caller without the secret.
    """

    async def post(self) -> None:
        self._validate_post()
        try:
            json.loads(self.request.body.decode())
        except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            raise tornado.web.HTTPError(400, reason="Body is not JSON") from exc
        await super().post()


def install_webhook_json_check() -> None:
    """Make PTB's webhook server use `JsonCheckingTelegramHandler`.

    PTB 22 builds its tornado app (`WebhookAppClass`) inside `Updater.start_webhook` with no hook
    for the handler class; the class is looked up by name in PTB's webhook module when the server
    starts, so replacing that name is the smallest change (pinned by pyproject's <23 and proved by
    tests/telegram/test_hardening.py; if PTB moves it, importing this module fails loudly).
    """
    ptb_webhook.TelegramHandler = JsonCheckingTelegramHandler  # type: ignore[misc]
