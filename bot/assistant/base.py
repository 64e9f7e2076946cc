"""What every part of the assistant shares: the services it talks to, and `friendly`."""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

from bot.assistant.replies import Reply
from bot.helpdesk import HelpdeskError

if TYPE_CHECKING:
    from bot.analytics import Analytics
    from bot.config import Settings
    from bot.helpdesk import Helpdesk
    from bot.kb import KnowledgeBase

F = TypeVar("F", bound=Callable[..., Reply])


def friendly(method: F) -> F:
    """A helpdesk refusal (unknown village, illegal transition, used code…) becomes the reply."""

    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> Reply:
        try:
            return method(*args, **kwargs)
        except HelpdeskError as exc:
            return Reply.of(exc.message_zh, toast=exc.message_zh[:180])

    return call  # type: ignore[return-value]


class AssistantBase:
    """State shared by the parts `Assistant` is composed of (see bot/assistant/__init__.py)."""

    def __init__(
        self,
        settings: Settings,
        kb: KnowledgeBase,
        helpdesk: Helpdesk,
        analytics: Analytics | None = None,
        *,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.settings = settings
        self.kb = kb
        self.helpdesk = helpdesk
        self.analytics = analytics
        self._clock = clock or time.time
        self._tz = ZoneInfo(settings.timezone)
        # One knowledge-base change at a time (reload, upload, removal); others are told to wait.
        self._reload_lock = threading.Lock()
