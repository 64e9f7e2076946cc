"""Masking of phone and ID numbers, and phone validation.

Rule (see docs/helpdesk.md): a request's full text is shown only to its requester, its assigned
cadre and admins; everyone else (other cadres of the village, exports marked for sharing) sees
phone numbers and 18-digit ID numbers masked. Logs never carry them: helpdesk loggers mask
every record through `MaskingFilter`.
"""

from __future__ import annotations

import logging
import re

# 18-digit resident ID (last char may be X); not part of a longer digit run.
_ID_RE = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[0-9Xx])(?![0-9A-Za-z])")
# Mainland mobile, optionally +86/86 prefixed, optionally split 3-4-4 by spaces or dashes.
_MOBILE_RE = re.compile(r"(?<![0-9])((?:\+?86[- ]?)?1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?![0-9])")
# Landline with area code: 0xx(x)-xxxxxxx(x).
_LANDLINE_RE = re.compile(r"(?<![0-9])(0\d{2,3})[- ]?(\d{3,4})(\d{4})(?![0-9])")

_MOBILE_FULL = re.compile(r"1[3-9]\d{9}")
_LANDLINE_FULL = re.compile(r"0\d{2,3}-?\d{7,8}")


def mask_text(text: str) -> str:
    """Mask every ID number, mobile and landline number found in free text."""
    if not text:
        return text
    text = _ID_RE.sub(lambda m: f"{m.group(1)[:3]}{'*' * 11}{m.group(3)}", text)
    text = _MOBILE_RE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    return _LANDLINE_RE.sub(lambda m: f"{m.group(1)}-{'*' * len(m.group(2))}{m.group(3)}", text)


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
    compact = re.sub(r"[\s()（）]", "", raw.strip())
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
