"""The one place front ends call: what a user can do, with roles checked, returning plain results.

Telegram and the terminal chat are thin translators around this module, so both behave the same.
"""

from __future__ import annotations

from bot import texts

MAX_QUESTION_CHARS = 500


def validate_question(question: str | None) -> str | None:
    """A Chinese message explaining why `question` cannot be asked, or None if it can."""
    text = (question or "").strip()
    if not text:
        return texts.EMPTY_QUESTION
    if len(text) > MAX_QUESTION_CHARS:
        return texts.QUESTION_TOO_LONG.format(limit=MAX_QUESTION_CHARS)
    return None
