"""Retrieval and answer evaluation on a question file such as tests/data/realistic/dev.jsonl.

A question is answered at rank r when the r-th returned passage contains its gold phrase after
`normalize_for_match` (traditional → simplified, pinyin glosses dropped, only CJK, letters and
digits compared). Questions with an empty gold phrase are unanswerable and must be abstained.

Passages are only half of it: a villager reads the composed answer. When the caller passes the
product's answer function (the kb layer cannot import the answer layer, so it is handed in; the
CLI passes the answer pipeline a user's question goes through), every question is also answered
exactly as a user would be answered and scored on that text:
`answer_has_facts` (answers holding every `answer_must` fact, same normalisation), `misleading`
(unanswerable questions answered), `false_refusals` (answerable questions refused) and the median
answer length; `by_kind` breaks the figures down per question `kind`.
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from bot.kb.normalize import normalize_for_match
from bot.kb.search import SearchResult


class ComposedAnswer(Protocol):
    """What the answer layer hands a user: the text and whether it claims to answer."""

    answer: str
    grounded: bool


AnswerQuestion = Callable[[str], ComposedAnswer]


@dataclass
class _Tally:
    """Counts for one group of questions (the whole file, or one `kind`)."""

    answerable: int = 0
    unanswerable: int = 0
    hits_at_1: int = 0
    hits_at_k: int = 0
    reciprocal_ranks: float = 0.0
    grounded: int = 0
    abstained: int = 0
    with_facts: int = 0  # answerable questions that list answer_must facts
    has_facts: int = 0
    answered: int = 0  # answerable questions the composed answer answers
    misleading: int = 0  # unanswerable questions the composed answer answers
    lengths: list[int] = field(default_factory=list)

    def metrics(self, k: int, answers: bool) -> dict[str, float]:
        a = max(self.answerable, 1)
        out = {
            "recall@1": self.hits_at_1 / a,
            f"recall@{k}": self.hits_at_k / a,
            "mrr": self.reciprocal_ranks / a,
            "grounded_answerable": self.grounded / a,
            "abstained_unanswerable": self.abstained / self.unanswerable if self.unanswerable else 1.0,
        }
        if answers:
            if self.with_facts:
                out["answer_has_facts"] = self.has_facts / self.with_facts
            out["misleading"] = float(self.misleading)
            out["false_refusals"] = (self.answerable - self.answered) / a
            out["median_answer_chars"] = float(statistics.median(self.lengths)) if self.lengths else 0.0
        return out


@dataclass
class EvalReport:
    k: int = 5
    answers: bool = False  # scored composed answers too
    total: _Tally = field(default_factory=_Tally)
    kinds: dict[str, _Tally] = field(default_factory=lambda: defaultdict(_Tally))
    misses: list[dict] = field(default_factory=list)

    @property
    def answerable(self) -> int:
        return self.total.answerable

    @property
    def unanswerable(self) -> int:
        return self.total.unanswerable

    @property
    def metrics(self) -> dict[str, float]:
        return self.total.metrics(self.k, self.answers)

    @property
    def by_kind(self) -> dict[str, dict[str, float]]:
        return {
            kind: {"n": float(t.answerable + t.unanswerable), **t.metrics(self.k, self.answers)}
            for kind, t in sorted(self.kinds.items())
        }

    def table(self) -> str:
        rows = [f"| {name} | {_fmt(name, value)} |" for name, value in self.metrics.items()]
        head = (
            f"{self.answerable} answerable, {self.unanswerable} unanswerable questions\n\n"
            "| metric | value |\n|---|---|"
        )
        out = [head, *rows]
        if len(self.kinds) > 1 or (self.kinds and "" not in self.kinds):
            names = list(self.metrics)
            out += ["", "| kind | n | " + " | ".join(names) + " |", "|---" * (len(names) + 2) + "|"]
            for kind, values in self.by_kind.items():
                cells = " | ".join(
                    _fmt(name, values[name]) if name in values else "-" for name in names
                )
                out.append(f"| {kind or '-'} | {int(values['n'])} | {cells} |")
        return "\n".join(out)


def _fmt(name: str, value: float) -> str:
    return f"{value:.0f}" if name in ("misleading", "median_answer_chars") else f"{value:.3f}"


class QuestionFileError(ValueError):
    """A question file that cannot be scored; the message names the file and line."""


def load_questions(path: Path) -> list[dict]:
    """JSON lines with at least "q" (the question) and optionally "gold" ("" = unanswerable),
    "answer_must" (facts a correct answer contains) and "kind" (for the breakdown)."""
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
        facts = record.get("answer_must", [])
        if not isinstance(facts, list) or not all(isinstance(f, str) and f.strip() for f in facts):
            raise QuestionFileError(f'{path}, line {number}: "answer_must" must be a list of non-empty strings')
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


def missing_facts(facts: Iterable[str], answer: str) -> list[str]:
    """The `answer_must` facts the answer text does not contain (README matching rule)."""
    text = normalize_for_match(answer)
    return [f for f in facts if normalize_for_match(f) not in text]


def evaluate(
    questions: Iterable[dict],
    search: Callable[[str, int], SearchResult],
    k: int = 5,
    answer_question: AnswerQuestion | None = None,
) -> EvalReport:
    """Score `search` (and, given the product's answer function, the answers users would read)."""
    report = EvalReport(k=k, answers=answer_question is not None)
    for q in questions:
        result = search(q["q"], k)
        answer = answer_question(q["q"]) if answer_question is not None else None
        tallies = (report.total, report.kinds[q.get("kind", "")])
        miss = {"id": q.get("id"), "q": q["q"], "rank": None, "grounded": result.grounded,
                "dense_top": round(result.dense_top, 3), "coverage": round(result.coverage, 3)}  # fmt: skip
        wrong = False
        if q.get("gold"):
            rank = rank_of(q["gold"], result)
            miss["rank"] = rank
            wrong = rank != 1 or not result.grounded
            lacking: list[str] = []
            for t in tallies:
                t.answerable += 1
                t.hits_at_1 += rank == 1
                t.hits_at_k += rank is not None
                t.reciprocal_ranks += 1 / rank if rank else 0.0
                t.grounded += result.grounded
            if answer is not None:
                facts = q.get("answer_must") or []
                lacking = missing_facts(facts, answer.answer) if answer.grounded else list(facts)
                for t in tallies:
                    t.answered += answer.grounded
                    t.with_facts += bool(facts)
                    t.has_facts += bool(facts) and answer.grounded and not lacking
                if not answer.grounded or lacking:
                    wrong = True
                    miss["lacking"] = lacking
        else:
            for t in tallies:
                t.unanswerable += 1
                t.abstained += not result.grounded
            wrong = result.grounded
            if answer is not None:
                for t in tallies:
                    t.misleading += answer.grounded
                wrong = answer.grounded
        if answer is not None:
            miss["answered"] = answer.grounded
            if answer.grounded:
                for t in tallies:
                    t.lengths.append(len(answer.answer))
                miss["answer"] = answer.answer
        if wrong:
            report.misses.append(miss)
    return report
