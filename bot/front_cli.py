"""`python -m bot run` (Telegram) and `python -m bot chat` (terminal), over one Assistant.

`run` long-polls by default; with WEBHOOK_URL set it serves webhooks behind a TLS reverse proxy,
checking Telegram's secret token header on every call. Operator output is English.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from urllib.parse import urlsplit

from bot.config import Settings, reveal

log = logging.getLogger(__name__)


def open_services(settings: Settings, *, batching: bool = True):  # type: ignore[no-untyped-def]
    """Knowledge base, helpdesk (with the KB as its policy lookup), question log → Assistant."""
    from bot.analytics import Analytics, analytics_url
    from bot.assistant import Assistant, policy_lookup
    from bot.helpdesk import open_helpdesk
    from bot.kb import KnowledgeBase
    from bot.kb.embeddings import load_embedder

    embedder = load_embedder(settings)
    if batching:
        from bot.telegram.batching import BatchingEmbedder

        embedder = BatchingEmbedder(embedder)
    kb = KnowledgeBase(settings, embedder=embedder)
    helpdesk = open_helpdesk(settings, lookup=policy_lookup(kb))
    try:
        analytics = Analytics.open(
            analytics_url(settings.resolved_database_url, reveal(settings.analytics_database_url))
        )
    except Exception:  # stats are optional; answering is not
        log.exception("question log unavailable; /stats will show requests only")
        analytics = None
    return Assistant(settings, kb, helpdesk, analytics)


def cmd_run(args: argparse.Namespace) -> int:
    from telegram import Update

    from bot.config import get_settings
    from bot.telegram.app import build_application
    from bot.telegram.logs import install_redaction

    settings = get_settings()
    logging.getLogger().setLevel(settings.log_level or os.environ.get("LOG_LEVEL", "INFO"))
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
    if assistant.kb.is_empty():
        log.info("knowledge base is empty; ingesting %s before going online", assistant.kb.source_dir)
        log.info(assistant.kb.ingest().summary())
    app = build_application(settings, assistant)
    try:
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
        assistant.helpdesk.close()
        if assistant.analytics is not None:
            assistant.analytics.close()
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from bot import console

    return console.main(args)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run the Telegram bot (long polling, or webhook when WEBHOOK_URL is set)")
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("chat", help="talk to the assistant in this terminal (no Telegram needed)")
    p.add_argument("--data-dir", help="data folder (default DATA_DIR)")
    p.add_argument("--source", help="knowledge-base folder (default KB_SOURCE)")
    from bot import console

    console.add_arguments(p)
    p.set_defaults(func=cmd_chat)
