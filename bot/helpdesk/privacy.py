"""Masking of phone and ID numbers, and phone validation.

Rule (see docs/helpdesk.md): a request's full text is shown only to its requester, its assigned
cadre and admins; everyone else (other cadres of the village, exports marked for sharing) sees
phone numbers, ID numbers (18- and 15-digit) and bank-card numbers masked, however they are
typed. Logs never carry them: helpdesk loggers mask every record through `MaskingFilter`, and the
bot installs it on the root logger's handlers (bot.telegram.logs) so library loggers
(python-telegram-bot at DEBUG) are masked too.
"""

from __future__ import annotations

import logging
import re

# Chinese input methods often type full-width digits (１３９…) and separators; text is matched on
# a copy with these folded to ASCII, one character for one, so positions map back to the original.
_FOLD = str.maketrans(
    {
        **{chr(0xFF10 + i): str(i) for i in range(10)},  # ０-９
        "Ｘ": "X", "ｘ": "x", "＋": "+", "（": "(", "）": ")",
        "－": "-", "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "﹣": "-", "−": "-",
        "\u3000": " ", "\u00a0": " ", "\t": " ",
    }
)
_SEP = r"[ -]?"  # one optional space or dash between digit groups (after folding)
_NOT_ALNUM_BEFORE, _NOT_ALNUM_AFTER = r"(?<![0-9A-Za-z])", r"(?![0-9A-Za-z])"
# 18-digit resident ID (check character X/x), grouped 6-8-4 or 6-4-4-4 or not at all.
_ID_RE = re.compile(rf"{_NOT_ALNUM_BEFORE}\d{{6}}{_SEP}\d{{4}}{_SEP}\d{{4}}{_SEP}\d{{3}}[0-9Xx]{_NOT_ALNUM_AFTER}")
# 15-digit ID issued before 1999, grouped 6-6-3 or not at all.
_OLD_ID_RE = re.compile(rf"{_NOT_ALNUM_BEFORE}\d{{6}}{_SEP}\d{{6}}{_SEP}\d{{3}}{_NOT_ALNUM_AFTER}")
# Bank card: 16-19 digits, plain or in groups of four.
_CARD_RE = re.compile(rf"{_NOT_ALNUM_BEFORE}\d{{4}}(?:{_SEP}\d{{4}}){{3}}(?:{_SEP}\d{{1,3}})?{_NOT_ALNUM_AFTER}")
# Mainland mobile, optionally +86/86 prefixed, optionally split 3-4-4 by spaces or dashes.
_MOBILE_RE = re.compile(r"(?<![0-9])((?:\+?86[- ]?)?1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?![0-9])")
# Landline with area code: (0xx(x))-xxxxxxx(x).
_LANDLINE_RE = re.compile(r"(?<![0-9])\(?(0\d{2,3})\)?[- ]?(\d{3,4})[- ]?(\d{4})(?![0-9])")

_MOBILE_FULL = re.compile(r"1[3-9]\d{9}")
_LANDLINE_FULL = re.compile(r"0\d{2,3}-?\d{7,8}")


def _digits(match: re.Match[str]) -> str:
    return re.sub(r"[^0-9Xx]", "", match.group(0))


def _mask_id(m: re.Match[str]) -> str:
    d = _digits(m)
    return f"{d[:3]}{'*' * 11}{d[-4:]}"


def _mask_old_id(m: re.Match[str]) -> str:
    d = _digits(m)
    return f"{d[:3]}{'*' * 9}{d[-3:]}"


def _mask_card(m: re.Match[str]) -> str:
    d = _digits(m)
    return f"{d[:4]}{'*' * (len(d) - 8)}{d[-4:]}"


_RULES: tuple[tuple[re.Pattern[str], object], ...] = (
    (_ID_RE, _mask_id),
    (_OLD_ID_RE, _mask_old_id),
    (_CARD_RE, _mask_card),
    (_MOBILE_RE, lambda m: f"{m.group(1)}****{m.group(3)}"),
    (_LANDLINE_RE, lambda m: f"{m.group(1)}-{'*' * len(m.group(2))}{m.group(3)}"),
)


def mask_text(text: str) -> str:
    """Mask every ID number (18- and 15-digit), bank-card-like number, mobile and landline number
    in free text, whether typed with full-width digits, spaces or dashes.

    Matching runs on a folded copy (see `_FOLD`); each rule blanks what it matched so a later
    rule cannot match inside it; the replacements are spliced into the original text, which is
    otherwise returned unchanged."""
    if not text:
        return text
    folded = text.translate(_FOLD)
    spans: list[tuple[int, int, str]] = []
    for pattern, masker in _RULES:
        for m in pattern.finditer(folded):
            spans.append((m.start(), m.end(), masker(m)))  # type: ignore[operator]
        folded = pattern.sub(lambda m: "\x00" * len(m.group(0)), folded)
    if not spans:
        return text
    out, at = [], 0
    for start, end, replacement in sorted(spans):
        out += [text[at:start], replacement]
        at = end
    out.append(text[at:])
    return "".join(out)


def mask_phone(phone: str | None) -> str | None:
    """Mask a normalised contact phone: 13812345678 → 138****5678."""
    if not phone:
        return phone
    if _MOBILE_FULL.fullmatch(phone):
        return f"{phone[:3]}****{phone[-4:]}"
    return mask_text(phone) if any(ch.isdigit() for ch in phone[-4:]) else phone


def normalize_phone(raw: str) -> str | None:
    """Canonical form of a phone number, or None if it is not a plausible Chinese number.

    Accepts spaces, dashes and a +86 prefix; returns 11 digits for mobiles, 0AAA-NNNNNNN for landlines.
    """
    compact = re.sub(r"[\s()]", "", raw.translate(_FOLD).strip())
    if compact.startswith("+86"):
        compact = compact[3:].lstrip("-")
    digits_only = compact.replace("-", "")
    if _MOBILE_FULL.fullmatch(digits_only):
        return digits_only
    if _LANDLINE_FULL.fullmatch(compact) and compact.count("-") <= 1:
        if "-" in compact:
            return compact
        # Without a dash the split is ambiguous; 3-digit area codes start with 01 or 02.
        area = 3 if compact[1] in "12" else 4
        return f"{compact[:area]}-{compact[area:]}"
    return None


class MaskingFilter(logging.Filter):
    """Rewrites a log record's message with phones and IDs masked (args are folded in first)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message or record.args:
            record.msg = masked
            record.args = None
        if record.exc_info and not record.exc_text:
            # Exception messages can quote user text; formatters reuse a pre-set exc_text.
            record.exc_text = mask_text(_FORMATTER.formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True


_FORMATTER = logging.Formatter()


def masked_logger(name: str) -> logging.Logger:
    """A module logger that can never emit an unmasked phone or ID number."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, MaskingFilter) for f in logger.filters):
        logger.addFilter(MaskingFilter())
    return logger
