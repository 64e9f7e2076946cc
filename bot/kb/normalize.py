"""Text normalisation shared by cleaning, indexing and evaluation.

The knowledge base is stored in simplified Chinese so that one query form matches every
document, whatever script the source was written in. `normalize_for_match` is the
evaluation's comparison rule: a passage answers a question when its normalised text
contains the normalised gold phrase, so punctuation, spacing, script and pinyin glosses
must not decide the outcome.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

__all__ = ["is_cjk", "normalize_for_match", "strip_pinyin_glosses", "to_simplified"]

# Tone-marked vowels (plus ü and the rare syllabic nasals) that only pinyin uses.
_TONE_MARKS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_PINYIN_LETTERS = "a-zü" + _TONE_MARKS
# A gloss directly follows a CJK character: 鄉(xiāng), 經（jīng）, or a two-syllable
# gloss for a word: 鄉鎮(xiāng zhèn). ASCII and full-width parentheses may be mixed.
_GLOSS_RE = re.compile(
    r"(?<=[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])"
    rf"[(（]\s*([{_PINYIN_LETTERS}]{{1,6}}(?:[\s'’-][{_PINYIN_LETTERS}]{{1,6}}){{0,3}})\s*[)）]"
)
_TONE_STRIP = str.maketrans(
    {
        **dict.fromkeys("āáǎà", "a"),
        **dict.fromkeys("ēéěè", "e"),
        **dict.fromkeys("īíǐì", "i"),
        **dict.fromkeys("ōóǒò", "o"),
        **dict.fromkeys("ūúǔù", "u"),
        **dict.fromkeys("ǖǘǚǜ", "ü"),
        **dict.fromkeys("ńňǹ", "n"),
        "ḿ": "m",
    }
)
# Syllable shape after removing tones: optional initial, vowel cluster, optional nasal/er coda.
_SYLLABLE_RE = re.compile(r"^(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?[aeiouü]{1,3}(?:ng|n|r)?$|^(?:ng|n|m)$")

# Unicode \w is letters (CJK included) and digits in any script, plus "_", which is dropped too.
_NON_WORD_RE = re.compile(r"[\W_]+")

_converter_lock = threading.Lock()


@lru_cache(maxsize=1)
def _t2s_converter() -> object:
    """Build the OpenCC converter once: loading its dictionaries costs tens of milliseconds."""
    import opencc

    return opencc.OpenCC("t2s")


_CACHED_MAX_CHARS = 400  # passages and their sentences: converted again on every question


def to_simplified(text: str) -> str:
    """Convert traditional Chinese to simplified (OpenCC t2s); simplified input is unchanged.

    Short texts are cached: answering one question converts each sentence of up to ten passages
    several times (scoring, the figure check, trimming), and the same passages come back.
    """
    if not text:
        return text
    if len(text) <= _CACHED_MAX_CHARS:
        return _to_simplified_cached(text)
    return _convert(text)


@lru_cache(maxsize=16384)
def _to_simplified_cached(text: str) -> str:
    return _convert(text)


def _convert(text: str) -> str:
    converter = _t2s_converter()
    # The C++ converter is not documented as thread-safe; indexing may run in a worker thread.
    with _converter_lock:
        return converter.convert(text)  # type: ignore[attr-defined]


# A gloss whose opening parenthesis was lost to mojibake upstream ("擔當?shù)意識"): tone-marked
# pinyin glued to a closing parenthesis is never real text.
_ORPHAN_GLOSS_RE = re.compile(rf"[?？]?(?<![a-zA-Z{_TONE_MARKS}])([{_PINYIN_LETTERS}]{{1,6}})[)）]")


def _is_pinyin_gloss(body: str) -> bool:
    """True for tone-marked pinyin such as 'xiāng' or 'xiāng zhèn', never for 'AI', '一', '2016年'."""
    if not any(ch in _TONE_MARKS for ch in body):
        return False  # untoned lower-case words (app, a, de) are too ambiguous to drop
    syllables = re.split(r"[\s'’-]+", body.strip())
    return all(_SYLLABLE_RE.match(s.translate(_TONE_STRIP)) for s in syllables if s)


def strip_pinyin_glosses(text: str) -> str:
    """Drop reading aids like 鄉(xiāng) → 鄉 that some sites inject after characters.

    Only parentheses holding tone-marked pinyin right after a CJK character are removed, so
    real parenthesised content — （一）, (2016年), (GDP), 县(区) — is kept.
    """
    if ")" not in text and "）" not in text:
        return text
    text = _GLOSS_RE.sub(lambda m: "" if _is_pinyin_gloss(m.group(1)) else m.group(0), text)
    return _ORPHAN_GLOSS_RE.sub(lambda m: "" if _is_pinyin_gloss(m.group(1)) else m.group(0), text)


def is_cjk(ch: str) -> bool:
    """CJK unified ideographs (basic, extension A, compatibility); what counts as Chinese text."""
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or "\uf900" <= ch <= "\ufaff"


def normalize_for_match(text: str) -> str:
    """Canonical form for answer matching: simplified, glosses dropped, only CJK/letters/digits.

    NFKC first folds full-width letters and digits (Ａ１ → a1) so they compare equal to ASCII.
    """
    text = unicodedata.normalize("NFKC", strip_pinyin_glosses(text))
    return _NON_WORD_RE.sub("", to_simplified(text).lower())
