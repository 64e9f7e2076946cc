"""The PTB Application: built from settings and an Assistant, with every feature registered.

- Bot API base URLs come from settings, so tests and offline demos point the bot at a local server.
- Defaults(parse_mode=HTML): every component sends HTML built by bot.telegram.format (escaped).
- AIORateLimiter keeps within Telegram's limits on what we send; `PerUserUpdateProcessor` lets
  different users' updates run concurrently, keeps one user's in order, and drops floods.
- JsonFilePersistence (bot.telegram.state; JSON, never pickle) keeps conversations (forms in
  progress) and user_data across restarts; the shared services live in bot_data, not persisted.
- post_init sets command menus per role; the job queue sends the daily overdue digest.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    Defaults,
)

from bot import texts
from bot.assistant import Assistant
from bot.config import Settings, reveal
from bot.telegram.components import admin, cadre, errors, help_request, villager
from bot.telegram.menus import set_default_commands, set_privileged_commands
from bot.telegram.ratelimit import FloodGuard, MessageRateLimiter, PerUserUpdateProcessor
from bot.telegram.runtime import SERVICES, Services, install_webhook_json_check
from bot.telegram.state import JsonFilePersistence, state_file

log = logging.getLogger(__name__)

MAX_CONCURRENT_UPDATES = 256
PERSISTENCE_INTERVAL = 5.0  # seconds between writes of conversation state


async def _flood_notice(update: Update) -> None:
    message = update.effective_message
    if update.callback_query is not None:
        await update.callback_query.answer(texts.BOT_FLOOD, show_alert=True)
    elif message is not None:
        await message.reply_text(texts.BOT_FLOOD, parse_mode=None)


def build_application(settings: Settings, assistant: Assistant) -> Application:
    """A ready-to-run Application (polling or webhook is the caller's choice)."""
    if not settings.telegram_bot_token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    path = state_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    persistence = JsonFilePersistence(path, update_interval=PERSISTENCE_INTERVAL)
    install_webhook_json_check()
    executor = ThreadPoolExecutor(settings.bot_workers, thread_name_prefix="assistant")
    guard = FloodGuard(settings.user_rate_limit_per_minute)

    async def post_init(app: Application) -> None:
        await set_default_commands(app.bot)
        if app.job_queue is not None:  # per-chat menus may be many calls: do them once running
            app.job_queue.run_once(
                lambda ctx: set_privileged_commands(ctx.bot, assistant), 0, name="command-menus"
            )
        else:
            await set_privileged_commands(app.bot, assistant)
        log.info("bot @%s ready", app.bot.username)

    async def post_shutdown(app: Application) -> None:
        executor.shutdown(wait=True, cancel_futures=True)

    app = (
        ApplicationBuilder()
        .token(reveal(settings.telegram_bot_token))
        .base_url(settings.telegram_base_url)
        .base_file_url(settings.telegram_base_file_url)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
                tzinfo=settings.tz,
            )
        )
        .rate_limiter(MessageRateLimiter(settings.telegram_messages_per_second))
        .persistence(persistence)
        .concurrent_updates(PerUserUpdateProcessor(MAX_CONCURRENT_UPDATES, guard, _flood_notice))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    app.bot_data[SERVICES] = Services(settings, assistant, executor)
    villager.register_early(app)
    help_request.register(app)
    villager.register(app)
    cadre.register(app)
    admin.register(app)
    villager.register_late(app)
    errors.register(app)
    return app

