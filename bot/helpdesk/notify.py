"""Wording of notifications (texts from bot.texts) and local-time formatting.

Recipients who are not entitled to the full text (see access.sees_full_text) get masked text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot import texts
from bot.helpdesk.policy import PolicyHint

PREVIEW_CHARS = 200


def local_time(value: datetime, tz: ZoneInfo) -> str:
    """`2026-05-12 14:00` in the configured timezone (users think in local time).

    Exactly local midnight is written as 24:00 of the day before: deadlines end there (working
    days and same-day deadlines, bot/helpdesk/workdays.py), and "12-09 24:00" is how a Chinese
    notice says "by the end of the 9th" where "12-10 00:00" reads as the 10th.
    """
    local = value.astimezone(tz)
    if local.time() == time.min:
        return (local - timedelta(days=1)).strftime("%Y-%m-%d 24:00")
    return local.strftime("%Y-%m-%d %H:%M")


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
