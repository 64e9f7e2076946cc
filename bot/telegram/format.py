"""Reply → Telegram: HTML with every piece of user and document text escaped, messages split at
4096 characters on paragraph boundaries, buttons as short validated callback data.

Telegram counts the limit in UTF-16 code units of the *visible* text (after HTML parsing), so we
measure the plain text of each block, split plain text, and only then escape and add tags.
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup

from bot import texts
from bot.assistant import Block, Keyboard, Reply, valid_press

MAX_MESSAGE = 4096
# Margin for the blank lines between blocks and anything Telegram trims differently.
SAFE_MESSAGE = 4000
MAX_CALLBACK_BYTES = 64
SEPARATOR = "|"


def escape(text: str) -> str:
    """Text for parse_mode=HTML: `<`, `>`, `&` (and quotes, harmlessly) become entities."""
    return html.escape(text, quote=False)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# ----------------------------------------------------------------------------- splitting
def _pieces(text: str, limit: int) -> Iterator[str]:
    """`text` in pieces of at most `limit` UTF-16 units: at paragraphs, else lines, else anywhere."""
    if utf16_len(text) <= limit:
        yield text
        return
    for separator in ("\n\n", "\n"):
        parts = text.split(separator)
        if len(parts) > 1:
            current = ""
            for part in parts:
                candidate = f"{current}{separator}{part}" if current else part
                if utf16_len(candidate) <= limit:
                    current = candidate
                    continue
                if current:
                    yield current
                if utf16_len(part) <= limit:
                    current = part
                else:
                    yield from _pieces(part, limit)
                    current = ""
            if current:
                yield current
            return
    # One enormous line: cut by characters, never inside a surrogate pair (we slice code points).
    current, size = [], 0
    for ch in text:
        width = utf16_len(ch)
        if size + width > limit:
            yield "".join(current)
            current, size = [], 0
        current.append(ch)
        size += width
    if current:
        yield "".join(current)


def _visible(block: Block) -> str:
    return "\n".join(p for p in (block.title, block.text) if p)


def _render(block: Block, body: str, *, with_title: bool) -> str:
    inner = escape(body)
    if block.code and body:
        inner = f"<code>{inner}</code>"
    if block.quote and body:
        inner = f"<blockquote>{inner}</blockquote>"
    if with_title and block.title:
        title = f"<b>{escape(block.title)}</b>"
        return f"{title}\n{inner}" if body else title
    return inner


def render_messages(blocks: Sequence[Block], limit: int = SAFE_MESSAGE) -> list[str]:
    """HTML messages for `blocks`, each at most `limit` visible UTF-16 units, split between paragraphs."""
    messages: list[str] = []
    current: list[str] = []
    size = 0
    for block in blocks:
        if not block.title and not block.text:
            continue
        title_len = utf16_len(block.title) + 1 if block.title else 0
        pieces = list(_pieces(block.text, max(limit - title_len, 1))) if block.text else [""]
        for index, piece in enumerate(pieces):
            with_title = index == 0
            rendered = _render(block, piece, with_title=with_title)
            width = utf16_len(piece) + (title_len if with_title else 0)
            gap = 2 if current else 0
            if current and size + gap + width > limit:
                messages.append("\n\n".join(current))
                current, size, gap = [], 0, 0
            current.append(rendered)
            size += gap + width
    if current:
        messages.append("\n\n".join(current))
    return messages


# ----------------------------------------------------------------------------- buttons
def callback_data(action: str, arg: str) -> str:
    data = f"{action}{SEPARATOR}{arg}"
    if len(data.encode("utf-8")) > MAX_CALLBACK_BYTES or not valid_press(action, arg):
        raise ValueError(f"button payload {data!r} is not a valid short callback")
    return data


def parse_callback(data: str | None) -> tuple[str, str] | None:
    """(action, arg) of a pressed button, or None for anything our buttons never carry."""
    if not data or len(data.encode("utf-8")) > MAX_CALLBACK_BYTES or SEPARATOR not in data:
        return None
    action, arg = data.split(SEPARATOR, 1)
    return (action, arg) if valid_press(action, arg) else None


def inline_keyboard(buttons: Keyboard) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.label[:64], callback_data=callback_data(b.action, b.arg)) for b in row]
            for row in buttons
            if row
        ]
    )


def menu_keyboard() -> ReplyKeyboardMarkup:
    """The main actions, always at hand under the text field."""
    return ReplyKeyboardMarkup(
        [
            [KeyboardButton(texts.BOT_MENU_ASK), KeyboardButton(texts.BOT_MENU_REQUEST)],
            [KeyboardButton(texts.BOT_MENU_MINE), KeyboardButton(texts.BOT_MENU_HELP)],
        ],
        resize_keyboard=True,
        is_persistent=True,
    )


def render_reply(reply: Reply) -> list[tuple[str, InlineKeyboardMarkup | ReplyKeyboardMarkup | None]]:
    """(HTML text, markup) per message; buttons go on the last message, the menu where there are none."""
    messages = render_messages(reply.blocks)
    if not messages:
        return []
    markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None = inline_keyboard(reply.buttons)
    if markup is None and reply.menu:
        markup = menu_keyboard()
    out: list[tuple[str, InlineKeyboardMarkup | ReplyKeyboardMarkup | None]] = [(m, None) for m in messages]
    out[-1] = (messages[-1], markup)
    return out
