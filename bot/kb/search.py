"""Hybrid retrieval: dense (Chroma) and BM25 (jieba tokens) fused by min-max normalisation,
plus the signals that decide whether the knowledge base covers a question at all.

Why min-max rather than reciprocal-rank fusion: on our documents RRF lost ~0.07 MRR, because
it throws away how *much* better the best passage is. Why not use the fused score to abstain:
after min-max the best candidate scores ~1 whenever both sides agree, whatever the question.
Abstention instead uses the raw cosine of the best passage and how much of the question's
IDF-weighted terms the top passages actually contain (`coverage`); a question asking for a sum
of money or an age also needs a passage that states one (bot/kb/answer_type.py).
"""

from __future__ import annotations

import logging
import math
import threading
from dataclasses import dataclass

import numpy as np

from bot.kb import lexicon
from bot.kb.answer_type import Quantity, asked_quantity, states_quantity
from bot.kb.embeddings import Embedder
from bot.kb.index import IndexDir, Snapshot
from bot.kb.normalize import normalize_for_match
from bot.kb.types import Hit
from bot.kb.vectorstore import VectorStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetrievalParams:
    """Tuned on the seed corpus with bench/tune_retrieval.py; see docs/retrieval.md."""

    dense_weight: float = 0.6
    candidates: int = 40
    # Abstention (calibrated for multilingual-e5-small; e5 cosines sit in a narrow 0.84–0.94
    # band, so these are model-specific — re-run `python -m bot eval` after changing models):
    # grounded when the best passage is close enough on its own, or a little less close but the
    # top passages contain most of the question's weighted terms.
    min_dense: float = 0.886
    rescue_dense: float = 0.870
    rescue_coverage: float = 0.55
    coverage_depth: int = 3  # how many top passages count for coverage


@dataclass(frozen=True)
class SearchResult:
    question: str
    hits: list[Hit]
    grounded: bool
    dense_top: float
    coverage: float
    query_tokens: tuple[str, ...] = ()
    # The question asks for a sum of money or an age (`asked`) that none of the top passages
    # states (`unstated`, then not grounded).
    unstated: Quantity | None = None
    asked: Quantity | None = None


class Retriever:
    """Searches the generation named by CURRENT, reloading it when an ingest publishes a new one."""

    def __init__(
        self, index: IndexDir, store: VectorStore, embedder: Embedder, params: RetrievalParams | None = None
    ) -> None:
        self.index = index
        self.store = store
        self.embedder = embedder
        self.params = params or RetrievalParams()
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._stamp: float = -1
        self._df: np.ndarray | None = None

    # --- snapshot management ---------------------------------------------------------------
    def snapshot(self) -> Snapshot | None:
        stamp = self.index.pointer_stamp()
        if stamp != self._stamp:
            with self._lock:
                if stamp != self._stamp:
                    generation = self.index.current()
                    snap = Snapshot.load(self.index, generation) if generation else None
                    self._df = _document_frequencies(snap) if snap else None
                    self._snapshot, self._stamp = snap, stamp
                    log.info("serving knowledge-base generation %s", generation)
        return self._snapshot

    # --- search ----------------------------------------------------------------------------
    def search(self, question: str, k: int = 5) -> SearchResult:
        snap = self.snapshot()
        text = lexicon.expand_query(question)
        qtokens = lexicon.tokens(text)
        if snap is None or not snap.chunks:
            return SearchResult(question, [], False, 0.0, 0.0, tuple(qtokens))
        p = self.params
        qvec = self.embedder.embed_query(text)
        n = min(p.candidates, len(snap.chunks))

        dense = dict(self.store.query(snap.collection, qvec, n))
        bm25 = snap.bm25_scores(qtokens + lexicon.bigrams(text))  # = index_tokens(text), jieba once
        lexical_top = [int(i) for i in np.argsort(-bm25)[:n] if bm25[i] > 0]
        pos = snap.positions
        missing = [snap.chunks[i].id for i in lexical_top if snap.chunks[i].id not in dense]
        for cid, vec in self.store.vectors(snap.collection, missing).items():
            dense[cid] = float(vec @ qvec)

        ids = list(dense)
        d = np.array([dense[i] for i in ids], dtype=np.float32)
        lx = np.array([bm25[pos[i]] for i in ids], dtype=np.float32)
        fused = p.dense_weight * _minmax(d) + (1 - p.dense_weight) * _minmax(lx)
        lex_norm = lx / lx.max() if lx.max() > 0 else lx
        order = np.argsort(-fused)

        hits: list[Hit] = []
        seen: list[str] = []
        for j in order:
            chunk = snap.chunks[pos[ids[j]]]
            key = normalize_for_match(chunk.text)
            if any(key in s or s in key for s in seen):
                continue  # the same passage from a duplicate document
            seen.append(key)
            hits.append(Hit(chunk, float(fused[j]), float(d[j]), float(lex_norm[j])))
            if len(hits) >= k:
                break

        dense_top = float(d.max()) if len(d) else 0.0
        coverage = self._coverage(snap, qtokens, hits[: p.coverage_depth])
        grounded = dense_top >= p.min_dense or (dense_top >= p.rescue_dense and coverage >= p.rescue_coverage)
        unstated = None
        asked = asked_quantity(question)
        top_texts = (h.chunk.text for h in hits[: p.coverage_depth])
        if grounded and asked and not states_quantity(asked, question, top_texts):
            grounded, unstated = False, asked
        return SearchResult(question, hits, grounded, dense_top, coverage, tuple(qtokens), unstated, asked)

    def _coverage(self, snap: Snapshot, qtokens: list[str], hits: list[Hit]) -> float:
        terms = set(qtokens)
        if not terms or not hits:
            return 0.0
        haystack = "".join(h.chunk.lexical_text for h in hits).lower()
        total = found = 0.0
        n_docs = len(snap.chunks)
        for term in terms:
            df = 0
            col = snap.bm25.vocab_dict.get(term)
            if col is not None and self._df is not None and col < len(self._df):
                df = int(self._df[col])
            weight = math.log(1 + (n_docs - df + 0.5) / (df + 0.5))
            total += weight
            if term in haystack:
                found += weight
        return found / total if total else 0.0


def _minmax(values: np.ndarray) -> np.ndarray:
    if values.size == 0:
        return values
    lo, hi = float(values.min()), float(values.max())
    if hi - lo < 1e-9:
        return np.ones_like(values) if hi > 0 else np.zeros_like(values)
    return (values - lo) / (hi - lo)


def _document_frequencies(snap: Snapshot) -> np.ndarray:
    """Per-vocabulary-term document counts, read from bm25s' sparse score matrix (CSC by term)."""
    indptr = np.asarray(snap.bm25.scores["indptr"])
    return np.diff(indptr)
