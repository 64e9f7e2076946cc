"""Run a real PTB Application against the fake in a background thread, as production would.

``run_application`` mirrors what ``Application.run_polling`` does (initialize, post_init,
start polling, start; then stop, post_stop, shutdown, post_shutdown) on the bot's own event
loop in a thread, so synchronous tests can drive the bot with ``FakeUser`` calls. Exceptions
raised by handlers are recorded on the fake (``tg.bot_errors``) and shown when a wait times out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
from collections.abc import Coroutine, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from telegram.ext import Application, CallbackContext

    from .server import FakeTelegram

_LOG = logging.getLogger(__name__)
T = TypeVar("T")
WEBHOOK_PATH = "telegram-webhook"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RunningApplication:
    """A PTB Application polling the fake from a background thread; see run_application()."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        tg: FakeTelegram | None,
        poll_timeout: float,
        webhook_secret: str | None = None,
    ):
        self.application = application
        self.tg = tg
        self.poll_timeout = poll_timeout
        self.webhook_secret = webhook_secret
        self.webhook_port: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_event: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._error: BaseException | None = None

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        assert self._loop is not None, "application not started"
        return self._loop

    def start(self, timeout: float = 30.0) -> None:
        self._thread = threading.Thread(target=self._main, name="ptb-application", daemon=True)
        self._thread.start()
        if not self._started.wait(timeout):
            raise TimeoutError("the PTB application did not start polling in time")
        if self._error is not None:
            raise RuntimeError("the PTB application failed to start") from self._error

    def stop(self, timeout: float = 30.0) -> None:
        if self._loop is None or self._stop_event is None or self._thread is None:
            return
        with contextlib.suppress(RuntimeError):  # loop already closed after a failed start
            self._loop.call_soon_threadsafe(self._stop_event.set)
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError("the PTB application did not stop in time")
        if self._error is not None:
            raise RuntimeError("the PTB application failed while stopping") from self._error

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        """Run a coroutine on the bot's event loop from the test thread, e.g. a bot method call."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            loop.run_until_complete(self._lifecycle())
        except BaseException as exc:  # reported to the test thread by start()/stop()
            self._error = exc
        finally:
            self._started.set()
            loop.close()

    async def _lifecycle(self) -> None:
        from telegram import Update

        app = self.application
        self._stop_event = asyncio.Event()
        if self.tg is not None:
            app.add_error_handler(self._record_error)
        await app.initialize()
        try:
            if app.post_init:
                await app.post_init(app)
            assert app.updater is not None, "build the Application with an Updater to poll"
            if self.webhook_secret is None:
                await app.updater.start_polling(
                    poll_interval=0.0, timeout=self.poll_timeout, allowed_updates=Update.ALL_TYPES
                )
            else:
                assert self.tg is not None, "webhook mode needs the FakeTelegram to redirect deliveries"
                self.webhook_port = _free_port()
                self.tg.redirect_webhook(f"http://127.0.0.1:{self.webhook_port}/{WEBHOOK_PATH}")
                await app.updater.start_webhook(
                    listen="127.0.0.1",
                    port=self.webhook_port,
                    url_path=WEBHOOK_PATH,
                    webhook_url=f"https://bot.invalid:8443/{WEBHOOK_PATH}",
                    secret_token=self.webhook_secret,
                    allowed_updates=Update.ALL_TYPES,
                )
            await app.start()
            self._started.set()
            await self._stop_event.wait()
            await app.updater.stop()
            await app.stop()
            if app.post_stop:
                await app.post_stop(app)
        finally:
            await app.shutdown()
            if app.post_shutdown:
                await app.post_shutdown(app)

    async def _record_error(self, update: object, context: CallbackContext[Any, Any, Any, Any]) -> None:
        """Error handler added by the runner: log like PTB's default and remember for the test."""
        error = context.error
        if error is None or self.tg is None:
            return
        _LOG.error("handler raised while processing %r", update, exc_info=error)
        self.tg.note_bot_error(error)


@contextlib.contextmanager
def run_application(
    application: Application[Any, Any, Any, Any, Any, Any],
    tg: FakeTelegram | None = None,
    *,
    poll_timeout: float = 10.0,
    webhook_secret: str | None = None,
) -> Iterator[RunningApplication]:
    """Run ``application`` in a background thread for the duration of the ``with`` block.

    It long-polls by default; with ``webhook_secret`` it runs PTB's webhook server on a free
    127.0.0.1 port instead (needs the ``webhooks`` extra, i.e. tornado) and the fake delivers
    updates there. Pass ``tg`` to record handler exceptions on the fake. Build the application
    against the fake first, e.g. ``tg.application_builder().build()`` plus the bot's handlers.
    """
    running = RunningApplication(application, tg, poll_timeout, webhook_secret)
    running.start()
    try:
        yield running
    finally:
        running.stop()
