"""`python -m bot run`: the Telegram bot.

Long-polls by default; with WEBHOOK_URL set it serves webhooks behind a TLS reverse proxy,
checking Telegram's secret token header on every call. Operator output is English.
"""

from __future__ import annotations

import argparse
import logging
import sys
from urllib.parse import urlsplit

from bot.cli.common import load_settings
from bot.config import reveal
from bot.services import close_services, open_services

log = logging.getLogger(__name__)


def cmd_run(args: argparse.Namespace) -> int:
    # Deferred: python-telegram-bot and its HTTP stack are needed by this command only.
    from telegram import Update

    from bot.telegram.app import build_application
    from bot.telegram.logs import install_redaction

    settings = load_settings(args)
    install_redaction(reveal(settings.telegram_bot_token), reveal(settings.webhook_secret))
    if not settings.telegram_bot_token:
        print(
            "error: TELEGRAM_BOT_TOKEN is not set; create a bot with @BotFather (see docs/telegram.md), "
            "or try the assistant without Telegram: python -m bot chat",
            file=sys.stderr,
        )
        return 2
    if settings.webhook_url and not settings.webhook_secret:
        print("error: WEBHOOK_SECRET is required when WEBHOOK_URL is set", file=sys.stderr)
        return 2
    assistant = open_services(settings)
    try:
        if assistant.kb.is_empty():
            log.info("knowledge base is empty; ingesting %s before going online", assistant.kb.source_dir)
            log.info(assistant.kb.ingest().summary())
        app = build_application(settings, assistant)
        if settings.webhook_url:
            path = urlsplit(settings.webhook_url).path.strip("/")
            log.info(
                "webhook mode: listening on %s:%s/%s", settings.webhook_listen, settings.webhook_port, path
            )
            app.run_webhook(
                listen=settings.webhook_listen,
                port=settings.webhook_port,
                url_path=path,
                webhook_url=settings.webhook_url,
                secret_token=reveal(settings.webhook_secret),
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            log.info("long polling mode")
            app.run_polling(allowed_updates=Update.ALL_TYPES)
    finally:
        close_services(assistant)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run the Telegram bot (long polling, or webhook when WEBHOOK_URL is set)")
    p.set_defaults(func=cmd_run)
