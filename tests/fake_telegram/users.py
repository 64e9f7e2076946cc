"""A test user talking to the bot: sends updates, clicks buttons, reads what the bot sent.

All methods are synchronous and thread-safe. Waiting methods block the calling thread, so in an
asyncio test that runs the bot on the same event loop use their ``*_async`` twins.
"""

from __future__ import annotations

import asyncio
import mimetypes
import struct
import time
import zlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .models import BotMessage, CallbackAnswer, SentDocument
from .server import DEFAULT_TIMEOUT, WaitTimeout

if TYPE_CHECKING:
    from .server import FakeTelegram


def _tiny_png() -> bytes:
    """A valid 1x1 white PNG, so bots that open user photos get a real image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


TINY_PNG = _tiny_png()
# An Ogg page header is enough for bots that only check the container or the duration.
TINY_OGG = b"OggS\x00\x02" + b"\x00" * 58


class FakeUser:
    """A Telegram user in one chat with the bot (their private chat unless ``in_group`` was used)."""

    def __init__(self, tg: FakeTelegram, user: Mapping[str, Any], chat_id: int):
        self.tg = tg
        self.user: dict[str, Any] = dict(user)
        self.chat_id = chat_id

    def __repr__(self) -> str:
        return f"FakeUser(id={self.id}, first_name={self.user['first_name']!r}, chat_id={self.chat_id})"

    @property
    def id(self) -> int:
        return int(self.user["id"])

    @property
    def first_name(self) -> str:
        return str(self.user["first_name"])

    def in_group(self, chat_id: int) -> FakeUser:
        """The same user writing in a group created with ``tg.group()``."""
        with self.tg._lock:
            self.tg._chat(chat_id)
        return FakeUser(self.tg, self.user, chat_id)

    # ===================================================================== sending updates
    def send(
        self,
        text: str,
        *,
        reply_to: BotMessage | int | None = None,
        entities: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Send a text message; returns the Bot API Message dict the bot will receive."""
        fields: dict[str, Any] = {"text": text}
        if entities:
            fields["entities"] = entities
        return self.send_message_fields(fields, reply_to=reply_to)

    def send_command(self, command: str, args: str = "") -> dict[str, Any]:
        """Send ``/command [args]`` with the bot_command entity Telegram adds ("/start", "start x")."""
        command = command if command.startswith("/") else f"/{command}"
        name = command.split()[0]
        text = f"{command} {args}".strip() if args else command
        return self.send(
            text,
            entities=[{"type": "bot_command", "offset": 0, "length": len(name.encode("utf-16-le")) // 2}],
        )

    def send_document(
        self,
        content: bytes,
        filename: str,
        *,
        mime_type: str | None = None,
        caption: str | None = None,
    ) -> dict[str, Any]:
        """Send a file; the bot can fetch it with getFile and download it from the file URL."""
        mime = mime_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        with self.tg._lock:
            stored = self.tg._store_file(content, filename, mime, "documents")
        fields: dict[str, Any] = {
            "document": {
                "file_name": filename,
                "mime_type": mime,
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_size": stored.file_size,
            }
        }
        if caption:
            fields["caption"] = caption
        return self.send_message_fields(fields)

    def send_photo(self, content: bytes = TINY_PNG, *, caption: str | None = None) -> dict[str, Any]:
        """Send a photo (one size, a 1x1 PNG unless ``content`` is given)."""
        with self.tg._lock:
            stored = self.tg._store_file(content, None, "image/png", "photos")
        size = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.file_size,
        }
        fields: dict[str, Any] = {"photo": [{**size, "width": 1, "height": 1}]}
        if caption:
            fields["caption"] = caption
        return self.send_message_fields(fields)

    def send_voice(self, content: bytes = TINY_OGG, *, duration: int = 2) -> dict[str, Any]:
        """Send a voice note (OGG/Opus as Telegram stores them)."""
        with self.tg._lock:
            stored = self.tg._store_file(content, None, "audio/ogg", "voice")
        voice = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": stored.file_size,
        }
        return self.send_message_fields({"voice": voice})

    def send_sticker(self, emoji: str = "👍") -> dict[str, Any]:
        """Send a regular static sticker."""
        with self.tg._lock:
            stored = self.tg._store_file(TINY_PNG, None, "image/webp", "stickers")
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": stored.file_size,
        }
        return self.send_message_fields({"sticker": sticker})

    def send_location(self, latitude: float, longitude: float) -> dict[str, Any]:
        return self.send_message_fields({"location": {"latitude": latitude, "longitude": longitude}})

    def send_contact(self, phone_number: str, first_name: str | None = None) -> dict[str, Any]:
        """Share a contact (their own by default, as the "share my phone" keyboard button does)."""
        contact = {
            "phone_number": phone_number,
            "first_name": first_name or self.first_name,
            "user_id": self.id,
        }
        return self.send_message_fields({"contact": contact})

    def send_message_fields(
        self, fields: Mapping[str, Any], *, reply_to: BotMessage | int | None = None
    ) -> dict[str, Any]:
        """Send a message with arbitrary Bot API Message fields (for kinds without a helper)."""
        fields = dict(fields)
        if reply_to is not None:
            message_id = reply_to if isinstance(reply_to, int) else reply_to.message_id
            with self.tg._lock:
                target = self.tg._message_dict(self.tg._chat(self.chat_id), message_id)
            if target is None:
                raise KeyError(f"no message {message_id} to reply to in chat {self.chat_id}")
            target.pop("reply_to_message", None)
            fields["reply_to_message"] = target
        return self.tg._user_message(self.user, self.chat_id, fields)

    def edit(self, message: Mapping[str, Any] | int, text: str) -> dict[str, Any]:
        """Edit one of this user's text messages (an ``edited_message`` update)."""
        message_id = message if isinstance(message, int) else int(message["message_id"])
        return self.tg._user_message(self.user, self.chat_id, {"text": text}, edited=message_id)

    # ===================================================================== callbacks
    def click(
        self, message: BotMessage | int, text: str | None = None, *, callback_data: str | None = None
    ) -> str:
        """Press an inline button of a bot message (by its text or callback_data); returns the query id.

        The button is looked up in the message's *current* keyboard, as a real user would see it.
        """
        if (text is None) == (callback_data is None):
            raise TypeError("click() needs exactly one of text or callback_data")
        message_id = message if isinstance(message, int) else message.message_id
        current = self.message(message_id)
        if current.deleted:
            raise AssertionError(f"message {message_id} was deleted; its buttons can't be pressed")
        for row in current.buttons:
            for button in row:
                if (text is not None and button.text == text) or (
                    callback_data is not None and button.callback_data == callback_data
                ):
                    if button.callback_data is None:
                        raise AssertionError(
                            f"button {button.text!r} has no callback_data: {dict(button.raw)}"
                        )
                    return self.tg._issue_callback(self.user, self.chat_id, message_id, button.callback_data)
        wanted = f"text {text!r}" if text is not None else f"callback_data {callback_data!r}"
        raise AssertionError(
            f"no inline button with {wanted} in message {message_id}; buttons: "
            f"{[(b.text, b.callback_data) for row in current.buttons for b in row]}"
        )

    def forge_callback(self, data: str, message: BotMessage | int | None = None) -> str:
        """A callback query with any payload, as a tampered or outdated client could send.

        It is attached to ``message`` or to the last bot message in the chat.
        """
        if message is None:
            last = self.last_message()
            if last is None:
                raise AssertionError("forge_callback needs a bot message in the chat to attach to")
            message_id = last.message_id
        else:
            message_id = message if isinstance(message, int) else message.message_id
        return self.tg._issue_callback(self.user, self.chat_id, message_id, data)

    @property
    def answered_callbacks(self) -> list[CallbackAnswer]:
        """The bot's answers to this user's callback queries in this chat, in query order."""
        with self.tg._lock:
            return [c.answer for c in self.tg._iter_callbacks(self.chat_id, self.id) if c.answer is not None]

    def callback_answer(self, query_id: str) -> CallbackAnswer | None:
        with self.tg._lock:
            record = self.tg._callbacks.get(query_id)
            return record.answer if record else None

    def wait_for_callback_answer(self, query_id: str, timeout: float = DEFAULT_TIMEOUT) -> CallbackAnswer:
        """Wait until the bot answered this callback query."""
        return self.tg.wait_until(
            lambda: self.callback_answer(query_id), timeout, f"answerCallbackQuery for query {query_id}"
        )

    # ===================================================================== reading bot messages
    def wait_for_messages(self, n: int = 1, timeout: float = DEFAULT_TIMEOUT) -> list[BotMessage]:
        """Wait for the next ``n`` unread bot messages in this chat, mark them read, return them.

        Exactly ``n`` are returned even if more arrived, so tests don't depend on timing.
        """
        tg = self.tg
        with tg._cond:
            state = tg._chat(self.chat_id)
            ready = tg._cond.wait_for(lambda: len(state.bot_order) - state.read_cursor >= n, timeout)
            if not ready:
                got = len(state.bot_order) - state.read_cursor
                raise WaitTimeout(
                    f"timed out after {timeout:g}s waiting for {n} new bot message(s) in chat "
                    f"{self.chat_id}; got {got}\n{tg._diagnostics(self.chat_id)}"
                )
            ids = state.bot_order[state.read_cursor : state.read_cursor + n]
            state.read_cursor += n
            return [state.bot_messages[mid].snapshot() for mid in ids]

    def wait_for_message(
        self, timeout: float = DEFAULT_TIMEOUT, *, containing: str | None = None
    ) -> BotMessage:
        """The next unread bot message; with ``containing``, skip (and mark read) others first."""
        if containing is None:
            return self.wait_for_messages(1, timeout)[0]
        skipped: list[str | None] = []
        deadline = time.monotonic() + timeout
        while True:
            try:
                message = self.wait_for_messages(1, max(deadline - time.monotonic(), 0.0))[0]
            except WaitTimeout as exc:
                raise WaitTimeout(
                    f"no bot message containing {containing!r}; skipped {skipped}\n{exc}"
                ) from None
            if containing in (message.text or ""):
                return message
            skipped.append(message.text)

    def unread_messages(self) -> list[BotMessage]:
        """Bot messages not yet returned by a wait (without waiting or marking them read)."""
        with self.tg._lock:
            state = self.tg._chat(self.chat_id)
            return [state.bot_messages[mid].snapshot() for mid in state.bot_order[state.read_cursor :]]

    def mark_all_read(self) -> None:
        with self.tg._lock:
            state = self.tg._chat(self.chat_id)
            state.read_cursor = len(state.bot_order)

    def last_message(self) -> BotMessage | None:
        """The most recent bot message in this chat (read or not), or None."""
        with self.tg._lock:
            state = self.tg._chat(self.chat_id)
            return state.bot_messages[state.bot_order[-1]].snapshot() if state.bot_order else None

    def all_messages(self) -> list[BotMessage]:
        """Every bot message in this chat in sending order, current state, deleted ones included."""
        with self.tg._lock:
            return self.tg._snapshots(self.chat_id)

    def message(self, message_id: int) -> BotMessage:
        """The current state of one bot message."""
        with self.tg._lock:
            record = self.tg._chat(self.chat_id).bot_messages.get(message_id)
            if record is None:
                raise KeyError(f"no bot message {message_id} in chat {self.chat_id}")
            return record.snapshot()

    def wait_for_edit(self, message: BotMessage, timeout: float = DEFAULT_TIMEOUT) -> BotMessage:
        """Wait until the bot edits ``message`` again (relative to this snapshot); returns the new state."""
        seen = len(message.versions)

        def edited() -> BotMessage | None:
            current = self.message(message.message_id)
            return current if len(current.versions) > seen else None

        return self.tg.wait_until(edited, timeout, f"an edit of message {message.message_id}")

    def wait_for_deletion(self, message: BotMessage | int, timeout: float = DEFAULT_TIMEOUT) -> None:
        message_id = message if isinstance(message, int) else message.message_id
        self.tg.wait_until(
            lambda: self.message(message_id).deleted, timeout, f"deletion of message {message_id}"
        )

    @property
    def chat_actions(self) -> list[str]:
        """sendChatAction actions in this chat, e.g. ["typing", "upload_document"]."""
        with self.tg._lock:
            return list(self.tg._chat(self.chat_id).chat_actions)

    def documents(self) -> list[SentDocument]:
        """Documents the bot sent to this chat: ``(filename, content, caption)`` tuples."""
        return self.tg.documents_sent(self.chat_id)

    def block(self) -> None:
        """This user blocks the bot (private chat only)."""
        self.tg.block(self.id)

    def unblock(self) -> None:
        self.tg.unblock(self.id)

    def transcript(self) -> str:
        """The whole chat as readable lines, for assertion messages and debugging."""
        with self.tg._lock:
            return self.tg._transcript(self.chat_id)

    # ===================================================================== asyncio twins
    async def wait_for_messages_async(self, n: int = 1, timeout: float = DEFAULT_TIMEOUT) -> list[BotMessage]:
        return await asyncio.to_thread(self.wait_for_messages, n, timeout)

    async def wait_for_message_async(
        self, timeout: float = DEFAULT_TIMEOUT, *, containing: str | None = None
    ) -> BotMessage:
        return await asyncio.to_thread(lambda: self.wait_for_message(timeout, containing=containing))

    async def wait_for_edit_async(self, message: BotMessage, timeout: float = DEFAULT_TIMEOUT) -> BotMessage:
        return await asyncio.to_thread(self.wait_for_edit, message, timeout)

    async def wait_for_callback_answer_async(
        self, query_id: str, timeout: float = DEFAULT_TIMEOUT
    ) -> CallbackAnswer:
        return await asyncio.to_thread(self.wait_for_callback_answer, query_id, timeout)
