"""The vector store behind the knowledge base: Chroma, embedded on disk or a `chroma run` server.

One small interface (`VectorStore`) so the index code never touches a vendor API directly, after
Langchain-Chatchat's knowledge-base service layer; Chroma is the only implementation today.
Embeddings are always computed by us and passed in: collections are created with
`embedding_function=None`, so Chroma can never fall back to its own (downloading) default model.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from bot.config import Settings

log = logging.getLogger(__name__)

_ADD_BATCH = 1000


class VectorStore(Protocol):
    """What the index needs from a vector database."""

    def create(self, name: str) -> None: ...
    def add(self, name: str, ids: Sequence[str], vectors: np.ndarray, metas: Sequence[dict]) -> None: ...
    def query(self, name: str, vector: np.ndarray, n: int) -> list[tuple[str, float]]: ...
    def vectors(self, name: str, ids: Sequence[str]) -> dict[str, np.ndarray]: ...
    def count(self, name: str) -> int: ...
    def drop(self, name: str) -> None: ...
    def names(self) -> list[str]: ...
    def describe(self) -> str: ...


class ChromaStore:
    """Chroma collections with cosine HNSW; similarity = 1 - cosine distance."""

    def __init__(self, settings: Settings) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        if settings.chroma_host:
            self._client = chromadb.HttpClient(
                host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
            )
            self._where = f"chroma server http://{settings.chroma_host}:{settings.chroma_port}"
        else:
            path = Path(settings.data_dir) / "chroma"
            path.mkdir(parents=True, exist_ok=True)
            self._client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
            self._where = f"embedded chroma at {path}"
        self._collections: dict[str, object] = {}

    def describe(self) -> str:
        return self._where

    def _get(self, name: str):
        col = self._collections.get(name)
        if col is None:
            col = self._client.get_collection(name, embedding_function=None)
            self._collections[name] = col
        return col

    def create(self, name: str) -> None:
        col = self._client.create_collection(
            name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
        )
        self._collections[name] = col

    def add(self, name: str, ids: Sequence[str], vectors: np.ndarray, metas: Sequence[dict]) -> None:
        col = self._get(name)
        for start in range(0, len(ids), _ADD_BATCH):
            end = start + _ADD_BATCH
            col.add(
                ids=list(ids[start:end]),
                embeddings=np.asarray(vectors[start:end], dtype=np.float32),
                metadatas=list(metas[start:end]),
            )

    def query(self, name: str, vector: np.ndarray, n: int) -> list[tuple[str, float]]:
        col = self._get(name)
        result = col.query(
            query_embeddings=np.asarray(vector, dtype=np.float32)[None, :],
            n_results=max(1, n),
            include=["distances"],
        )
        return [(i, 1.0 - float(d)) for i, d in zip(result["ids"][0], result["distances"][0], strict=True)]

    def vectors(self, name: str, ids: Sequence[str]) -> dict[str, np.ndarray]:
        if not ids:
            return {}
        col = self._get(name)
        out: dict[str, np.ndarray] = {}
        for start in range(0, len(ids), _ADD_BATCH):
            got = col.get(ids=list(ids[start : start + _ADD_BATCH]), include=["embeddings"])
            for i, vec in zip(got["ids"], got["embeddings"], strict=True):
                out[i] = np.asarray(vec, dtype=np.float32)
        return out

    def count(self, name: str) -> int:
        return int(self._get(name).count())

    def drop(self, name: str) -> None:
        self._collections.pop(name, None)
        try:
            self._client.delete_collection(name)
        except Exception as exc:  # chromadb raises NotFoundError/ValueError depending on version
            log.debug("drop %s: %s", name, exc)

    def names(self) -> list[str]:
        return [c.name if hasattr(c, "name") else str(c) for c in self._client.list_collections()]


def open_store(settings: Settings) -> VectorStore:
    return ChromaStore(settings)
