"""Pinyin-input slips in questions, corrected against the words of the knowledge base.

Villagers type with a pinyin IME and pick the wrong candidate: 起伏线 for 起付线, 特捆 for 特困,
雨露计化 for 雨露计划, 保流 for 保留, 残积人证 for 残疾人证. Such a slip breaks both retrieval
signals: BM25 never sees the term, and the embedding model reads another word. The slip sounds
exactly like the intended word, so it is found by sound: a character pair of the question that
never occurs in the documents, while a pair with the same pinyin (tones ignored) and one
character in common occurs in them often, is read as that pair.

Why these guards: a question may use words the documents do not (俺家, 咋办); they are left alone
unless the documents hold a same-sounding pair sharing a character at least `MIN_COUNT` times,
and only one character of the pair is replaced, never both.
"""

from __future__ import annotations

import itertools
import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from functools import lru_cache

# pypinyin's phrase table (~45 MB resident) only picks the reading of a polyphone in context; a
# slip is matched against every reading of its characters instead (`_sounds`), so the table is
# not loaded. Set before the import, which reads it; an operator's own setting wins.
os.environ.setdefault("PYPINYIN_NO_PHRASES", "true")

import jieba
from pypinyin import Style, pinyin

from bot.kb.lexicon import ensure_jieba

__all__ = ["TypoFixer"]

MIN_COUNT = 2  # a correction must be a word the documents use at least this often
MAX_SOUNDS = 16  # readings kept per word: a word of four polyphones is not worth more
_CJK_WORD = re.compile(r"^[\u4e00-\u9fff]{2,4}$")


@lru_cache(maxsize=65536)
def _sounds(word: str) -> tuple[tuple[str, ...], ...]:
    """Every way the word can be read, tones ignored (银行: yin xing, yin hang, yin heng)."""
    readings = pinyin(word, style=Style.NORMAL, heteronym=True, errors="default")
    return tuple(itertools.islice(itertools.product(*readings), MAX_SOUNDS))


def _words(text: str) -> list[str]:
    ensure_jieba()  # the lexicon's words first: the same cuts as search, whatever ran before
    return [w for w in jieba.lcut(text) if _CJK_WORD.match(w)]


class TypoFixer:
    """Corrects same-sounding word slips against one knowledge base's words (one per index generation).

    A question word is corrected only when the documents never contain it and they use, at least
    `MIN_COUNT` times, a word that sounds the same and differs from it in exactly one character.
    Words are jieba's (accurate mode), so a pair across a word boundary ("能补多少" → 能不) is never
    a candidate.
    """

    def __init__(self, texts: Iterable[str]) -> None:
        texts = list(texts)
        self._corpus = "\n".join(texts)
        counts: Counter[str] = Counter(w for text in texts for w in _words(text))
        self._known = frozenset(counts)  # a word the documents use is no slip: no corpus scan needed
        self._by_sound: dict[tuple[str, ...], list[tuple[int, str]]] = defaultdict(list)
        for word, count in counts.items():
            if count >= MIN_COUNT:
                for sound in _sounds(word):
                    self._by_sound[sound].append((count, word))

    def _fix(self, word: str) -> str | None:
        if word in self._known:
            return None
        heard = {pair for sound in _sounds(word) for pair in self._by_sound.get(sound, ())}
        candidates = [
            (count, c) for count, c in heard
            if len(c) == len(word) and sum(a != b for a, b in zip(c, word, strict=True)) == 1
        ]
        # The scan of the whole corpus last, for the rare word with a same-sounding candidate: at
        # 10k passages it costs ~2 ms a word, most of a query's time when run for every word.
        if not candidates or word in self._corpus:
            return None
        return max(candidates)[1]

    def corrections(self, text: str) -> list[str]:
        """The documents' words that the question's slips stand for ("特捆人员" → ["特困人员"]).

        A word is also tried with the next one ("起伏" + "线" → 起付线), since the documents' word
        may be longer than the slip jieba found.
        """
        words = _words(text)
        tokens = [w for w in jieba.lcut(text) if w.strip()]
        for a, b in itertools.pairwise(tokens):
            if _CJK_WORD.match(a + b):
                words.append(a + b)
        out: list[str] = []
        for word in dict.fromkeys(words):
            fixed = self._fix(word)
            if fixed is not None and fixed not in out:
                out.append(fixed)
        return out
