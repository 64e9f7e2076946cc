"""The narrow seam to the knowledge base, plus category suggestion on intake.

The knowledge base is built elsewhere; the helpdesk depends only on the `PolicyLookup` protocol so
any search (BM25, dense, hybrid) can be plugged in. `KeywordOverlapLookup` is a small real
implementation for tests, demos and as a fallback when no index is available.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class PolicyHint:
    """A policy passage that may apply to a request, as returned by the knowledge base."""

    title: str
    section: str
    text: str
    score: float


@runtime_checkable
class PolicyLookup(Protocol):
    """Search the knowledge base: the `k` most relevant passages for `text`, best first."""

    def __call__(self, text: str, k: int) -> list[PolicyHint]: ...


_CJK_OR_WORD = re.compile(r"[\u4e00-\u9fff]+|[A-Za-z0-9]+")


def _bigrams(text: str) -> set[str]:
    """Character bigrams of CJK runs (Chinese has no spaces) plus whole Latin/digit words."""
    grams: set[str] = set()
    for run in _CJK_OR_WORD.findall(text):
        if run.isascii():
            grams.add(run.lower())
        elif len(run) == 1:
            grams.add(run)
        else:
            grams.update(run[i : i + 2] for i in range(len(run) - 1))
    return grams


class KeywordOverlapLookup:
    """Ranks passages by the share of the query's character bigrams they contain.

    Crude but honest: it needs no model and no index, which is what tests and offline demos need.
    """

    def __init__(self, passages: Iterable[PolicyHint], min_score: float = 0.05) -> None:
        self._passages = [(p, _bigrams(f"{p.title}\n{p.section}\n{p.text}")) for p in passages]
        self._min_score = min_score

    def __call__(self, text: str, k: int) -> list[PolicyHint]:
        query = _bigrams(text)
        if not query or k <= 0:
            return []
        scored: list[PolicyHint] = []
        for passage, grams in self._passages:
            score = len(query & grams) / len(query)
            if score >= self._min_score:
                scored.append(PolicyHint(passage.title, passage.section, passage.text, round(score, 4)))
        scored.sort(key=lambda h: h.score, reverse=True)
        return scored[:k]


@dataclass(frozen=True)
class CategorySuggestion:
    category: str
    score: float
    matched: tuple[str, ...]  # keywords that fired, for the cadre to see why


# A keyword in the villager's own words counts more than one in a retrieved policy passage.
_DESCRIPTION_WEIGHT = 1.0
_HINT_WEIGHT = 0.5


def suggest_category(
    description: str,
    hints: Sequence[PolicyHint],
    keywords: Mapping[str, Sequence[str]],
    categories: Sequence[str],
    fallback: str,
) -> CategorySuggestion:
    """Pick the category whose keywords best match the description and the retrieved policies.

    Hint matches are weighted by the hint's retrieval score, so a weakly related passage barely
    moves the decision. Ties go to the category listed first in the configuration.
    """
    best = CategorySuggestion(fallback, 0.0, ())
    for category in categories:
        words = keywords.get(category, ())
        score = 0.0
        matched: list[str] = []
        for word in words:
            if word in description:
                score += _DESCRIPTION_WEIGHT
                matched.append(word)
            hint_score = sum(h.score for h in hints if word in h.title or word in h.text)
            if hint_score:
                score += _HINT_WEIGHT * min(hint_score, 1.0)
        if score > best.score:
            best = CategorySuggestion(category, round(score, 4), tuple(matched))
    return best
