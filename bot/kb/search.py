"""Hybrid retrieval: dense (Chroma) and BM25 (jieba tokens) fused by min-max normalisation,
plus the signals that decide whether the knowledge base covers a question at all.

Why min-max rather than reciprocal-rank fusion: on our documents RRF lost ~0.07 MRR, because
it throws away how *much* better the best passage is. Why not use the fused score to abstain:
after min-max the best candidate scores ~1 whenever both sides agree, whatever the question.
Abstention instead uses the raw cosine of the best passage and how much of the question's
IDF-weighted terms the top passages actually contain (`coverage`), then asks whether one of the
top-k passages can answer it (`evidence`): it must name every policy the question names (低保,
新农合 …; bot/kb/lexicon.py) and, when the question asks for a figure, state that figure for what
and when it asks (bot/kb/answer_type.py). The answer is composed from that passage only.
A rare term the question shares verbatim with the best passage (全国扶贫日, “五网”) stands in for
a cosine a little under the bar. The thresholds are `RetrievalParams`: data, re-checked by eval.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

import numpy as np

from bot.kb import lexicon, passage_fit
from bot.kb.answer_type import (
    Figure,
    Quantity,
    asked_facts,
    asked_quantity,
    asked_years,
    check_figure,
    states_fact,
)
from bot.kb.chunking import split_sentences
from bot.kb.embeddings import Embedder
from bot.kb.index import IndexDir, Snapshot
from bot.kb.normalize import normalize_for_match, to_simplified
from bot.kb.types import Chunk, Hit
from bot.kb.typos import TypoFixer
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
    evidence_depth: int = 10  # how many passages the figure check reads (at least k)
    # A question term found in at most `rare_max_passages` passages of the whole index that the
    # best passage contains verbatim grounds the question from `rare_dense` up ("全国扶贫日是几月
    # 几号" scores 0.884: a name that rare is the topic, not a coincidence).
    rare_dense: float = 0.840
    rare_max_passages: int = 2
    rare_min_chars: int = 2
    rare_coverage: float = 0.35  # and the top passages hold this much of the question's terms
    # A passage that states the kind of fact asked (the figure of 多少钱/几天, a date for 啥时候,
    # a phone number, a list of documents for 带啥材料) gains this much fused score. The figure is
    # looked for in the `fit_depth` best candidates only: deeper, a sum about something else gets
    # lifted into the evidence the figure check reads (depth 25: 2 of 15 unanswerable answered).
    # A date, phone number or list is looked for among all candidates (it opens no evidence).
    fit_bonus: float = 0.2
    fit_depth: int = 15


class Refusal(Enum):
    """Why a question is not answered (None on a grounded result)."""

    NOT_SIMILAR = "no passage is close to the question"
    NOT_NAMED = "no top passage names the policy the question names"
    FIGURE = "no top passage states the figure asked for"
    OTHER_YEAR = "the figure is stated only for another year or group"


@dataclass(frozen=True)
class SearchResult:
    question: str
    hits: list[Hit]
    grounded: bool
    dense_top: float
    coverage: float
    query_tokens: tuple[str, ...] = ()
    # The question asks for a figure (`asked`) that none of the top passages states (`unstated`,
    # then not grounded; `refusal` says whether it is stated for another year or not at all).
    unstated: Quantity | None = None
    asked: Quantity | None = None
    refusal: Refusal | None = None
    # Indexes into `hits` of the passages that can answer, best first (grounded results only).
    eligible: tuple[int, ...] = ()
    named: tuple[str, ...] = ()  # the policies the question names (bot/kb/lexicon.py)
    years: tuple[str, ...] = ()  # the years it asks about
    deeper: tuple[Hit, ...] = ()  # passages ranked below k that the figure check also read

    @property
    def evidence(self) -> list[Hit]:
        """The passages an answer may be composed from (one of them: never stitched)."""
        pool = [*self.hits, *self.deeper]
        return [pool[i] for i in self.eligible if i < len(pool)]


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
        self._haystacks: list[str] = []
        self._typos: TypoFixer | None = None

    # --- snapshot management ---------------------------------------------------------------
    def snapshot(self) -> Snapshot | None:
        stamp = self.index.pointer_stamp()
        if stamp != self._stamp:
            with self._lock:
                if stamp != self._stamp:
                    generation = self.index.current()
                    snap = Snapshot.load(self.index, generation) if generation else None
                    self._df = _document_frequencies(snap) if snap else None
                    self._haystacks = [c.lexical_text.lower() for c in snap.chunks] if snap else []
                    self._typos = TypoFixer(c.text for c in snap.chunks) if snap else None
                    self._snapshot, self._stamp = snap, stamp
                    log.info("serving knowledge-base generation %s", generation)
        return self._snapshot

    # --- search ----------------------------------------------------------------------------
    def search(self, question: str, k: int = 5) -> SearchResult:
        snap = self.snapshot()
        text = self._query_text(question)
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
        asked = asked_quantity(question)
        fused = self._fit(question, asked, fused, [snap.chunks[pos[i]] for i in ids])
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
            if len(hits) >= max(k, p.evidence_depth):
                break
        hits, deeper = hits[:k], hits[k:]

        dense_top = float(d.max()) if len(d) else 0.0
        coverage = self._coverage(snap, qtokens, hits[: p.coverage_depth])
        similar = dense_top >= p.min_dense or (dense_top >= p.rescue_dense and coverage >= p.rescue_coverage)
        if not similar and hits and dense_top >= p.rare_dense and coverage >= p.rare_coverage:
            similar = self._shares_rare_term(question, hits[0])
        concepts = lexicon.concepts_named(question) + lexicon.places_named(question) + lexicon.means_named(question)
        # A figure may stand in a passage ranked below k (an article of sums behind the articles
        # that repeat the question's words); it may answer, it is not shown as a ranked hit.
        pool = hits + (deeper if asked is not None else [])
        refusal, eligible = (Refusal.NOT_SIMILAR, ()) if not similar else _evidence(
            question, pool, concepts, asked, self._is_rare
        )
        unstated = asked if refusal in (Refusal.FIGURE, Refusal.OTHER_YEAR) else None
        if eligible:
            hits, deeper, eligible = _answer_first(question, qtokens, hits, deeper, eligible)
        return SearchResult(
            question, hits, refusal is None, dense_top, coverage, tuple(qtokens), unstated, asked,
            refusal, eligible, tuple(c.named for c in concepts), tuple(sorted(asked_years(question))),
            tuple(deeper),
        )

    def _fit(self, question: str, asked: Quantity | None, fused: np.ndarray, chunks: list[Chunk]) -> np.ndarray:
        """Fused scores with `fit_bonus` added to the best candidates that state what is asked."""
        facts = asked_facts(question)
        if asked is None and not facts:
            return fused
        out = fused.copy()
        for rank, j in enumerate(np.argsort(-fused)):
            if rank >= self.params.fit_depth and not facts:
                break
            chunk = chunks[j]
            text = to_simplified(chunk.text)
            fits = rank < self.params.fit_depth and asked is not None and check_figure(
                asked, question, text, f"{chunk.title}\n{chunk.section}"
            ).outcome is Figure.STATED
            fits = fits or any(states_fact(kind, text) for kind in facts)
            if fits:
                out[j] += self.params.fit_bonus
        return out

    def _query_text(self, question: str) -> str:
        """The simplified question, the document terms its everyday words stand for, and the
        documents' words its pinyin slips stand for (特捆 → 特困). Corrections are only added: a
        "slip" may be a word the villager meant (补得 is no 不得), and the original words still count.
        """
        text = lexicon.expand_query(question)
        fixes = self._typos.corrections(to_simplified(question)) if self._typos is not None else []
        extra = [w for w in fixes if w not in text]
        return lexicon.expand_query(f"{text} {' '.join(extra)}") if extra else text

    def _shares_rare_term(self, question: str, hit: Hit) -> bool:
        """Whether the best passage contains verbatim a question term that few passages contain."""
        haystack = hit.chunk.lexical_text.lower()
        terms = {t for t in lexicon.tokens(to_simplified(question)) if len(t) >= self.params.rare_min_chars}
        return any(term in haystack and self._is_rare(term) for term in terms)

    def _is_rare(self, term: str) -> bool:
        """Whether at most `rare_max_passages` passages of the index contain `term`."""
        count = 0
        for text in self._haystacks:
            if term in text:
                count += 1
                if count > self.params.rare_max_passages:
                    return False
        return count > 0

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


def _evidence(
    question: str,
    hits: list[Hit],
    concepts: list[lexicon.Concept],
    asked: Quantity | None,
    rare: Callable[[str], bool],
) -> tuple[Refusal | None, tuple[int, ...]]:
    """The hits (best first) that name every policy and place the question names and, when it
    asks for a figure, state it for the year and group asked; else why there is none."""
    refusal = Refusal.NOT_NAMED
    eligible: list[int] = []
    subject = _subject(question, concepts)
    for n, hit in enumerate(hits):
        lexical = hit.chunk.lexical_text.lower()
        if not all(lexicon.names(concept, lexical) for concept in concepts):
            continue
        frame = f"{hit.chunk.title}\n{hit.chunk.section}"
        if asked is None:
            if _in_focus(question, concepts, hit, rare):
                eligible.append(n)
            continue
        check = check_figure(asked, question, hit.chunk.text, frame)
        # The figure must be stated for what is asked about: the policy named next to 多少 is
        # named by the figure's own sentence or by the passage's title/heading ("…高龄津贴等其他
        # 政策" beside a 残疾人 sum is no 高龄津贴 figure; "按基准利率" is no 罚息利率).
        framed = frame.lower()
        if check.outcome is Figure.STATED and (
            subject is None
            or any(lexicon.names(subject, f"{framed}\n{sentence}".lower()) for sentence in check.sentences)
        ):
            eligible.append(n)
            continue
        outcome = Figure.ABSENT if check.outcome is Figure.STATED else check.outcome
        if outcome is Figure.OTHER_SCOPE:
            refusal = Refusal.OTHER_YEAR
        elif refusal is Refusal.NOT_NAMED:
            refusal = Refusal.FIGURE
    years = asked_years(question)
    if years:  # "开江县2016年到位了多少资金？": a passage about 2016 first
        eligible.sort(key=lambda n: not any(f"{y}年" in hits[n].chunk.text for y in years))
    return (None, tuple(eligible)) if eligible else (refusal, ())


_INTERROGATIVE = re.compile(r"多少|几|多久|多长|多大|什么比例|啥比例|哪个")


def _subject(question: str, concepts: list[lexicon.Concept]) -> lexicon.Concept | None:
    """The policy whose figure is asked: the one named last before 多少/几 (else the first after)."""
    text = to_simplified(question).lower()
    match = _INTERROGATIVE.search(text)
    at = match.start() if match else len(text)
    placed = sorted((text.find(c.named), c) for c in concepts if c.named in text)
    before = [c for pos, c in placed if pos < at]
    after = [c for pos, c in placed if pos >= at]
    return before[-1] if before else (after[0] if after else None)


def _in_focus(question: str, concepts: list[lexicon.Concept], hit: Hit, rare: Callable[[str], bool]) -> bool:
    """Whether the passage is about the policies the question names, not mentioning one in passing.

    A policy is in focus when the title or heading names it, or a sentence names it together
    with another word of the question; a passage naming two of the question's policies relates
    them; a name only a passage or two of the whole index contain (全国扶贫日) is their topic.
    "…不低于当地低保标准的1.3倍" mentions 低保 in passing: it does not answer "低保怎么申请？".
    """
    if len(concepts) >= 2 or not concepts:
        return True  # all named (checked by the caller): the passage relates them
    concept = concepts[0]
    frame = f"{hit.chunk.title}\n{hit.chunk.section}".lower()
    if lexicon.names(concept, frame) or any(rare(t) for t in concept.terms if t in hit.chunk.text.lower()):
        return True
    named = (concept.named, *concept.terms)
    words = lexicon.tokens(to_simplified(question))
    others = [w for w in words if len(w) >= 2 and not any(w in t or t in w for t in named)]
    if not others:
        return True
    for line in hit.chunk.text.lower().splitlines():
        for sentence in split_sentences(line):
            if lexicon.names(concept, sentence) and any(w in sentence for w in others):
                return True
    return False


def _answer_first(
    question: str, qtokens: list[str], hits: list[Hit], deeper: list[Hit], eligible: tuple[int, ...]
) -> tuple[list[Hit], list[Hit], tuple[int, ...]]:
    """Hits with the passage the answer is composed from first (bot/kb/passage_fit.py): the source a
    villager is shown as [1] is retrieval's first hit. Eligible indexes follow the move."""
    k = len(hits)
    pool = [*hits, *deeper]
    evidence = [pool[i] for i in eligible]
    pick = eligible[passage_fit.choose(evidence, passage_fit.Ask.of(question, qtokens))]
    order = [pick, *(i for i in range(len(pool)) if i != pick)]
    where = {old: new for new, old in enumerate(order)}
    moved = [pool[i] for i in order]
    ranked = (where[pick], *(where[i] for i in eligible if i != pick))
    return moved[:k], moved[k:], ranked


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
