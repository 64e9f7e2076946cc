"""The knowledge base as a LangChain retriever, so its hybrid search plugs into any chain.

`KnowledgeBaseRetriever` returns LangChain `Document`s whose metadata carries the passage's
title, section, source file and fused score. It returns no documents when retrieval abstains
(the knowledge base does not cover the question): a chain built on it never asks a model about
a question the documents do not answer.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from bot.kb.search import SearchResult


def to_documents(result: SearchResult, limit: int | None = None) -> list[Document]:
    """The hits of a search as Documents, best first (all of them, abstaining or not)."""
    return [
        Document(
            page_content=hit.chunk.text,
            id=hit.chunk.id,
            metadata={
                "title": hit.chunk.title,
                "section": hit.chunk.section,
                "source": hit.chunk.source,
                "score": round(hit.score, 4),
            },
        )
        for hit in result.hits[:limit]
    ]


class KnowledgeBaseRetriever(BaseRetriever):
    """`kb` is a `bot.kb.KnowledgeBase` (anything with `search(question, k) -> SearchResult`)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    kb: Any
    k: int = 5

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        result = self.kb.search(query, self.k)
        return to_documents(result) if result.grounded else []
