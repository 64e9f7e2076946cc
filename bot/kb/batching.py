"""Query embeddings computed in batches when many users ask at once.

On this class of machine one query embedding costs ~90 ms of CPU while a batch of eight costs
~110 ms (docs/benchmarks-bot.md): the model is dominated by per-call overhead, not per-text work.
So when questions arrive while an embedding is running, they wait for it and then go through the
model together. A lone question is never delayed: the first caller embeds at once, and only
callers that arrive *during* a running batch are grouped ("natural batching", no timer).

The wrapper is transparent: passages (ingest) go straight to the wrapped embedder, and any other
attribute is delegated, so the knowledge base cannot tell the difference.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

MAX_BATCH = 16


@dataclass(eq=False)
class _Pending:
    text: str
    done: bool = False
    result: np.ndarray | None = None
    error: BaseException | None = None


class BatchingEmbedder:
    def __init__(self, inner: Any, max_batch: int = MAX_BATCH) -> None:
        self._inner = inner
        self.max_batch = max_batch
        self._cond = threading.Condition()
        self._queue: list[_Pending] = []
        self._busy = False
        self.batches = 0  # how many model calls served queries (for benchmarks)
        self.batched_queries = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def __repr__(self) -> str:
        return f"BatchingEmbedder({self._inner!r}, max_batch={self.max_batch})"

    def embed_passages(self, texts: Any, **kwargs: Any) -> np.ndarray:
        return self._inner.embed_passages(texts, **kwargs)

    def embed_query(self, text: str) -> np.ndarray:
        item = _Pending(text)
        with self._cond:
            self._queue.append(item)
        while True:
            with self._cond:
                while not item.done and self._busy:
                    self._cond.wait()
                if item.done:
                    break
                self._busy = True
                batch = self._queue[: self.max_batch]
                del self._queue[: self.max_batch]
            try:
                self._run(batch)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()
        if item.error is not None:
            raise item.error
        assert item.result is not None
        return item.result

    def _run(self, batch: list[_Pending]) -> None:
        texts = [p.text for p in batch]
        try:
            many = getattr(self._inner, "_embed", None)
            if len(batch) > 1 and many is not None:
                vectors = many(texts, self._inner.query_prompt, show_progress=False)
            else:
                vectors = np.stack([self._inner.embed_query(t) for t in texts])
        except BaseException as exc:  # every waiter gets the failure, none hangs
            for p in batch:
                p.error, p.done = exc, True
            return
        self.batches += 1
        self.batched_queries += len(batch)
        for p, vector in zip(batch, vectors, strict=True):
            p.result, p.done = np.asarray(vector, dtype=np.float32), True
