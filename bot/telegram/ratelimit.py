"""Per-user flood protection and per-user ordering of updates.

`FloodGuard` is a sliding one-minute window per user. `PerUserUpdateProcessor` lets PTB process
updates of different users concurrently (one slow question never holds up another villager)
while keeping each user's own updates in order, which multi-step forms need. It also drops a
flooding user's excess updates *before* they wait for that user's turn, so a flood cannot occupy
the processing slots that other users need. (Telegram's own limits on what the bot sends are
handled separately by PTB's `AIORateLimiter`.)
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import AIORateLimiter, BaseUpdateProcessor

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60.0


class FloodGuard:
    """At most `per_minute` updates per user in any 60-second window."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._seen: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}
        self._last_sweep = clock()

    def check(self, user_id: int) -> tuple[bool, bool]:
        """(allowed, warn): warn is True once per window for a user who is being throttled."""
        now = self._clock()
        self._sweep(now)
        seen = self._seen.setdefault(user_id, deque())
        while seen and now - seen[0] >= WINDOW_SECONDS:
            seen.popleft()
        if len(seen) < self.per_minute:
            seen.append(now)
            return True, False
        warned = self._warned.get(user_id)
        if warned is None or now - warned >= WINDOW_SECONDS:
            self._warned[user_id] = now
            return False, True
        return False, False

    def _sweep(self, now: float) -> None:
        """Forget users idle for a window, so memory follows active users, not all users ever."""
        if now - self._last_sweep < WINDOW_SECONDS:
            return
        self._last_sweep = now
        for uid in [u for u, d in self._seen.items() if not d or now - d[-1] >= WINDOW_SECONDS]:
            del self._seen[uid]
        for uid in [u for u, t in self._warned.items() if now - t >= WINDOW_SECONDS]:
            del self._warned[uid]


def update_user_id(update: object) -> int | None:
    if isinstance(update, Update) and update.effective_user is not None:
        return update.effective_user.id
    return None


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """Concurrent across users, sequential per user, with flood protection in front."""

    def __init__(
        self,
        max_concurrent_updates: int,
        guard: FloodGuard,
        on_flood: Callable[[Update], Awaitable[Any]] | None = None,
    ) -> None:
        super().__init__(max_concurrent_updates)
        self.guard = guard
        self.on_flood = on_flood
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        user_id = update_user_id(update)
        if user_id is None:
            await coroutine
            return
        allowed, warn = self.guard.check(user_id)
        if not allowed:
            _close(coroutine)
            log.info("flood: dropped an update from user %s", user_id)
            if warn and self.on_flood is not None and isinstance(update, Update):
                try:
                    await self.on_flood(update)
                except Exception:  # telling them is best effort
                    log.warning("could not send the flood notice to %s", user_id, exc_info=True)
            return
        lock = self._locks.setdefault(user_id, asyncio.Lock())
        self._waiting[user_id] = self._waiting.get(user_id, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._waiting[user_id] -= 1
            if self._waiting[user_id] == 0:
                del self._waiting[user_id]
                self._locks.pop(user_id, None)

    async def initialize(self) -> None:
        """Nothing to allocate."""

    async def shutdown(self) -> None:
        """Nothing to free."""


def _close(coroutine: Awaitable[Any]) -> None:
    close = getattr(coroutine, "close", None)
    if close is not None:
        close()


class MessageRateLimiter(AIORateLimiter):
    """PTB's AIORateLimiter (Telegram's per-bot and per-group limits, retries on 429), except that
    chat actions ("typing…") do not count: they are not messages, and counting them would halve
    how many answers per second the bot may send under load."""

    UNLIMITED = frozenset({"sendChatAction"})

    def __init__(self, messages_per_second: int = 30) -> None:
        super().__init__(overall_max_rate=messages_per_second, overall_time_period=1, max_retries=2)

    async def process_request(  # type: ignore[override]
        self,
        callback: Callable[..., Awaitable[Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Any,
    ) -> Any:
        if endpoint in self.UNLIMITED:
            return await callback(*args, **kwargs)
        return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
