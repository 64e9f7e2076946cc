"""A fake Telegram Bot API server on 127.0.0.1 for end-to-end tests of a real PTB Application.

The server speaks the real HTTP protocol (``POST /bot<token>/<method>`` with form, multipart or
JSON bodies; ``{"ok": ..., "result"/"error_code"/"description"}`` answers; files under
``/file/bot<token>/<file_path>``), so the bot under test runs unmodified: only its base URLs
point here. Behaviour that bots trip over in production is reproduced on purpose (length
limits, HTML parse errors, "message is not modified", BUTTON_DATA_INVALID, blocked users,
stale callback queries, long polling with offsets) so that tests catch those bugs.

The HTTP side runs on its own event loop in a daemon thread; tests use the synchronous,
thread-safe API of :class:`FakeTelegram` and :class:`FakeUser` from any thread (for asyncio
tests, each waiting method has an ``_async`` twin that doesn't block the event loop).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import logging
import mimetypes
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from .formatting import CAPTION_LIMIT, MESSAGE_TEXT_LIMIT, EntityParseError, parse_formatted, utf16_len
from .models import (
    BotMessage,
    Call,
    CallbackAnswer,
    MessageVersion,
    SentDocument,
    StoredFile,
)

if TYPE_CHECKING:
    from telegram.ext import ApplicationBuilder

    from .users import FakeUser

_LOG = logging.getLogger(__name__)
T = TypeVar("T")

# Shaped like a real token (digits, colon, 35 URL-safe characters) so config checks accept it.
DEFAULT_TOKEN = "123456789:TEST-fake-telegram-token-abcdefghijk"
# Waits return as soon as the bot has answered; the limit only decides how long a broken run
# hangs. Generous, so a CI machine stalled by a neighbour does not fail a correct bot.
DEFAULT_TIMEOUT = 30.0

_INT_PARAMS = frozenset(
    {"message_id", "offset", "limit", "reply_to_message_id", "message_thread_id", "cache_time",
     "max_connections", "from_chat_id", "user_id", "duration", "width", "height"}
)  # fmt: skip
_JSON_PARAMS = frozenset(
    {"reply_markup", "entities", "caption_entities", "allowed_updates", "commands", "scope",
     "link_preview_options", "reply_parameters", "media", "menu_button"}
)  # fmt: skip
_BOOL_PARAMS = frozenset(
    {"disable_notification", "protect_content", "show_alert", "drop_pending_updates",
     "disable_web_page_preview", "allow_sending_without_reply", "disable_content_type_detection",
     "has_spoiler", "show_caption_above_media", "revoke"}
)  # fmt: skip
_CHAT_ACTIONS = frozenset(
    {"typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
     "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note"}
)  # fmt: skip
_INLINE_BUTTON_ACTIONS = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay",
)  # fmt: skip
# Telegram doesn't send these update types unless allowed_updates asks for them.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
# Message content that forwardMessage/copyMessage carry over.
_COPIED_FIELDS = (
    "text", "entities", "caption", "caption_entities", "document", "photo", "voice", "audio", "video",
    "sticker", "location", "contact",
)  # fmt: skip

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
BLOCKED = "Forbidden: bot was blocked by the user"


class ApiError(Exception):
    """An error answer of the Bot API: HTTP status = error_code, as Telegram does."""

    def __init__(self, error_code: int, description: str, parameters: Mapping[str, Any] | None = None):
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = dict(parameters) if parameters else None


class WaitTimeout(AssertionError):
    """A wait for bot activity timed out; the message says what the bot did instead."""


@dataclass(frozen=True)
class _Upload:
    filename: str | None
    content: bytes
    content_type: str | None


class _Params:
    """Request parameters with Telegram's lenient typing (form values are strings, JSON is typed)."""

    def __init__(self, values: dict[str, Any], files: dict[str, _Upload]):
        self.values = {k: _coerce(k, v) for k, v in values.items()}
        self.files = files

    def has(self, name: str) -> bool:
        return self.values.get(name) not in (None, "")

    def str(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None:
            return None
        return (
            value
            if isinstance(value, str)
            else json.dumps(value)
            if isinstance(value, dict | list)
            else str(value)
        )

    def int(self, name: str) -> int | None:
        value = self.values.get(name)
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise ApiError(400, f"Bad Request: invalid {name} specified")

    def float(self, name: str) -> float | None:
        value = self.values.get(name)
        if value in (None, ""):
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ApiError(400, f"Bad Request: invalid {name} specified") from None

    def bool(self, name: str) -> bool:
        return self.values.get(name) is True

    def json(self, name: str, error: str | None = None) -> Any:
        value = self.values.get(name)
        if value in (None, ""):
            return None
        if isinstance(value, str):
            raise ApiError(400, error or f"Bad Request: can't parse {name} JSON object")
        return value

    def summary(self) -> dict[str, Any]:
        """Typed parameters plus uploaded files as ``{"filename", "size"}`` (what Call.params holds)."""
        out = dict(self.values)
        for name, upload in self.files.items():
            out[name] = {"filename": upload.filename, "size": len(upload.content)}
        return out


def _coerce(name: str, value: Any) -> Any:
    """Form fields arrive as strings (PTB JSON-encodes non-string values); type them by name."""
    if not isinstance(value, str):
        return value
    if name in _JSON_PARAMS:
        try:
            return json.loads(value)
        except ValueError:
            return value
    if name == "chat_id" or name in _INT_PARAMS:
        return int(value) if re.fullmatch(r"-?\d+", value) else value
    if name in _BOOL_PARAMS:
        return {"true": True, "1": True, "false": False, "0": False}.get(value.lower(), value)
    if name == "timeout":
        try:
            return float(value)
        except ValueError:
            return value
    return value


@dataclass
class _BotMessageRecord:
    chat_id: int
    message_id: int
    date: int
    method: str
    versions: list[MessageVersion]
    raw: dict[str, Any]
    document: SentDocument | None = None
    mime_type: str | None = None
    deleted: bool = False
    reply_to_message_id: int | None = None

    def snapshot(self) -> BotMessage:
        return BotMessage(
            chat_id=self.chat_id,
            message_id=self.message_id,
            date=self.date,
            method=self.method,
            versions=tuple(self.versions),
            document=self.document,
            mime_type=self.mime_type,
            deleted=self.deleted,
            reply_to_message_id=self.reply_to_message_id,
            raw=copy.deepcopy(self.raw),
        )


@dataclass
class _ChatState:
    chat: dict[str, Any]
    next_message_id: int = 1
    user_messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    bot_messages: dict[int, _BotMessageRecord] = field(default_factory=dict)
    bot_order: list[int] = field(default_factory=list)
    read_cursor: int = 0
    chat_actions: list[str] = field(default_factory=list)
    blocked: bool = False
    deleted_user_messages: set[int] = field(default_factory=set)

    def allocate_id(self) -> int:
        mid = self.next_message_id
        self.next_message_id += 1
        return mid


@dataclass
class _CallbackRecord:
    query_id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    answer: CallbackAnswer | None = None


@dataclass
class _Poll:
    event: asyncio.Event
    request: web.Request
    superseded: bool = False


class FakeTelegram:
    """The fake Bot API server and the test-facing API around it.

    Use as a context manager (``with FakeTelegram() as tg:``) or call start()/stop(). Point
    the bot at ``tg.base_url`` and ``tg.base_file_url`` (or use ``tg.application_builder()``).
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "fake_test_bot",
        bot_first_name: str = "Test Bot",
        host: str = "127.0.0.1",
        port: int = 0,
        strict_html: bool = True,
        max_upload_bytes: int = 50 * 1024 * 1024,
    ):
        """``strict_html`` rejects a bare ``&`` in HTML text (see formatting.py for why)."""
        if ":" not in token or not token.split(":", 1)[0].isdigit():
            raise ValueError(f"a bot token looks like '<digits>:<secret>', got {token!r}")
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_user: dict[str, Any] = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.host = host
        self.strict_html = strict_html
        self._requested_port = port
        self._max_upload = max_upload_bytes

        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._users: dict[int, dict[str, Any]] = {}
        self._chats: dict[int, _ChatState] = {}
        self._user_ids = itertools.count(1001)
        self._group_ids = itertools.count(1)
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._delivered: list[int] = []
        self._allowed_updates: list[str] | None = None
        self._callbacks: dict[str, _CallbackRecord] = {}
        self._callback_ids = itertools.count(1)
        self._files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._file_ids = itertools.count(1)
        self._calls: list[Call] = []
        self._unknown: list[str] = []
        self._bot_errors: list[BaseException] = []
        self._commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self._settings: dict[str, Any] = {}
        self._webhook: dict[str, Any] | None = None
        self._injected: dict[str, list[ApiError]] = {}
        self._polls: list[_Poll] = []
        self._stopping = False

        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._webhook_wakeup: asyncio.Event | None = None
        self._pump_task: asyncio.Task[None] | None = None
        self._webhook_redirect: str | None = None
        self._webhook_deliveries: list[tuple[int, int]] = []
        self._webhook_last_error: tuple[int, str] | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None
        self.port: int = 0
        self._handlers: dict[str, Callable[[_Params], Any]] = {
            "getme": self._get_me,
            "logout": lambda p: True,
            "close": lambda p: True,
            "deletewebhook": self._delete_webhook,
            "setwebhook": self._set_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "editmessagecaption": self._edit_message_caption,
            "deletemessage": self._delete_message,
            "answercallbackquery": self._answer_callback_query,
            "sendchataction": self._send_chat_action,
            "senddocument": lambda p: self._send_media(p, "document"),
            "sendphoto": lambda p: self._send_media(p, "photo"),
            "getfile": self._get_file,
            "forwardmessage": self._forward_message,
            "copymessage": self._copy_message,
            "setmydescription": lambda p: self._record_setting("description", p.str("description")),
            "setmyshortdescription": lambda p: self._record_setting(
                "short_description", p.str("short_description")
            ),
            "setchatmenubutton": lambda p: self._record_setting("menu_button", p.json("menu_button")),
        }

    # ===================================================================== lifecycle
    def start(self) -> FakeTelegram:
        """Bind a port on 127.0.0.1 and serve in a daemon thread; returns self."""
        if self._thread is not None:
            return self
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self._requested_port))
        sock.listen(128)
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, args=(sock,), name="fake-telegram", daemon=True)
        self._thread.start()
        self._ready.wait(30)
        if self._startup_error is not None:
            raise RuntimeError("fake Telegram server failed to start") from self._startup_error
        return self

    def stop(self) -> None:
        """Answer held getUpdates requests, close connections and end the server thread."""
        if self._thread is None or self._loop is None:
            return
        with self._lock:
            self._stopping = True
        future = asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop)
        try:
            future.result(timeout=15)
        finally:
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=15)
        self._thread = None

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> FakeTelegram:
        return await asyncio.to_thread(self.start)

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.stop)

    def _serve(self, sock: socket.socket) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._start_site(sock))
        except BaseException as exc:
            self._startup_error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.close()

    async def _start_site(self, sock: socket.socket) -> None:
        app = web.Application(client_max_size=self._max_upload + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("GET", "/file/bot{token}/{file_path:.+}", self._handle_file)
        # handler_cancellation: a getUpdates held for a client that went away must not linger.
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=2.0)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()
        self._webhook_wakeup = asyncio.Event()
        self._pump_task = asyncio.get_running_loop().create_task(self._webhook_pump())

    async def _shutdown(self) -> None:
        self._wake_polls()
        if self._pump_task is not None:
            self._pump_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump_task
        if self._runner is not None:
            await self._runner.cleanup()

    # ===================================================================== URLs and PTB glue
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)`` (PTB appends the token)."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url(...)`` (PTB appends the token)."""
        return f"{self.url}/file/bot"

    def application_builder(self) -> ApplicationBuilder:
        """An ApplicationBuilder with token and URLs set for this server, ready for handlers."""
        from telegram.ext import ApplicationBuilder

        return (
            ApplicationBuilder().token(self.token).base_url(self.base_url).base_file_url(self.base_file_url)
        )

    # ===================================================================== test-facing API
    def user(
        self,
        id: int | None = None,
        first_name: str = "Test",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "zh-hans",
    ) -> FakeUser:
        """A Telegram user who has started a private chat with the bot."""
        from .users import FakeUser

        with self._lock:
            uid = id if id is not None else next(self._user_ids)
            user: dict[str, Any] = {"id": uid, "is_bot": False, "first_name": first_name}
            if last_name:
                user["last_name"] = last_name
            if username:
                user["username"] = username
            if language_code:
                user["language_code"] = language_code
            self._users[uid] = user
            if uid not in self._chats:
                chat = {"id": uid, "type": "private", "first_name": first_name}
                if last_name:
                    chat["last_name"] = last_name
                if username:
                    chat["username"] = username
                self._chats[uid] = _ChatState(chat=chat)
            return FakeUser(self, user, uid)

    def group(self, title: str = "Test group", id: int | None = None, *, supergroup: bool = True) -> int:
        """Create a group chat the bot is in; returns its chat id for ``user.in_group(chat_id)``."""
        with self._lock:
            gid = id if id is not None else -(1001000000000 + next(self._group_ids))
            chat = {"id": gid, "type": "supergroup" if supergroup else "group", "title": title}
            self._chats.setdefault(gid, _ChatState(chat=chat))
            return gid

    def block(self, user_id: int) -> None:
        """The user blocks the bot: sends to their private chat now get 403 Forbidden."""
        with self._lock:
            self._chat(user_id).blocked = True

    def unblock(self, user_id: int) -> None:
        with self._lock:
            self._chat(user_id).blocked = False

    def calls(self, method: str | None = None) -> list[Call]:
        """Requests the bot made (all, or of one method; case-insensitive), oldest first."""
        with self._lock:
            if method is None:
                return list(self._calls)
            return [c for c in self._calls if c.method.lower() == method.lower()]

    @property
    def errors(self) -> list[Call]:
        """Every error answer (4xx) the server gave, e.g. parse errors or unknown methods."""
        with self._lock:
            return [c for c in self._calls if not c.ok]

    def clear_errors(self) -> None:
        """Forget recorded calls that failed (after a test provoked some on purpose)."""
        with self._lock:
            self._calls = [c for c in self._calls if c.ok]
            self._unknown.clear()

    @property
    def unknown_methods(self) -> list[str]:
        """Names of Bot API methods the bot called that the fake doesn't implement."""
        with self._lock:
            return list(self._unknown)

    @property
    def bot_errors(self) -> list[BaseException]:
        """Exceptions raised in the bot's handlers (recorded by ``run_application``)."""
        with self._lock:
            return list(self._bot_errors)

    def note_bot_error(self, error: BaseException) -> None:
        """Record a handler exception so waits that time out can report it."""
        with self._cond:
            self._bot_errors.append(error)
            self._cond.notify_all()

    def documents_sent(self, chat_id: int) -> list[SentDocument]:
        """Documents the bot sent to a chat (deleted messages included), oldest first."""
        with self._lock:
            state = self._chat(chat_id)
            return [
                rec.document
                for mid in state.bot_order
                if (rec := state.bot_messages[mid]).document is not None and "document" in rec.raw
            ]

    def commands(
        self, scope: Mapping[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, str]] | None:
        """Commands set with setMyCommands for a scope (default scope if None); None if never set."""
        with self._lock:
            found = self._commands.get((_scope_key(scope), language_code or ""))
            return copy.deepcopy(found) if found is not None else None

    @property
    def webhook(self) -> dict[str, Any] | None:
        """Parameters of the last setWebhook, or None when no webhook is set."""
        with self._lock:
            return copy.deepcopy(self._webhook)

    @property
    def settings(self) -> dict[str, Any]:
        """Values recorded by setMyDescription, setMyShortDescription, setChatMenuButton."""
        with self._lock:
            return copy.deepcopy(self._settings)

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet acknowledged by the bot (getUpdates with a higher offset)."""
        with self._lock:
            return copy.deepcopy(self._updates)

    @property
    def delivered_update_ids(self) -> list[int]:
        """update_id of every update in every getUpdates answer, in delivery order."""
        with self._lock:
            return list(self._delivered)

    def redirect_webhook(self, target: str | None) -> None:
        """Deliver webhook updates to ``target`` (a loopback http URL) instead of the set URL.

        Telegram insists on a public https URL; in tests the bot's webhook server listens on
        127.0.0.1, as it would behind a TLS-terminating reverse proxy. None stops delivery.
        """
        if target is not None and urlsplit(target).hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"webhook deliveries stay on this machine; got {target!r}")
        with self._lock:
            self._webhook_redirect = target
        self._wake_polls()

    @property
    def webhook_last_error(self) -> str | None:
        """Why the last webhook delivery failed (getWebhookInfo's last_error_message), if it did."""
        with self._lock:
            return self._webhook_last_error[1] if self._webhook_last_error else None

    @property
    def webhook_deliveries(self) -> list[int]:
        """update_id of every update the bot's webhook accepted, in order."""
        with self._lock:
            return [update_id for update_id, _ in self._webhook_deliveries]

    @property
    def waiting_polls(self) -> int:
        """How many getUpdates requests the server is holding (long polling) right now."""
        with self._lock:
            return len(self._polls)

    def inject_error(
        self,
        method: str,
        error_code: int = 500,
        description: str = "Internal Server Error",
        *,
        times: int = 1,
        retry_after: int | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail, e.g. 429 with ``retry_after``."""
        params = {"retry_after": retry_after} if retry_after is not None else None
        with self._lock:
            self._injected.setdefault(method.lower(), []).extend(
                ApiError(error_code, description, params) for _ in range(times)
            )

    def enqueue_update(self, update: Mapping[str, Any]) -> dict[str, Any]:
        """Queue a raw update (without update_id) for the bot; returns it with its update_id."""
        with self._cond:
            full = {"update_id": next(self._update_ids), **copy.deepcopy(dict(update))}
            self._updates.append(full)
            self._cond.notify_all()
        self._wake_polls()
        return full

    def wait_until(
        self, predicate: Callable[[], T], timeout: float = DEFAULT_TIMEOUT, what: str = "condition"
    ) -> T:
        """Wait until ``predicate()`` is truthy (re-checked on every server change) and return it.

        The predicate runs while the server state is locked: it may read the fake's state but
        must not make requests to the server.
        """
        result: list[T] = []

        def check() -> bool:
            value = predicate()
            if value:
                result.append(value)
                return True
            return False

        with self._cond:
            if self._cond.wait_for(check, timeout):
                return result[-1]
            raise WaitTimeout(f"timed out after {timeout:g}s waiting for {what}\n{self._diagnostics()}")

    def wait_for_call(self, method: str, count: int = 1, timeout: float = DEFAULT_TIMEOUT) -> list[Call]:
        """Wait until the bot made at least ``count`` calls of ``method``; returns all of them."""
        return self.wait_until(
            lambda: (found := self.calls(method)) and len(found) >= count and found,
            timeout,
            f"{count} call(s) of {method}",
        )

    def file(self, file_id: str) -> StoredFile:
        """A stored file by file_id (uploaded by the bot or a test user)."""
        with self._lock:
            return self._files[file_id]

    # ===================================================================== internals for users
    def _chat(self, chat_id: int) -> _ChatState:
        state = self._chats.get(chat_id)
        if state is None:
            raise KeyError(f"no chat {chat_id}; create it with tg.user(...) or tg.group(...)")
        return state

    def _store_file(
        self, content: bytes, filename: str | None, mime_type: str | None, folder: str
    ) -> StoredFile:
        n = next(self._file_ids)
        ext = ""
        if filename and "." in filename:
            ext = "." + filename.rsplit(".", 1)[1]
        elif mime_type:
            ext = mimetypes.guess_extension(mime_type) or ""
        stored = StoredFile(
            file_id=f"BQACAgIAAxk-fake-{folder}-{n:06d}",
            file_unique_id=f"AgAD{n:06d}",
            file_path=f"{folder}/file_{n}{ext}",
            content=bytes(content),
            filename=filename,
            mime_type=mime_type,
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def _user_message(
        self, user: Mapping[str, Any], chat_id: int, fields: Mapping[str, Any], *, edited: int | None = None
    ) -> dict[str, Any]:
        """Store a message from a test user and queue the update the bot will receive."""
        with self._cond:
            state = self._chat(chat_id)
            if edited is None:
                message = {
                    "message_id": state.allocate_id(),
                    "from": dict(user),
                    "chat": dict(state.chat),
                    "date": int(time.time()),
                    **copy.deepcopy(dict(fields)),
                }
                state.user_messages[message["message_id"]] = message
                kind = "message"
            else:
                if edited not in state.user_messages:
                    raise KeyError(f"no user message {edited} in chat {chat_id}")
                message = {
                    **state.user_messages[edited],
                    **copy.deepcopy(dict(fields)),
                    "edit_date": int(time.time()),
                }
                state.user_messages[edited] = message
                kind = "edited_message"
            update = {"update_id": next(self._update_ids), kind: copy.deepcopy(message)}
            self._updates.append(update)
            self._cond.notify_all()
        self._wake_polls()
        return message

    def _issue_callback(self, user: Mapping[str, Any], chat_id: int, message_id: int, data: str) -> str:
        with self._cond:
            state = self._chat(chat_id)
            record = state.bot_messages.get(message_id)
            if record is None:
                raise KeyError(f"no bot message {message_id} in chat {chat_id}")
            query_id = f"{self.bot_id}{next(self._callback_ids):010d}"
            self._callbacks[query_id] = _CallbackRecord(query_id, user["id"], chat_id, message_id, data)
            query = {
                "id": query_id,
                "from": dict(user),
                "message": copy.deepcopy(record.raw),
                "chat_instance": str(abs(hash((chat_id, self.bot_id))) % 10**18),
                "data": data,
            }
            self._updates.append({"update_id": next(self._update_ids), "callback_query": query})
            self._cond.notify_all()
        self._wake_polls()
        return query_id

    def _diagnostics(self, chat_id: int | None = None) -> str:
        """What went wrong, for timeout messages: errors, handler exceptions, recent chat."""
        lines: list[str] = []
        with self._lock:
            errors = [c for c in self._calls if not c.ok][-5:]
            if errors:
                lines.append("recent API errors: " + "; ".join(str(c) for c in errors))
            if self._unknown:
                lines.append(f"unknown methods called: {sorted(set(self._unknown))}")
            if self._bot_errors:
                lines.append("bot handler errors: " + "; ".join(repr(e) for e in self._bot_errors[-3:]))
            if self._updates:
                lines.append(
                    f"{len(self._updates)} update(s) not yet acknowledged by the bot (is it polling?)"
                )
            if chat_id is not None and chat_id in self._chats:
                lines.append("chat so far:\n" + self._transcript(chat_id, last=10))
        return "\n".join(lines) or "no API errors, no handler errors recorded"

    def _transcript(self, chat_id: int, last: int | None = None) -> str:
        state = self._chat(chat_id)
        entries: list[tuple[int, str]] = []
        for mid, msg in state.user_messages.items():
            who = msg.get("from", {}).get("first_name", "user")
            body = msg.get("text") or msg.get("caption") or _describe_media(msg)
            entries.append((mid, f"  [{mid}] {who}: {body}"))
        for mid, rec in state.bot_messages.items():
            flags = (" (deleted)" if rec.deleted else "") + (
                f" (edited x{len(rec.versions) - 1})" if len(rec.versions) > 1 else ""
            )
            body = rec.versions[-1].text
            if rec.document is not None:
                body = f"[document {rec.document.filename}] {body or ''}"
            entries.append((mid, f"  [{mid}] bot: {body}{flags}"))
        entries.sort()
        lines = [line for _, line in entries]
        if last is not None:
            lines = lines[-last:]
        return "\n".join(lines) if lines else "  (empty)"

    def _wake_polls(self) -> None:
        """Tell held getUpdates requests and the webhook pump that something changed."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with self._lock:
            events = [p.event for p in self._polls]
        if self._webhook_wakeup is not None:
            events.append(self._webhook_wakeup)
        for event in events:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(event.set)

    # ===================================================================== HTTP
    async def _handle_api(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        method = request.match_info["method"]
        try:
            params = await self._read_params(request)
        except ApiError as exc:
            return self._finish(method, _Params({}, {}), exc)
        if token != self.token:
            return self._finish(method, params, ApiError(401, "Unauthorized"))
        name = method.lower()
        with self._lock:
            injected = self._injected.get(name)
            if injected:
                return self._finish(method, params, injected.pop(0))
        try:
            if name == "getupdates":
                result = await self._get_updates(params, request)
            else:
                handler = self._handlers.get(name)
                if handler is None:
                    with self._cond:
                        self._unknown.append(method)
                    raise ApiError(404, "Not Found")
                with self._lock:
                    result = handler(params)
        except ApiError as exc:
            return self._finish(method, params, exc)
        except Exception as exc:  # a bug in the fake: answer like a server error, loudly
            _LOG.exception("fake telegram failed on %s", method)
            return self._finish(method, params, ApiError(500, f"Internal Server Error: fake bug: {exc!r}"))
        return self._finish(method, params, result)

    def _finish(self, method: str, params: _Params, outcome: Any) -> web.Response:
        """Record the call, wake waiting tests and build Telegram's JSON answer."""
        if isinstance(outcome, ApiError):
            body: dict[str, Any] = {
                "ok": False,
                "error_code": outcome.error_code,
                "description": outcome.description,
            }
            if outcome.parameters:
                body["parameters"] = outcome.parameters
            call = Call(method, params.summary(), False, outcome.error_code, outcome.description)
            status = outcome.error_code
            _LOG.info("fake telegram: %s -> %s %s", method, outcome.error_code, outcome.description)
        else:
            body = {"ok": True, "result": outcome}
            call = Call(method, params.summary(), True, result=copy.deepcopy(outcome))
            status = 200
        with self._cond:
            self._calls.append(call)
            self._cond.notify_all()
        return web.Response(
            status=status,
            body=json.dumps(body, ensure_ascii=False).encode("utf-8"),
            content_type="application/json",
        )

    async def _read_params(self, request: web.Request) -> _Params:
        values: dict[str, Any] = dict(request.query)
        files: dict[str, _Upload] = {}
        if request.method == "POST" and request.body_exists:
            ctype = request.content_type
            if ctype == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    raise ApiError(400, "Bad Request: can't parse JSON encoded request parameters") from None
                if not isinstance(body, dict):
                    raise ApiError(400, "Bad Request: JSON request parameters must be an object")
                values.update(body)
            elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        files[key] = _Upload(value.filename, value.file.read(), value.content_type)
                    else:
                        values[key] = value
        return _Params(values, files)

    async def _handle_file(self, request: web.Request) -> web.Response:
        path = request.match_info["file_path"]
        with self._lock:
            stored = self._files_by_path.get(path) if request.match_info["token"] == self.token else None
        if stored is None:
            return web.Response(status=404, text="Not Found")
        return web.Response(
            body=stored.content, headers={"Content-Type": stored.mime_type or "application/octet-stream"}
        )

    # ===================================================================== getUpdates
    async def _get_updates(self, params: _Params, request: web.Request) -> list[dict[str, Any]]:
        offset = params.int("offset")
        limit = min(max(params.int("limit") or 100, 1), 100)
        timeout = max(params.float("timeout") or 0.0, 0.0)
        with self._lock:
            if self._webhook is not None:
                raise ApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook "
                    "to delete the webhook first",
                )
            if "allowed_updates" in params.values:
                allowed = params.json("allowed_updates")
                self._allowed_updates = list(allowed) if allowed else None
            for older in self._polls:
                older.superseded = True
                older.event.set()
            self._acknowledge(offset)
            batch = self._take_batch(limit)
            if batch or timeout <= 0 or self._stopping:
                return batch
            poll = _Poll(asyncio.Event(), request)
            self._polls.append(poll)
            self._cond.notify_all()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        try:
            while True:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(poll.event.wait(), remaining)
                poll.event.clear()
                with self._lock:
                    if poll.superseded:
                        transport = request.transport
                        if transport is not None and not transport.is_closing():
                            raise ApiError(
                                409,
                                "Conflict: terminated by other getUpdates request; make sure that only "
                                "one bot instance is running",
                            )
                        return []
                    batch = self._take_batch(limit)
                    if batch or self._stopping:
                        return batch
            with self._lock:
                return self._take_batch(limit)
        finally:
            with self._cond:
                if poll in self._polls:
                    self._polls.remove(poll)
                self._cond.notify_all()

    def _acknowledge(self, offset: int | None) -> None:
        if offset is None or offset == 0:
            return
        if offset < 0:
            self._updates = self._updates[offset:]
        else:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]

    def _take_batch(self, limit: int) -> list[dict[str, Any]]:
        allowed = self._allowed_updates
        kept = []
        for update in self._updates:
            kind = next(k for k in update if k != "update_id")
            if (allowed is None and kind in _OPT_IN_UPDATES) or (allowed is not None and kind not in allowed):
                continue  # Telegram never creates updates the bot didn't ask for
            kept.append(update)
        self._updates = kept
        batch = copy.deepcopy(kept[:limit])
        self._delivered.extend(u["update_id"] for u in batch)
        return batch

    # ===================================================================== simple methods
    def _get_me(self, p: _Params) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _delete_webhook(self, p: _Params) -> bool:
        self._webhook = None
        if p.bool("drop_pending_updates"):
            self._updates.clear()
        return True

    def _set_webhook(self, p: _Params) -> bool:
        url = p.str("url") or ""
        if not url:
            self._webhook = None
            return True
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        if (parts.port or 443) not in (80, 88, 443, 8443):
            raise ApiError(
                400, "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
            )
        secret = p.str("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        self._webhook = p.summary()
        if "allowed_updates" in p.values:
            allowed = p.json("allowed_updates")
            self._allowed_updates = list(allowed) if allowed else None
        if p.bool("drop_pending_updates"):
            self._updates.clear()
        self._webhook_last_error = None
        if self._webhook_wakeup is not None:
            self._webhook_wakeup.set()
        return True

    def _get_webhook_info(self, p: _Params) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": (self._webhook or {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self._webhook:
            info["max_connections"] = self._webhook.get("max_connections", 40)
            if self._webhook.get("allowed_updates"):
                info["allowed_updates"] = self._webhook["allowed_updates"]
            if self._webhook_last_error is not None:
                info["last_error_date"], info["last_error_message"] = self._webhook_last_error
        return info

    # ===================================================================== webhook delivery
    async def _webhook_pump(self) -> None:
        """Push pending updates one by one to the redirected webhook, like Telegram's delivery.

        An update leaves the queue only when the bot's webhook answers 2xx; failures are
        retried shortly (Telegram backs off longer) and shown in getWebhookInfo.
        """
        assert self._webhook_wakeup is not None
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
            while True:
                await self._webhook_wakeup.wait()
                self._webhook_wakeup.clear()
                while True:
                    with self._lock:
                        target = self._webhook_redirect
                        if self._stopping or self._webhook is None or target is None:
                            break
                        batch = self._take_batch(1)
                        if not batch:
                            break
                        update = batch[0]
                        secret = self._webhook.get("secret_token")
                    headers = {"Content-Type": "application/json"}
                    if secret:
                        headers["X-Telegram-Bot-Api-Secret-Token"] = str(secret)
                    error: str | None = None
                    try:
                        body = json.dumps(update, ensure_ascii=False).encode("utf-8")
                        async with session.post(target, data=body, headers=headers) as response:
                            await response.read()
                            if not 200 <= response.status < 300:
                                error = (
                                    f"Wrong response from the webhook: {response.status} {response.reason}"
                                )
                    except (aiohttp.ClientError, TimeoutError) as exc:
                        error = f"Connection failed: {exc}"
                    with self._cond:
                        if error is None:
                            self._updates = [
                                u for u in self._updates if u["update_id"] != update["update_id"]
                            ]
                            self._webhook_deliveries.append((update["update_id"], 200))
                        else:
                            self._webhook_last_error = (int(time.time()), error)
                        self._cond.notify_all()
                    if error is not None:
                        await asyncio.sleep(0.2)

    def _set_my_commands(self, p: _Params) -> bool:
        commands = p.json("commands", "Bad Request: can't parse commands JSON object")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        cleaned = []
        for item in commands:
            if not isinstance(item, dict):
                raise ApiError(400, "Bad Request: can't parse BotCommand: expected an Object")
            command = str(item.get("command", ""))
            description = str(item.get("description", ""))
            if not _COMMAND_RE.match(command):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": command, "description": description})
        self._commands[(_scope_key(p.json("scope")), p.str("language_code") or "")] = cleaned
        return True

    def _get_my_commands(self, p: _Params) -> list[dict[str, str]]:
        return copy.deepcopy(
            self._commands.get((_scope_key(p.json("scope")), p.str("language_code") or ""), [])
        )

    def _delete_my_commands(self, p: _Params) -> bool:
        self._commands.pop((_scope_key(p.json("scope")), p.str("language_code") or ""), None)
        return True

    def _record_setting(self, name: str, value: Any) -> bool:
        self._settings[name] = value
        return True

    # ===================================================================== messages
    def _target_chat(self, p: _Params, *, sending: bool) -> _ChatState:
        raw = p.values.get("chat_id")
        if raw in (None, ""):
            raise ApiError(400, "Bad Request: chat_id is empty")
        state: _ChatState | None = None
        if isinstance(raw, int):
            state = self._chats.get(raw)
        elif isinstance(raw, str) and raw.startswith("@"):
            state = next((s for s in self._chats.values() if s.chat.get("username") == raw[1:]), None)
        if state is None:
            raise ApiError(400, "Bad Request: chat not found")
        if sending and state.blocked:
            raise ApiError(403, BLOCKED)
        return state

    def _parse(
        self, text: str | None, p: _Params, *, caption: bool
    ) -> tuple[str, tuple[dict[str, Any], ...]]:
        """Telegram's checks on a text or caption; returns visible text and entities."""
        entities_param = "caption_entities" if caption else "entities"
        if text is None or text == "":
            if caption:
                return "", ()
            raise ApiError(400, "Bad Request: message text is empty")
        entities = p.json(entities_param)
        try:
            parsed = parse_formatted(text, p.str("parse_mode"), entities, strict_ampersand=self.strict_html)
        except EntityParseError as exc:
            raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from None
        except ValueError:
            raise ApiError(400, f"Bad Request: unsupported parse_mode {p.str('parse_mode')!r}") from None
        if not parsed.text and not caption:
            raise ApiError(400, "Bad Request: message text is empty")
        limit = CAPTION_LIMIT if caption else MESSAGE_TEXT_LIMIT
        if utf16_len(parsed.text) > limit:
            raise ApiError(
                400,
                "Bad Request: message caption is too long" if caption else "Bad Request: message is too long",
            )
        return parsed.text, parsed.entities

    def _markup(self, p: _Params, *, inline_only: bool = False) -> dict[str, Any] | None:
        markup = p.json("reply_markup", "Bad Request: can't parse reply keyboard markup JSON object")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise ApiError(
                    400,
                    'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays',
                )
            for row in rows:
                for button in row:
                    _check_inline_button(button)
        elif inline_only:
            raise ApiError(400, "Bad Request: inline keyboard expected")
        elif "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise ApiError(
                    400,
                    'Bad Request: field "keyboard" of the ReplyKeyboardMarkup should be an Array of Arrays',
                )
            for row in rows:
                for button in row:
                    text = (
                        button
                        if isinstance(button, str)
                        else button.get("text")
                        if isinstance(button, dict)
                        else None
                    )
                    if not isinstance(text, str) or not text:
                        raise ApiError(
                            400,
                            'Bad Request: can\'t parse keyboard button: Field "text" must be of type String',
                        )
        elif not ({"remove_keyboard", "force_reply"} & markup.keys()):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        return copy.deepcopy(markup)

    def _reply_target(self, state: _ChatState, p: _Params) -> dict[str, Any] | None:
        reply = p.json("reply_parameters")
        if not isinstance(reply, dict):
            reply = {}
        message_id = reply.get("message_id")
        if message_id is None:
            message_id = p.int("reply_to_message_id")
        if message_id is None:
            return None
        target = self._message_dict(state, int(message_id))
        if target is None:
            if reply.get("allow_sending_without_reply") or p.bool("allow_sending_without_reply"):
                return None
            raise ApiError(400, "Bad Request: message to be replied not found")
        target.pop("reply_to_message", None)
        return target

    def _message_dict(self, state: _ChatState, message_id: int) -> dict[str, Any] | None:
        if message_id in state.user_messages and message_id not in state.deleted_user_messages:
            return copy.deepcopy(state.user_messages[message_id])
        record = state.bot_messages.get(message_id)
        if record is not None and not record.deleted:
            return copy.deepcopy(record.raw)
        return None

    def _new_bot_message(
        self,
        state: _ChatState,
        method: str,
        version: MessageVersion,
        content: dict[str, Any],
        reply_to: dict[str, Any] | None,
        *,
        document: SentDocument | None = None,
        mime_type: str | None = None,
    ) -> dict[str, Any]:
        mid = state.allocate_id()
        raw: dict[str, Any] = {
            "message_id": mid,
            "from": dict(self.bot_user),
            "chat": dict(state.chat),
            "date": int(time.time()),
            **content,
        }
        if reply_to is not None:
            raw["reply_to_message"] = reply_to
        if version.reply_markup and "inline_keyboard" in version.reply_markup:
            raw["reply_markup"] = copy.deepcopy(version.reply_markup)
        state.bot_messages[mid] = _BotMessageRecord(
            chat_id=state.chat["id"],
            message_id=mid,
            date=raw["date"],
            method=method,
            versions=[version],
            raw=raw,
            document=document,
            mime_type=mime_type,
            reply_to_message_id=reply_to["message_id"] if reply_to else None,
        )
        state.bot_order.append(mid)
        self._cond.notify_all()
        return copy.deepcopy(raw)

    def _send_message(self, p: _Params) -> dict[str, Any]:
        state = self._target_chat(p, sending=True)
        source = p.str("text")
        text, entities = self._parse(source, p, caption=False)
        markup = self._markup(p)
        reply_to = self._reply_target(state, p)
        version = MessageVersion("sendMessage", text, source, p.str("parse_mode"), entities, markup)
        content: dict[str, Any] = {"text": text}
        if entities:
            content["entities"] = list(entities)
        return self._new_bot_message(state, "sendMessage", version, content, reply_to)

    def _editable(self, p: _Params) -> tuple[_ChatState, _BotMessageRecord]:
        if p.has("inline_message_id"):
            raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        state = self._target_chat(p, sending=False)
        message_id = p.int("message_id")
        if message_id is None:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        if message_id in state.user_messages:
            raise ApiError(400, "Bad Request: message can't be edited")
        record = state.bot_messages.get(message_id)
        if record is None or record.deleted:
            raise ApiError(400, "Bad Request: message to edit not found")
        return state, record

    def _apply_edit(
        self, record: _BotMessageRecord, version: MessageVersion, content: dict[str, Any]
    ) -> dict[str, Any]:
        current = record.versions[-1]
        # Only inline keyboards belong to a message; a reply keyboard it was sent with doesn't count.
        if (version.text, tuple(version.entities), _inline(version.reply_markup)) == (
            current.text,
            tuple(current.entities),
            _inline(current.reply_markup),
        ):
            raise ApiError(400, NOT_MODIFIED)
        record.versions.append(version)
        raw = record.raw
        for key in ("text", "entities", "caption", "caption_entities", "reply_markup"):
            if key not in content:
                raw.pop(key, None)
        raw.update(content)
        if version.reply_markup and "inline_keyboard" in version.reply_markup:
            raw["reply_markup"] = copy.deepcopy(version.reply_markup)
        raw["edit_date"] = int(time.time())
        self._cond.notify_all()
        return copy.deepcopy(raw)

    def _edit_message_text(self, p: _Params) -> dict[str, Any]:
        _, record = self._editable(p)
        if record.document is not None or "text" not in record.raw:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        source = p.str("text")
        text, entities = self._parse(source, p, caption=False)
        markup = self._markup(p, inline_only=True)  # no reply_markup removes the keyboard, as in Telegram
        version = MessageVersion("editMessageText", text, source, p.str("parse_mode"), entities, markup)
        content: dict[str, Any] = {"text": text}
        if entities:
            content["entities"] = list(entities)
        return self._apply_edit(record, version, content)

    def _edit_message_caption(self, p: _Params) -> dict[str, Any]:
        _, record = self._editable(p)
        if record.document is None and "photo" not in record.raw:
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        source = p.str("caption")
        text, entities = self._parse(source, p, caption=True)
        markup = self._markup(p, inline_only=True)
        version = MessageVersion("editMessageCaption", text, source, p.str("parse_mode"), entities, markup)
        content: dict[str, Any] = {}
        if text:
            content["caption"] = text
        if entities:
            content["caption_entities"] = list(entities)
        for key in ("document", "photo"):
            if key in record.raw:
                content[key] = record.raw[key]
        return self._apply_edit(record, version, content)

    def _edit_message_reply_markup(self, p: _Params) -> dict[str, Any]:
        _, record = self._editable(p)
        current = record.versions[-1]
        markup = self._markup(p, inline_only=True)
        version = MessageVersion(
            "editMessageReplyMarkup",
            current.text,
            current.source,
            current.parse_mode,
            current.entities,
            markup,
        )
        content = {
            k: v
            for k, v in record.raw.items()
            if k in ("text", "entities", "caption", "caption_entities", "document", "photo")
        }
        return self._apply_edit(record, version, content)

    def _delete_message(self, p: _Params) -> bool:
        state = self._target_chat(p, sending=False)
        message_id = p.int("message_id")
        if message_id is None:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        record = state.bot_messages.get(message_id)
        if record is not None and not record.deleted:
            record.deleted = True
        elif message_id in state.user_messages and message_id not in state.deleted_user_messages:
            state.deleted_user_messages.add(message_id)
        else:
            raise ApiError(400, "Bad Request: message to delete not found")
        self._cond.notify_all()
        return True

    def _answer_callback_query(self, p: _Params) -> bool:
        query_id = p.str("callback_query_id") or ""
        record = self._callbacks.get(query_id)
        if record is None or record.answer is not None:
            raise ApiError(400, QUERY_INVALID)
        text = p.str("text")
        if text is not None and utf16_len(text) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        record.answer = CallbackAnswer(
            query_id=query_id,
            text=text,
            show_alert=p.bool("show_alert"),
            url=p.str("url"),
            cache_time=p.int("cache_time"),
        )
        self._cond.notify_all()
        return True

    def _send_chat_action(self, p: _Params) -> bool:
        state = self._target_chat(p, sending=True)
        action = p.str("action")
        if action not in _CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        state.chat_actions.append(action)
        self._cond.notify_all()
        return True

    def _resolve_upload(self, p: _Params, field_name: str) -> tuple[StoredFile | None, _Upload | None]:
        """The file in a send* request: a multipart upload, attach://name, or a known file_id."""
        if field_name in p.files:
            return None, p.files[field_name]
        value = p.str(field_name)
        if not value:
            return None, None
        if value.startswith("attach://"):
            upload = p.files.get(value[len("attach://") :])
            if upload is None:
                raise ApiError(400, f"Bad Request: {field_name} attachment not found")
            return None, upload
        if value.startswith(("http://", "https://")):
            raise ApiError(400, "Bad Request: failed to get HTTP URL content")
        stored = self._files.get(value)
        if stored is None:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        return stored, None

    def _send_media(self, p: _Params, kind: str) -> dict[str, Any]:
        state = self._target_chat(p, sending=True)
        stored, upload = self._resolve_upload(p, kind)
        if stored is None and upload is None:
            raise ApiError(400, f"Bad Request: there is no {kind} in the request")
        if upload is not None:
            if not upload.content:
                raise ApiError(400, "Bad Request: file must be non-empty")
            mime = upload.content_type
            if not mime or mime == "application/octet-stream":
                mime = mimetypes.guess_type(upload.filename or "")[0] or mime or "application/octet-stream"
            folder = "documents" if kind == "document" else "photos"
            stored = self._store_file(upload.content, upload.filename, mime, folder)
        assert stored is not None
        source = p.str("caption")
        caption, entities = self._parse(source, p, caption=True)
        markup = self._markup(p)
        reply_to = self._reply_target(state, p)
        content: dict[str, Any] = {}
        if kind == "document":
            content["document"] = {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_size": stored.file_size,
            }
            if stored.filename:
                content["document"]["file_name"] = stored.filename
            if stored.mime_type:
                content["document"]["mime_type"] = stored.mime_type
        else:
            content["photo"] = [
                {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "file_size": stored.file_size,
                 "width": 320, "height": 320}
            ]  # fmt: skip
        if caption:
            content["caption"] = caption
        if entities:
            content["caption_entities"] = list(entities)
        method = "sendDocument" if kind == "document" else "sendPhoto"
        version = MessageVersion(method, caption or None, source, p.str("parse_mode"), entities, markup)
        document = SentDocument(
            stored.filename or stored.file_path.rsplit("/", 1)[-1], stored.content, caption or None
        )
        return self._new_bot_message(
            state, method, version, content, reply_to, document=document, mime_type=stored.mime_type
        )

    def _source_message(self, p: _Params, verb: str) -> tuple[dict[str, Any], _BotMessageRecord | None]:
        """The message a forwardMessage/copyMessage refers to (from_chat_id + message_id)."""
        from_chat = p.values.get("from_chat_id")
        state = self._chats.get(from_chat) if isinstance(from_chat, int) else None
        if state is None:
            raise ApiError(400, "Bad Request: chat not found")
        message_id = p.int("message_id")
        message = self._message_dict(state, message_id) if message_id is not None else None
        if message is None:
            raise ApiError(400, f"Bad Request: message to {verb} not found")
        return message, state.bot_messages.get(int(message["message_id"]))

    def _copied_content(
        self, message: Mapping[str, Any], record: _BotMessageRecord | None
    ) -> tuple[dict[str, Any], SentDocument | None, str | None]:
        content = {k: copy.deepcopy(message[k]) for k in _COPIED_FIELDS if k in message}
        if record is not None:
            return content, record.document, record.mime_type
        document = message.get("document")
        if document is None:
            return content, None, None
        stored = self._files.get(document.get("file_id", ""))
        if stored is None:
            return content, None, None
        name = stored.filename or stored.file_path.rsplit("/", 1)[-1]
        return content, SentDocument(name, stored.content, message.get("caption")), stored.mime_type

    def _forward_message(self, p: _Params) -> dict[str, Any]:
        target = self._target_chat(p, sending=True)
        message, record = self._source_message(p, "forward")
        content, document, mime = self._copied_content(message, record)
        content["forward_origin"] = {"type": "user", "sender_user": message["from"], "date": message["date"]}
        text = message.get("text", message.get("caption"))
        entities = tuple(message.get("entities", message.get("caption_entities", ())))
        version = MessageVersion("forwardMessage", text, text, None, entities, None)
        return self._new_bot_message(
            target, "forwardMessage", version, content, None, document=document, mime_type=mime
        )

    def _copy_message(self, p: _Params) -> dict[str, Any]:
        target = self._target_chat(p, sending=True)
        message, record = self._source_message(p, "copy")
        content, document, mime = self._copied_content(message, record)
        text = message.get("text", message.get("caption"))
        source, parse_mode = text, None
        entities = tuple(message.get("entities", message.get("caption_entities", ())))
        if "caption" in p.values and "text" not in message:
            source, parse_mode = p.str("caption"), p.str("parse_mode")
            text, entities = self._parse(source, p, caption=True)
            content.pop("caption", None)
            content.pop("caption_entities", None)
            if text:
                content["caption"] = text
            if entities:
                content["caption_entities"] = list(entities)
            if document is not None:
                document = document._replace(caption=text or None)
        markup = self._markup(p)
        reply_to = self._reply_target(target, p)
        version = MessageVersion("copyMessage", text or None, source, parse_mode, entities, markup)
        raw = self._new_bot_message(
            target, "copyMessage", version, content, reply_to, document=document, mime_type=mime
        )
        return {"message_id": raw["message_id"]}

    def _get_file(self, p: _Params) -> dict[str, Any]:
        stored = self._files.get(p.str("file_id") or "")
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if stored.file_size > 20 * 1024 * 1024:
            raise ApiError(400, "Bad Request: file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.file_size,
            "file_path": stored.file_path,
        }

    # ===================================================================== reads for FakeUser
    def _snapshots(self, chat_id: int) -> list[BotMessage]:
        state = self._chat(chat_id)
        return [state.bot_messages[mid].snapshot() for mid in state.bot_order]

    def _iter_callbacks(self, chat_id: int, user_id: int) -> Iterator[_CallbackRecord]:
        return (c for c in self._callbacks.values() if c.chat_id == chat_id and c.user_id == user_id)


def _check_inline_button(button: Any) -> None:
    """Telegram's checks on one InlineKeyboardButton (the ones bots actually hit)."""
    if not isinstance(button, dict):
        raise ApiError(
            400, "Bad Request: can't parse inline keyboard button: InlineKeyboardButton must be an Object"
        )
    text = button.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ApiError(400, "Bad Request: BUTTON_TEXT_INVALID")
    actions = [k for k in _INLINE_BUTTON_ACTIONS if k in button]
    if not actions:
        raise ApiError(
            400,
            "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
            raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not re.match(r"^(https?|tg)://\S+$", url):
            raise ApiError(400, f"Bad Request: inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")


def _inline(markup: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    return markup if markup and "inline_keyboard" in markup else None


def _scope_key(scope: Any) -> str:
    if not scope:
        scope = {"type": "default"}
    return json.dumps(scope, sort_keys=True)


def _describe_media(message: Mapping[str, Any]) -> str:
    for kind in ("document", "photo", "voice", "sticker", "location", "contact"):
        if kind in message:
            return f"[{kind}]"
    return "[message]"
