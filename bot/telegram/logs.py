"""Secrets and personal numbers never reach the logs.

The bot token (it is part of every Bot API URL, which httpx logs at INFO) and the webhook secret
are replaced by `***` in every record, including tracebacks; phone, ID and bank-card numbers are
masked (`bot.helpdesk.privacy.MaskingFilter`) in every record of every library — at
LOG_LEVEL=DEBUG python-telegram-bot logs whole updates, with whatever a villager typed."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from bot.helpdesk.privacy import MaskingFilter

REDACTED = "***"


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: Iterable[str | None]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= 8}, key=len, reverse=True)

    def _clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        cleaned = self._clean(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._clean(record.exc_text)
        if record.stack_info:
            record.stack_info = self._clean(record.stack_info)
        return True


def install_redaction(*secrets: str | None) -> RedactSecrets:
    """Attach the masking and the redaction filter to every handler of the root logger (present
    now), and quiet httpx.

    Filters on handlers see records from all loggers; filters on loggers would miss children
    (a record propagated from `telegram.ext.Updater` never passes the root *logger's* filters).
    """
    redact = RedactSecrets(secrets)
    mask = MaskingFilter()
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig()
    for handler in root.handlers:  # secrets first: masking digits must not break a token's match
        if not any(isinstance(f, RedactSecrets) for f in handler.filters):
            handler.addFilter(redact)
        if not any(isinstance(f, MaskingFilter) for f in handler.filters):
            handler.addFilter(mask)
    # httpx logs every request URL (with the token) at INFO; keep only its warnings.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    return redact
