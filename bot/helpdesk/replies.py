"""Reading a villager's words: a verdict after 办结 (回访) and emergency wording on intake.

Both are reviewed word lists kept as data in bot/vocab.py, so a county adds its local ways of
saying "fixed" or "still leaking" without touching code. Plain substring rules, checked in a
fixed order, are predictable enough to explain to a cadre; a model would not be.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot import vocab
from bot.helpdesk.lifecycle import Satisfaction


@dataclass(frozen=True)
class ReplyClass:
    """A free-text reply read as a rating; `matched` is the phrase that decided it."""

    rating: Satisfaction
    matched: str


@dataclass(frozen=True)
class Emergency:
    """Emergency wording found in a request: the words, and the services to call first."""

    matched: tuple[str, ...]
    services: tuple[str, ...]  # "120", "119", "110" in the order first named; may be empty


def _first(text: str, phrases: tuple[str, ...]) -> str | None:
    return next((p for p in phrases if p in text), None)


def classify_reply(text: str | None) -> ReplyClass | None:
    """满意 / 基本满意 / 不满意 read from a reply, or None when it is no verdict.

    Not-satisfied phrases are checked first (没解决 contains 解决), then 基本满意, then
    satisfied; a satisfied phrase in a question (修好了吗？) is no verdict.
    """
    cleaned = "".join((text or "").split())
    if not cleaned:
        return None
    if found := _first(cleaned, vocab.REPLY_UNSATISFIED):
        return ReplyClass(Satisfaction.UNSATISFIED, found)
    if _first(cleaned, vocab.REPLY_QUESTION_MARKS):
        return None
    if found := _first(cleaned, vocab.REPLY_BASIC):
        return ReplyClass(Satisfaction.BASIC, found)
    if found := _first(cleaned, vocab.REPLY_SATISFIED):
        return ReplyClass(Satisfaction.SATISFIED, found)
    return None


def detect_emergency(text: str | None) -> Emergency | None:
    """Emergency wording (摔断、昏迷、着火、洪水、塌了、没水喝 …) in `text`, or None."""
    cleaned = "".join((text or "").split())
    matched = tuple(word for word in vocab.EMERGENCY_WORDS if word in cleaned)
    if not matched:
        return None
    services: list[str] = []
    for word in matched:
        services.extend(s for s in vocab.EMERGENCY_WORDS[word] if s not in services)
    return Emergency(matched, tuple(services))
