"""Answers composed from the passages themselves — no language model, so nothing is invented.

The answer is the few sentences of the top passages that best cover the question's terms,
each marked with the number of its source. When retrieval says the knowledge base does not
cover the question, the answer says so and points to a person instead of guessing.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from bot import texts
from bot.kb import lexicon
from bot.kb.answer_type import states_quantity
from bot.kb.search import SearchResult

_SENTENCE = re.compile(r"[^。！？；!?;\n]+[。！？；!?;]?[”’」』）)]*")
MAX_ANSWER_CHARS = 200
MAX_SENTENCES = 3
MAX_SOURCES = 3
RELATIVE_FLOOR = 0.6  # a passage is cited only if its fused score is within this share of the best
FIGURE_BONUS = 20  # outweighs any term overlap: the figure asked for is the answer


@dataclass(frozen=True)
class Source:
    title: str
    source: str
    section: str
    text: str
    score: float
    ocr: bool = False  # passage read from a scan or photo: labelled 扫描件, it may hold misreadings


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    grounded: bool
    sources: list[Source]

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "answer": self.answer,
            "grounded": self.grounded,
            "sources": [asdict(s) for s in self.sources],
        }

    def render(self) -> str:
        """Plain-text form for the terminal: answer, then numbered sources."""
        if not self.grounded:
            return self.answer
        lines = [self.answer, "", texts.SOURCES_HEADER]
        lines += [f"[{n}] {source_label(s)}" for n, s in enumerate(self.sources, 1)]
        return "\n".join(lines)


def source_label(source: Source) -> str:
    scanned = texts.SOURCE_SCANNED if source.ocr else ""
    return f"《{source.title}》{scanned}" + (f" · {source.section}" if source.section else "")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(text) if len(s.strip()) > 1]


def compose(result: SearchResult) -> Answer:
    if result.unstated is not None:
        return Answer(result.question, texts.NOT_COVERED_FIGURE.format(what=result.unstated.value), False, [])
    if not result.grounded or not result.hits:
        return Answer(result.question, texts.NOT_COVERED, False, [])
    best = result.hits[0].score
    cited = [h for h in result.hits[:MAX_SOURCES] if h.score >= RELATIVE_FLOOR * best] or result.hits[:1]
    sources = [
        Source(h.chunk.title, h.chunk.source, h.chunk.section, h.chunk.text, round(h.score, 4), h.chunk.ocr)
        for h in cited
    ]
    terms = set(result.query_tokens)
    asked = result.asked

    # Score every sentence of the cited passages by the question terms it contains; earlier
    # (better) passages win ties. Keep the best one, then at most two more that also carry
    # question terms, within the length budget; restore reading order. A question for a sum or
    # an age leads with the sentence that states it (retrieval made sure one does).
    scored: list[tuple[float, int, int, str]] = []
    for n, hit in enumerate(cited):
        for pos, sentence in enumerate(sentences(hit.chunk.text)):
            overlap = sum(len(t) for t in set(lexicon.tokens(sentence)) & terms)
            if asked and states_quantity(asked, result.question, [sentence]):
                overlap += FIGURE_BONUS
            scored.append((overlap - 0.5 * n - 0.01 * pos, n, pos, sentence))
    scored.sort(key=lambda item: -item[0])
    chosen: list[tuple[int, int, str]] = []
    used = 0
    for weight, n, pos, sentence in scored:
        if chosen and (weight < 2 or used + len(sentence) > MAX_ANSWER_CHARS):
            continue
        chosen.append((n, pos, sentence))
        used += len(sentence)
        if len(chosen) >= MAX_SENTENCES:
            break
    chosen.sort()
    body = "".join(f"{sentence}[{n + 1}]" for n, _pos, sentence in chosen)
    return Answer(result.question, f"{texts.ANSWER_HEADER}{body}", True, sources)
