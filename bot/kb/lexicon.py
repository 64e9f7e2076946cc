"""Lexical side of retrieval: jieba tokens without stopwords, and the domain lexicon.

Kept separate from the BM25 index so the same tokens drive indexing, querying, the
"how much of the question is covered" abstention signal and answer-sentence selection.

The domain lexicon is reviewed data in bot/kb/resources/:
- bridges.txt: everyday words → the terms documents use (看病 → 医疗, 五保户 → 特困人员); the
  document terms are appended to the query so BM25 and the embedding see the document's words.
- policy_terms.txt: the programmes, benefits and groups a question can name (低保, 新农合, 贴息 …),
  one concept a line. A question that names one is about it: a passage that names none of the
  concept's terms cannot answer it, whatever its cosine (`concepts_named`, `names`).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import jieba

from bot.kb.normalize import to_simplified

log = logging.getLogger(__name__)

_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_TOKEN_OK = re.compile(r"[\u3400-\u9fffA-Za-z0-9]")
_NEGATED = re.compile(r"(?:不是|不属于|不算|并非|并不是|非)$")
_init_lock = threading.Lock()
_initialised = False


def ensure_jieba() -> None:
    """jieba builds its prefix dictionary lazily and not thread-safely: do it once, under a lock,
    with the lexicon's words added, so every caller (search, typo reading) cuts words the same way."""
    global _initialised
    if _initialised:
        return
    with _init_lock:
        if not _initialised:
            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            for words in bridges().values():
                for word in words:
                    jieba.add_word(word)
            for word in bridges():
                jieba.add_word(word)
            for concept in _policy_lines():
                for word in concept:
                    jieba.add_word(word)
            _initialised = True


def _resource_lines(name: str) -> list[str]:
    text = resources.files("bot.kb.resources").joinpath(name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    return frozenset(word for line in _resource_lines("stopwords.txt") for word in line.split())


@lru_cache(maxsize=1)
def bridges() -> dict[str, tuple[str, ...]]:
    """Everyday word → document terms, from bridges.txt."""
    table: dict[str, tuple[str, ...]] = {}
    for line in _resource_lines("bridges.txt"):
        colloquial, _, formal = line.partition(" ")
        table[colloquial.strip()] = tuple(w.strip() for w in formal.split(",") if w.strip())
    return table


@lru_cache(maxsize=1)
def _policy_lines() -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(line.split()) for line in _resource_lines("policy_terms.txt"))


@dataclass(frozen=True)
class Concept:
    """A policy a question names: `named` is the question's word, `terms` what a passage may say."""

    named: str
    terms: tuple[str, ...]


@lru_cache(maxsize=1)
def _concept_table() -> dict[str, tuple[str, ...]]:
    """Every word that names a concept → all terms that count as naming it in a passage.

    A policy term on several lines gets the union of its lines; a bridge names a concept when
    its first document term is a policy term (娃上学 → 教育资助, not 利息 → 利率).
    """
    table: dict[str, list[str]] = {}
    for line in _policy_lines():
        for word in line:
            table.setdefault(word, []).extend(line)
    for colloquial, formals in bridges().items():
        if formals and formals[0] in table and colloquial not in table:
            terms = [t for f in formals if f in table for t in table[f]]
            table[colloquial] = [*formals, *terms]
    return {word: tuple(dict.fromkeys(terms)) for word, terms in table.items()}


def concepts_named(question: str) -> list[Concept]:
    """The policy concepts a question names, longest words first, each span of it counted once.

    "低保边缘家庭" names 低保边缘 only (not also 低保); "城里的低保" names 低保. A policy the
    question rules out ("家里不是低保户，…") is not one it asks about.
    """
    text = to_simplified(question).lower()
    table = _concept_table()
    claimed = [False] * len(text)
    found: list[Concept] = []
    for word in sorted(table, key=len, reverse=True):
        start = text.find(word)
        while start >= 0:
            end = start + len(word)
            if not any(claimed[start:end]):
                claimed[start:end] = [True] * len(word)
                if _NEGATED.search(text[max(0, start - 3) : start]):
                    start = text.find(word, end)
                    continue
                concept = Concept(word, table[word])
                if all(c.terms != concept.terms for c in found):
                    found.append(concept)
            start = text.find(word, end)
    return found


# A county or township the question names ("建水县那边…"): an answer from another place's documents
# would mislead. jieba finds the name's boundary (听说/建水县, 石岭/县); generic words (全县, 本镇,
# 乡镇, 俺们县) are not names.
_PLACE_SUFFIX = "县镇乡"
_NOT_A_NAME = set("我你他她咱俺们这那本全该各邻外哪每某到去在回从城乡镇县村市区州省")


def places_named(question: str) -> list[Concept]:
    """Place names in the question (X县 / X镇 / X乡) as concepts a passage must name."""
    text = to_simplified(question)
    if not any(c in text for c in _PLACE_SUFFIX):
        return []  # no name can end here; spares loading jieba's tagger (53 MB, ~0.3 s) for most questions
    ensure_jieba()
    from jieba import posseg  # deferred: its import loads the part-of-speech table (see above)

    pairs = [(p.word, p.flag) for p in posseg.lcut(text)]
    out: list[Concept] = []
    for i, (word, _flag) in enumerate(pairs):
        name = ""
        if len(word) >= 3 and word[-1] in _PLACE_SUFFIX and _CJK_RUN.fullmatch(word):
            name = word
        elif (
            word in _PLACE_SUFFIX
            and i
            and len(pairs[i - 1][0]) >= 2
            and _CJK_RUN.fullmatch(pairs[i - 1][0])
            and pairs[i - 1][1].startswith("n")  # 石岭/县 but not 报给/县: a name or a noun
        ):
            name = pairs[i - 1][0] + word
        if name and name[0] not in _NOT_A_NAME and name[-2] not in _NOT_A_NAME:
            out.append(Concept(name, (name, name[:-1])))  # "开江模式" is about 开江县 too
    return out


# "用微信怎么交医保？": the means the question names is part of what it asks; an answer about
# paying at a bank counter does not answer it.
_MEANS = re.compile(
    r"(?:(?:用|通过|拿)([\u4e00-\u9fffA-Za-z]{2,6}?)|在([\u4e00-\u9fffA-Za-z]{2,6}?)上)(?:怎么|咋|如何|能不能|能|可以)"
)
_NOT_MEANS = {"什么", "哪里", "哪儿", "哪个", "这个", "那个", "村里", "家里", "县里", "乡里", "镇上", "外地", "本地"}


def means_named(question: str) -> list[Concept]:
    """The tool or channel a question names ("用微信怎么…" → 微信) as a concept a passage must name."""
    out: list[Concept] = []
    text = to_simplified(question)
    ensure_jieba()
    words = set(jieba.lcut(text))
    for match in _MEANS.finditer(text):
        word = match.group(1) or match.group(2)
        # The means is a word of the question: "在村卫生室拿药一年能报多少钱" fetches medicine
        # (拿药/一年/能), it names no "药一年" to pay with.
        if word in words and word not in _NOT_MEANS and word not in stopwords():
            out.append(Concept(word, (word.lower(),)))
    return out


def names(concept: Concept, text: str) -> bool:
    """Whether simplified, lower-cased `text` names the concept."""
    return any(term in text for term in concept.terms)


def tokens(text: str) -> list[str]:
    """Search-mode jieba tokens of simplified `text`, stopwords and punctuation removed."""
    ensure_jieba()
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
        for colloquial, formals in bridges().items()
        if colloquial in simplified
        for formal in formals
        if formal not in simplified
    ]
    return simplified + (" " + " ".join(dict.fromkeys(extra)) if extra else "")


def tokens_many(texts: Iterable[str]) -> list[list[str]]:
    return [tokens(t) for t in texts]
