"""The gate every model answer passes before a villager sees it.

Rules (docs/llm.md), checked in this order; the first that fails names the verdict:
1. `empty`: nothing but whitespace and citation marks.
2. `refused`: the model says the passages do not answer (the reply starts with `REFUSAL`, the
   phrase the prompt tells it to use). Not a failure: the villager is told it is not covered.
3. `garbage`: not Chinese prose (fewer than two Chinese characters, more Latin letters than
   Chinese characters, template tokens such as `<|im_end|>`, U+FFFD).
4. `too_long`: longer than `MAX_REPLY_CHARS` (the prompt asks for one or two sentences).
5. `bad_citation`: a citation [n] names a passage the model was not given.
6. `no_citation`: the answer cites nothing.
7. `unsupported_figure`: a figure (amount, percentage, date, age, duration, count, phone number;
   see bot/llm/figures.py) that no *cited* passage states. A figure from an uncited passage, from
   the question or from the model's own arithmetic fails: the villager would take it as policy.

A passing answer is returned with its citations renumbered 1..m in order of first use, so the
sources under it are exactly the passages it cites. While the reply streams, `visible_prefix`
shows only whole sentences whose figures some passage states, so an invented figure never
reaches the screen even for a moment.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.llm import figures
from bot.llm.figures import CITATION

REFUSAL = "资料里没有写"
MAX_REPLY_CHARS = 300
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")
_JUNK = re.compile(r"<\||\|>|\ufffd|<(?:/?s|think)>")
_SENTENCE_END = re.compile(r"[。！？!?；;\n]")
_NON_WORD = re.compile(r"[\W_]+")


class Verdict(StrEnum):
    PASSED = "passed"
    REFUSED = "refused"
    EMPTY = "empty"
    GARBAGE = "garbage"
    TOO_LONG = "too_long"
    BAD_CITATION = "bad_citation"
    NO_CITATION = "no_citation"
    UNSUPPORTED_FIGURE = "unsupported_figure"

    @property
    def shown(self) -> bool:
        """The model's verdict stands (its answer, or its "not covered"), no extractive fallback."""
        return self in (Verdict.PASSED, Verdict.REFUSED)


@dataclass(frozen=True)
class GateResult:
    verdict: Verdict
    text: str = ""  # PASSED: the answer with citations renumbered to `cited`'s order
    cited: tuple[int, ...] = ()  # PASSED: 1-based numbers of the passages cited, in order of first use
    unsupported: tuple[str, ...] = ()  # figures no cited passage states, as written
    bad_citations: tuple[int, ...] = ()


def citations(text: str) -> list[int]:
    """Every passage number cited, in order, repeats included ("[1][2]", "[1,2]", "【1】")."""
    return [int(n) for m in CITATION.finditer(text) for n in re.split(r"\s*[,，、]\s*", m.group(1))]


def is_refusal(text: str) -> bool:
    return _NON_WORD.sub("", CITATION.sub("", text)).startswith(REFUSAL)


def _garbage(text: str) -> bool:
    cjk = len(_CJK.findall(text))
    return cjk < 2 or len(_LATIN.findall(text)) > cjk or bool(_JUNK.search(text))


def is_chinese(text: str) -> bool:
    """Chinese prose, not garbage (see rule 3)."""
    return not _garbage(CITATION.sub("", text))


def check(reply: str, passages: Sequence[str]) -> GateResult:
    """The verdict on a complete reply, given the passages numbered 1..len(passages) in the prompt."""
    text = reply.strip()
    bare = CITATION.sub("", text).strip()
    if not bare:
        return GateResult(Verdict.EMPTY)
    if is_refusal(text):
        return GateResult(Verdict.REFUSED)
    if _garbage(bare):
        return GateResult(Verdict.GARBAGE)
    if len(bare) > MAX_REPLY_CHARS:
        return GateResult(Verdict.TOO_LONG)
    cited = list(dict.fromkeys(citations(text)))
    bad = tuple(n for n in cited if not 1 <= n <= len(passages))
    if bad:
        return GateResult(Verdict.BAD_CITATION, bad_citations=bad)
    if not cited:
        return GateResult(Verdict.NO_CITATION)
    stated = set().union(*(figures.values(passages[n - 1]) for n in cited))
    unsupported = tuple(f.text for f in figures.extract(text) if not f.supported_by(stated))
    if unsupported:
        return GateResult(Verdict.UNSUPPORTED_FIGURE, unsupported=unsupported)
    return GateResult(Verdict.PASSED, renumber(text), tuple(cited))


def renumber(text: str) -> str:
    """Citations renumbered 1..m in order of first use, written "[1][2]". Numbering by first use
    is stable as text grows, so a streamed prefix is numbered as the finished answer will be."""
    order = {old: new for new, old in enumerate(dict.fromkeys(citations(text)), 1)}
    return CITATION.sub(lambda m: "".join(f"[{order[n]}]" for n in dict.fromkeys(citations(m.group(0)))), text)


def visible_prefix(partial: str, passages: Sequence[str]) -> str:
    """What of a reply still streaming may be shown: whole sentences, citations renumbered as
    `check` will, up to the first sentence with a figure no passage states or a citation that
    does not exist. When the reply passes, the finished answer starts with this text.

    Nothing is shown of a refusal or of a reply that is not Chinese prose. The final gate is
    stricter (figures must be in *cited* passages); the finished message replaces this text.
    """
    if is_refusal(partial) or _NON_WORD.sub("", CITATION.sub("", partial)) in REFUSAL:
        return ""
    stated = set().union(set(), *(figures.values(p) for p in passages))
    shown: list[str] = []
    start = 0
    for end in _SENTENCE_END.finditer(partial):
        sentence = partial[start : end.end()]
        start = end.end()
        if any(not 1 <= n <= len(passages) for n in citations(sentence)):
            break
        if any(not f.supported_by(stated) for f in figures.extract(sentence)):
            break
        shown.append(sentence)
    text = "".join(shown).strip()
    return "" if not text or _garbage(CITATION.sub("", text)) else renumber(text)
