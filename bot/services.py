"""Wiring: the knowledge base, helpdesk, question log and Assistant, built once for every front end.

The Telegram bot (`python -m bot run`) and the terminal chat (`python -m bot chat`) answer through
the same Assistant over the same services; building them here keeps the two from drifting apart
and keeps the front ends free of construction details.
"""

from __future__ import annotations

import logging

from bot.analytics import Analytics, analytics_url
from bot.assistant import Assistant, policy_lookup
from bot.config import Settings, reveal
from bot.helpdesk import open_helpdesk
from bot.kb import KnowledgeBase
from bot.kb.batching import BatchingEmbedder
from bot.kb.embeddings import load_embedder

log = logging.getLogger(__name__)


def open_question_log(settings: Settings) -> Analytics | None:
    """The question log behind /stats, or None when its database cannot be opened (answering goes on)."""
    try:
        return Analytics.open(analytics_url(settings.resolved_database_url, reveal(settings.analytics_database_url)))
    except Exception:  # stats are optional; answering is not
        log.exception("question log unavailable; /stats will show requests only")
        return None


def open_services(settings: Settings, *, batching: bool = True) -> Assistant:
    """Knowledge base, helpdesk (with the KB as its policy lookup), question log → Assistant.

    `batching` groups the query embeddings of users asking at once (the bot); a single terminal
    user gains nothing from it.
    """
    embedder = load_embedder(settings)
    if batching:
        embedder = BatchingEmbedder(embedder)
    kb = KnowledgeBase(settings, embedder=embedder)
    helpdesk = open_helpdesk(settings, lookup=policy_lookup(kb))
    return Assistant(settings, kb, helpdesk, open_question_log(settings))


def close_services(assistant: Assistant) -> None:
    """Release the databases the services hold (the knowledge base holds none that need it)."""
    assistant.helpdesk.close()
    if assistant.analytics is not None:
        assistant.analytics.close()
