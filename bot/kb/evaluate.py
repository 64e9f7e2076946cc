"""Retrieval evaluation on a question file such as tests/data/dev.jsonl.

A question is answered at rank r when the r-th returned passage contains its gold phrase after
`normalize_for_match` (traditional → simplified, pinyin glosses dropped, only CJK, letters and
digits compared). Questions with an empty gold phrase are unanswerable and must be abstained.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.kb.normalize import normalize_for_match
from bot.kb.search import SearchResult


@dataclass
class EvalReport:
    answerable: int = 0
    unanswerable: int = 0
    hits_at_1: int = 0
    hits_at_k: int = 0
    reciprocal_ranks: float = 0.0
    grounded: int = 0
    abstained: int = 0
    k: int = 5
    misses: list[dict] = field(default_factory=list)

    @property
    def metrics(self) -> dict[str, float]:
        a = max(self.answerable, 1)
        return {
            "recall@1": self.hits_at_1 / a,
            f"recall@{self.k}": self.hits_at_k / a,
            "mrr": self.reciprocal_ranks / a,
            "grounded_answerable": self.grounded / a,
            "abstained_unanswerable": self.abstained / max(self.unanswerable, 1) if self.unanswerable else 1.0,
        }

    def table(self) -> str:
        rows = [f"| {name} | {value:.3f} |" for name, value in self.metrics.items()]
        head = f"{self.answerable} answerable, {self.unanswerable} unanswerable questions\n\n| metric | value |\n|---|---|"
        return "\n".join([head, *rows])


class QuestionFileError(ValueError):
    """A question file that cannot be scored; the message names the file and line."""


def load_questions(path: Path) -> list[dict]:
    """JSON lines with at least "q" (the question) and optionally "gold" ("" = unanswerable)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise QuestionFileError(f"{path}: no such file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise QuestionFileError(f"{path}: cannot be read as UTF-8 text ({exc})") from exc
    questions: list[dict] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise QuestionFileError(f"{path}, line {number}: not valid JSON ({exc.msg})") from exc
        if not isinstance(record, dict) or not isinstance(record.get("q"), str) or not record["q"].strip():
            raise QuestionFileError(f'{path}, line {number}: expected an object with a non-empty "q"')
        if not isinstance(record.get("gold", ""), str):
            raise QuestionFileError(f'{path}, line {number}: "gold" must be a string ("" = unanswerable)')
        questions.append(record)
    if not questions:
        raise QuestionFileError(f"{path}: no questions in it")
    return questions


def rank_of(gold: str, result: SearchResult) -> int | None:
    want = normalize_for_match(gold)
    for rank, hit in enumerate(result.hits, 1):
        if want and want in normalize_for_match(f"{hit.chunk.section}\n{hit.chunk.text}"):
            return rank
    return None


def evaluate(questions: Iterable[dict], search: Callable[[str, int], SearchResult], k: int = 5) -> EvalReport:
    report = EvalReport(k=k)
    for q in questions:
        result = search(q["q"], k)
        if q.get("gold"):
            report.answerable += 1
            rank = rank_of(q["gold"], result)
            report.hits_at_1 += rank == 1
            report.hits_at_k += rank is not None
            report.reciprocal_ranks += 1 / rank if rank else 0.0
            report.grounded += result.grounded
            if rank != 1 or not result.grounded:
                report.misses.append({"id": q.get("id"), "q": q["q"], "rank": rank, "grounded": result.grounded,
                                      "dense_top": round(result.dense_top, 3),
                                      "coverage": round(result.coverage, 3)})
        else:
            report.unanswerable += 1
            report.abstained += not result.grounded
            if result.grounded:
                report.misses.append({"id": q.get("id"), "q": q["q"], "rank": None, "grounded": True,
                                      "dense_top": round(result.dense_top, 3),
                                      "coverage": round(result.coverage, 3)})
    return report
