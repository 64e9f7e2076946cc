"""Lexical side of retrieval: jieba tokens without stopwords, plus a short domain synonym list.

Kept separate from the BM25 index so the same tokens drive indexing, querying, the
"how much of the question is covered" abstention signal and answer-sentence selection.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

import jieba

from bot.kb.normalize import to_simplified

log = logging.getLogger(__name__)

_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_TOKEN_OK = re.compile(r"[\u3400-\u9fffA-Za-z0-9]")
_init_lock = threading.Lock()
_initialised = False


def _ensure_jieba() -> None:
    """jieba builds its prefix dictionary lazily and not thread-safely: do it once, under a lock."""
    global _initialised
    if _initialised:
        return
    with _init_lock:
        if not _initialised:
            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            for words in synonyms().values():
                for word in words:
                    jieba.add_word(word)
            for word in synonyms():
                jieba.add_word(word)
            _initialised = True


def _resource_lines(name: str) -> list[str]:
    text = resources.files("bot.kb.resources").joinpath(name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    return frozenset(word for line in _resource_lines("stopwords.txt") for word in line.split())


@lru_cache(maxsize=1)
def synonyms() -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for line in _resource_lines("synonyms.txt"):
        colloquial, _, formal = line.partition(" ")
        table[colloquial.strip()] = tuple(w.strip() for w in formal.split(",") if w.strip())
    return table


def tokens(text: str) -> list[str]:
    """Search-mode jieba tokens of simplified `text`, stopwords and punctuation removed."""
    _ensure_jieba()
    stop = stopwords()
    out: list[str] = []
    for raw in jieba.lcut_for_search(text):
        token = raw.strip().lower()
        if token and token not in stop and _TOKEN_OK.search(token):
            out.append(token)
    return out


def index_tokens(text: str) -> list[str]:
    """BM25 tokens: words plus CJK character bigrams.

    Bigrams make lexical matching robust to jieba segmenting the question and the passage
    differently (督导 vs 督导组); measured +0.02 MRR on the seed corpus (docs/retrieval.md).
    """
    return tokens(text) + bigrams(text)


def bigrams(text: str) -> list[str]:
    """Overlapping CJK character pairs of `text`."""
    return [run[i : i + 2] for run in _CJK_RUN.findall(text) for i in range(len(run) - 1)]


def expand_query(question: str) -> str:
    """Simplified question with formal synonyms appended for colloquial terms it contains."""
    simplified = to_simplified(question)
    extra = [
        formal
        for colloquial, formals in synonyms().items()
        if colloquial in simplified
        for formal in formals
        if formal not in simplified
    ]
    return simplified + (" " + " ".join(dict.fromkeys(extra)) if extra else "")


def tokens_many(texts: Iterable[str]) -> list[list[str]]:
    return [tokens(t) for t in texts]
