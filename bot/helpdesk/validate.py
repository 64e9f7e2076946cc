"""Input checks shared by the workflow and the CLI. Each failure is an `InvalidInput` in Chinese.

All checks run before any transaction opens, so bad input can never leave a partial write.
"""

from __future__ import annotations

import re
import unicodedata

from bot import texts, vocab
from bot.helpdesk.config import HelpdeskConfig
from bot.helpdesk.errors import InvalidInput, NotFound
from bot.helpdesk.lifecycle import ROLE_LABELS, Role, Satisfaction, Status, Urgency
from bot.helpdesk.privacy import normalize_phone

MAX_NAME_CHARS = 64
_NUMBER_RE = re.compile(r"^(\d{4})-?(\d{1,9})$")
_CONTROL = {"Cc", "Cf"}


def _normalise(text: str | None) -> str:
    """NFC, no control characters except newlines, trimmed; Telegram text can carry anything."""
    text = unicodedata.normalize("NFC", text or "")
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in _CONTROL)
    return text.strip()


def clean_description(text: str | None, config: HelpdeskConfig) -> str:
    cleaned = _normalise(text)
    if not cleaned:
        raise InvalidInput(texts.HD_ERR_DESCRIPTION_EMPTY)
    if len(cleaned) > config.max_description_chars:
        raise InvalidInput(
            texts.HD_ERR_DESCRIPTION_TOO_LONG.format(length=len(cleaned), limit=config.max_description_chars)
        )
    return cleaned


def clean_note(text: str | None, config: HelpdeskConfig, *, required_for: str | None = None) -> str | None:
    """A free-text note or reason; `required_for` names the action when a reason is mandatory."""
    cleaned = _normalise(text)
    if not cleaned:
        if required_for:
            raise InvalidInput(texts.HD_ERR_REASON_REQUIRED.format(action=required_for))
        return None
    if len(cleaned) > config.max_note_chars:
        raise InvalidInput(
            texts.HD_ERR_TEXT_TOO_LONG.format(field=texts.HD_FIELD_NOTE, limit=config.max_note_chars)
        )
    return cleaned


def clean_address(text: str | None, config: HelpdeskConfig) -> str:
    cleaned = " ".join(_normalise(text).split())
    if len(cleaned) > config.max_address_chars:
        raise InvalidInput(
            texts.HD_ERR_TEXT_TOO_LONG.format(field=texts.HD_FIELD_ADDRESS, limit=config.max_address_chars)
        )
    return cleaned


def clean_phone(phone: str | None) -> str | None:
    if phone is None or not phone.strip():
        return None
    normalised = normalize_phone(phone)
    if normalised is None:
        raise InvalidInput(texts.HD_ERR_PHONE.format(phone=phone.strip()[:30]))
    return normalised


def clean_name(value: str | None, field: str, limit: int = MAX_NAME_CHARS) -> str:
    cleaned = " ".join(_normalise(value).split())
    if not cleaned:
        raise InvalidInput(texts.HD_ERR_FIELD_EMPTY.format(field=field))
    if len(cleaned) > limit:
        raise InvalidInput(texts.HD_ERR_TEXT_TOO_LONG.format(field=field, limit=limit))
    return cleaned


def check_category(category: str, config: HelpdeskConfig) -> str:
    cleaned = (category or "").strip()
    if cleaned not in config.categories:
        raise InvalidInput(
            texts.HD_ERR_UNKNOWN_CATEGORY.format(category=category, choices="、".join(config.categories))
        )
    return cleaned


def check_post(post: str, config: HelpdeskConfig) -> str:
    """A post by its name or a common alias (村支书 → 村党组织书记, 村两委 → 村两委干部)."""
    cleaned = (post or "").strip()
    cleaned = vocab.POST_ALIASES.get(cleaned, cleaned)
    if cleaned not in config.posts:
        raise InvalidInput(texts.HD_ERR_UNKNOWN_POST.format(post=post, choices="、".join(config.posts)))
    return cleaned


def parse_urgency(value: Urgency | str) -> Urgency:
    if isinstance(value, Urgency):
        return value
    key = (value or "").strip()
    for urgency in Urgency:
        if key in (urgency.value, urgency.label):
            return urgency
    choices = "、".join(u.label for u in Urgency)
    raise InvalidInput(texts.HD_ERR_UNKNOWN_URGENCY.format(urgency=value, choices=choices))


def parse_rating(value: Satisfaction | str) -> Satisfaction:
    if isinstance(value, Satisfaction):
        return value
    key = (value or "").strip()
    for rating in Satisfaction:
        if key in (rating.value, rating.label):
            return rating
    choices = "、".join(r.label for r in Satisfaction)
    raise InvalidInput(texts.HD_ERR_UNKNOWN_RATING.format(rating=str(value)[:20], choices=choices))


def parse_status(value: Status | str) -> Status:
    if isinstance(value, Status):
        return value
    key = (value or "").strip()
    for status in Status:
        if key in (status.value, status.label):
            return status
    choices = "、".join(f"{s.value}（{s.label}）" for s in Status)
    raise InvalidInput(texts.HD_ERR_UNKNOWN_STATUS.format(status=value, choices=choices))


def parse_role(value: Role | str) -> Role:
    if isinstance(value, Role):
        return value
    key = (value or "").strip()
    for role, label in ROLE_LABELS.items():
        if key in (role.value, label):
            return role
    choices = "、".join(f"{r.value}（{label}）" for r, label in ROLE_LABELS.items())
    raise InvalidInput(texts.HD_ERR_UNKNOWN_ROLE.format(role=value, choices=choices))


def clean_number(number: str | None) -> str:
    """`2026-000123` (also accepts `2026-123`, `2026000123`); unknown shapes are 'not found'."""
    raw = (number or "").strip()
    match = _NUMBER_RE.match(raw)
    if not match:
        raise NotFound(texts.HD_ERR_UNKNOWN_REQUEST.format(number=raw[:30]))
    year, seq = match.groups()
    if len(seq) > 6 and "-" not in raw:
        return f"{year}-{seq}"
    return f"{year}-{int(seq):06d}"
