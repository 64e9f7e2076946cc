"""What tests read back from the fake: immutable snapshots of bot messages, calls and answers.

Snapshots are frozen so an object a test holds never changes under it; ask the user or the
server again (``user.message(id)``, ``user.wait_for_edit(msg)``) to see later state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .formatting import utf16_slice


class SentDocument(NamedTuple):
    """A document the bot sent; unpacks as ``filename, content, caption``."""

    filename: str
    content: bytes
    caption: str | None


@dataclass(frozen=True)
class StoredFile:
    """A file known to the server: uploaded by the bot or "uploaded" by a test user."""

    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes
    filename: str | None
    mime_type: str | None

    @property
    def file_size(self) -> int:
        return len(self.content)


@dataclass(frozen=True)
class InlineButton:
    """One inline keyboard button of a bot message."""

    text: str
    callback_data: str | None
    url: str | None
    raw: Mapping[str, Any]


@dataclass(frozen=True)
class MessageVersion:
    """One state of a bot message: as sent, or after an edit.

    ``text`` is what the user sees (tags removed, entities decoded, whitespace trimmed; the
    caption for media); ``source`` is exactly what the bot sent, e.g. the HTML.
    """

    method: str
    text: str | None
    source: str | None
    parse_mode: str | None
    entities: tuple[Mapping[str, Any], ...]
    reply_markup: Mapping[str, Any] | None


@dataclass(frozen=True)
class BotMessage:
    """A message the bot sent to a chat, with every version it went through.

    The current state is the last version; ``versions[0]`` is the message as first sent.
    """

    chat_id: int
    message_id: int
    date: int
    method: str
    versions: tuple[MessageVersion, ...]
    document: SentDocument | None = None
    mime_type: str | None = None
    deleted: bool = False
    reply_to_message_id: int | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)

    # -- current state ---------------------------------------------------------------------
    @property
    def current(self) -> MessageVersion:
        return self.versions[-1]

    @property
    def text(self) -> str | None:
        """Visible text (or caption for media) of the current version."""
        return self.current.text

    @property
    def source_text(self) -> str | None:
        """What the bot sent for the current version (HTML source when parse_mode=HTML)."""
        return self.current.source

    @property
    def parse_mode(self) -> str | None:
        return self.current.parse_mode

    @property
    def entities(self) -> tuple[Mapping[str, Any], ...]:
        return self.current.entities

    @property
    def reply_markup(self) -> Mapping[str, Any] | None:
        return self.current.reply_markup

    # -- history -----------------------------------------------------------------------------
    @property
    def edits(self) -> tuple[MessageVersion, ...]:
        """Versions produced by edits, oldest first (empty when never edited)."""
        return self.versions[1:]

    @property
    def edit_count(self) -> int:
        return len(self.versions) - 1

    @property
    def texts(self) -> list[str | None]:
        """The visible text of every version, oldest first."""
        return [v.text for v in self.versions]

    # -- keyboards -------------------------------------------------------------------------
    @property
    def buttons(self) -> list[list[InlineButton]]:
        """Rows of the current inline keyboard (empty when there is none)."""
        markup = self.reply_markup or {}
        rows = markup.get("inline_keyboard") or []
        return [
            [
                InlineButton(
                    text=str(b.get("text", "")),
                    callback_data=b.get("callback_data"),
                    url=b.get("url"),
                    raw=b,
                )
                for b in row
            ]
            for row in rows
        ]

    @property
    def button_texts(self) -> list[str]:
        """Texts of all inline buttons, row by row."""
        return [b.text for row in self.buttons for b in row]

    @property
    def callback_data(self) -> list[str]:
        """callback_data of all inline buttons that have one, row by row."""
        return [b.callback_data for row in self.buttons for b in row if b.callback_data is not None]

    def button(self, text: str) -> InlineButton:
        """The inline button with exactly this text; AssertionError listing the buttons if none."""
        for row in self.buttons:
            for b in row:
                if b.text == text:
                    return b
        raise AssertionError(
            f"no inline button {text!r} in message {self.message_id}; buttons: {self.button_texts}"
        )

    @property
    def keyboard(self) -> list[list[str]]:
        """Rows of button texts of a reply (custom) keyboard, if the message carries one."""
        markup = self.reply_markup or {}
        rows = markup.get("keyboard") or []
        return [[b if isinstance(b, str) else str(b.get("text", "")) for b in row] for row in rows]

    # -- formatting --------------------------------------------------------------------------
    def entity_texts(self, entity_type: str) -> list[str]:
        """The visible text covered by each entity of this type, e.g. ``"bold"`` or ``"text_link"``."""
        return [
            utf16_slice(self.text or "", e["offset"], e["length"])
            for e in self.entities
            if e.get("type") == entity_type
        ]

    @property
    def links(self) -> list[str]:
        """URLs of ``<a href>`` / text_link entities."""
        return [str(e["url"]) for e in self.entities if e.get("type") == "text_link"]


@dataclass(frozen=True)
class CallbackAnswer:
    """The bot's answerCallbackQuery for one query the server issued."""

    query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int | None


@dataclass(frozen=True)
class Call:
    """One HTTP request the bot made, with the answer the server gave."""

    method: str
    params: Mapping[str, Any]
    ok: bool
    error_code: int | None = None
    description: str | None = None
    result: Any = field(default=None, repr=False)

    def __str__(self) -> str:
        if self.ok:
            return f"{self.method} -> ok"
        return f"{self.method} -> {self.error_code} {self.description}"
