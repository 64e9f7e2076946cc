"""Wording of notifications (texts from bot.texts) and local-time formatting.

Recipients who are not entitled to the full text (see access.sees_full_text) get masked text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot import texts
from bot.helpdesk.policy import PolicyHint

PREVIEW_CHARS = 200


def local_time(value: datetime, tz: ZoneInfo) -> str:
    """`2026-05-12 14:00` in the configured timezone (users think in local time)."""
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def preview(text: str) -> str:
    """A description in an alert: cut to `PREVIEW_CHARS`, line breaks kept."""
    return texts.clip(text, PREVIEW_CHARS)


def hint_lines(hints: Sequence[PolicyHint]) -> str:
    return "\n".join(
        texts.HD_MSG_HINT_LINE.format(title=h.title, section=f"（{h.section}）" if h.section else "")
        for h in hints
    )


def with_note(text: str, note: str | None) -> str:
    return f"{text}\n{texts.HD_MSG_STATUS_NOTE.format(note=note)}" if note else text
