"""Knowledge base: files → clean simplified passages → hybrid index → passages with scores.

Knows files, passages, vectors and scores — nothing of chats or users. Names are imported
lazily so that light users (the help-request CLI, `bot.kb.types`) do not pay for torch.
"""

from __future__ import annotations

from bot.lazy import lazy_exports

_EXPORTS = {
    "Chunk": "bot.kb.types",
    "DocumentError": "bot.kb.types",
    "Hit": "bot.kb.types",
    "SkipReason": "bot.kb.types",
    "IngestReport": "bot.kb.ingest",
    "SourceMissingError": "bot.kb.types",
    "RetrievalParams": "bot.kb.search",
    "SearchResult": "bot.kb.search",
    "DocumentInfo": "bot.kb.service",
    "KnowledgeBase": "bot.kb.service",
    "KnowledgeBaseError": "bot.kb.service",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_exports(__name__, _EXPORTS)
