"""Plain results front ends render: text blocks, buttons as data, messages for others, files.

No Telegram types and no HTML here: front ends escape everything they are given. The button
table `ACTIONS` lives here too, so front ends can check a press before calling `Assistant.press`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class UserRef:
    """Who is acting: a chat user id and the name to register them under."""

    id: int
    name: str


@dataclass(frozen=True)
class Button:
    """An inline button as data. `action` is a short code from ACTIONS; `arg` matches its pattern."""

    label: str
    action: str
    arg: str = ""


@dataclass(frozen=True)
class Block:
    """One paragraph: optional bold title line, body text, shown as a quote or as copyable code."""

    text: str
    title: str = ""
    quote: bool = False
    code: bool = False


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes
    caption: str = ""


@dataclass(frozen=True)
class Notice:
    """A message for someone other than the caller (a cadre, the requester, an admin)."""

    chat_id: int
    reply: Reply


Keyboard = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class Reply:
    blocks: tuple[Block, ...] = ()
    buttons: Keyboard = ()
    notices: tuple[Notice, ...] = ()
    attachment: Attachment | None = None
    menu: bool = False  # show the main menu keyboard
    toast: str | None = None  # short pop-up for a button press
    dialog: dict[str, Any] | None = None  # state of an open dialog; None = none open
    edit: bool = False  # replace the message whose button was pressed
    replace_buttons: Keyboard | None = None  # new buttons for the pressed message (() removes)
    role_changed: bool = False  # the caller's role changed: refresh their command menu
    photos: tuple[Attachment, ...] = ()  # pictures shown after the text (a request's photos, a chart)

    @classmethod
    def of(cls, *paragraphs: str, **kwargs: Any) -> Reply:
        return cls(blocks=tuple(Block(p) for p in paragraphs if p), **kwargs)

    @property
    def text(self) -> str:
        """All blocks as plain text (tests and logs)."""
        return "\n\n".join("\n".join(p for p in (b.title, b.text) if p) for b in self.blocks)


def keyboard(*rows: Sequence[Button]) -> Keyboard:
    return tuple(tuple(r) for r in rows if r)


def chunks(items: Sequence[Button], per_row: int) -> Keyboard:
    """Buttons laid out `per_row` to a row."""
    return tuple(tuple(items[i : i + per_row]) for i in range(0, len(items), per_row))


# Button actions and the shape of their argument: front ends validate presses against this table
# before calling `press`, so a forged or outdated payload never reaches the logic behind it.
NUMBER_PATTERN = r"\d{4}-\d{6}"  # a request number, 2026-000123
_NUM = NUMBER_PATTERN
ACTIONS: dict[str, re.Pattern[str]] = {
    name: re.compile(rf"^(?:{pattern})$")
    for name, pattern in {
        "src": r"\d{1,12}\.\d",  # show source passage n of logged question
        "fb": r"\d{1,12}\.[01]",  # 👍/👎 on a logged question
        "rq": r"\d{0,12}",  # start a help request (from an unanswered question)
        "f": rf"(?:[a-z]{{1,5}}\d{{0,12}}|o{_NUM})",  # input to the open dialog
        "my": r"\d{1,5}",  # my requests, page offset
        "rv": _NUM,  # view one of my requests
        "ph": _NUM,  # the photos of a request
        # 回访 rating: s 满意 / b 基本满意 / u 不满意 (1/0: 已解决/未解决 on messages sent before)
        "sat": rf"{_NUM}\.[01sbu]",
        "tl": r"\d{1,5}",  # ticket list, page offset
        "tk": _NUM,  # ticket card
        # ticket action on the card's version (cards sent before versions carry none: refreshed)
        "ta": rf"(?:take|start|resolve|return|dup|unable|reassign|progress|reopen)\.{_NUM}(?:\.\d{{1,9}})?",
        "as": rf"{_NUM}\.\d{{1,15}}(?:\.\d{{1,9}})?",  # assign ticket to cadre (card's version)
        "ur": _NUM,  # the requester marks their request urgent
        "du": r"\d{1,2}",  # duties of post n
        "dr": r"[0-9a-f]{10}",  # ask to remove document
        "dx": r"[0-9a-f]{10}",  # remove document (confirmed)
        "dk": r"",  # keep document
        "mr": r"\d{4}-\d{2}",  # the monthly report of a month (admins)
        "va": r"[0-9a-f]{8}",  # register a village despite similar names (confirmed)
        "vk": r"",  # village change cancelled
        "vm": r"\d{1,12}\.\d{1,12}",  # merge village source.target (confirmed)
        "xr": _NUM,  # 申请延期: how a cadre asks for an extension
        "xa": rf"{_NUM}\.[01]",  # admin: approve (1) / refuse (0) the pending 延期
    }.items()
}


def valid_press(action: str, arg: str) -> bool:
    pattern = ACTIONS.get(action)
    return pattern is not None and pattern.match(arg) is not None
