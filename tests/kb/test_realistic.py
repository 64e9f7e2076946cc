"""The realistic county corpus (tests/data/realistic: a 实施办法 .docx with a Word table, a Q&A .txt, a
PDF notice with page headers and a grid table, an HTML guide in site chrome, a Markdown 解读, a GBK
.txt, a traditional-Chinese reprint) scored with the real model, answers from the product's pipeline.

The floors are data, about one question under what the shipped pipeline scores, so a change that
loses answers fails here. Issue 10's targets are recall@1 0.85, recall@5 0.97, answer_has_facts 0.85,
at most 1 unanswerable answered (met with the int8 embedder; the floors leave one question for
another runtime's rounding).
"""

from __future__ import annotations

import pytest

from bot.config import PROJECT_ROOT, Settings
from bot.kb.evaluate import evaluate, load_questions
from bot.llm import open_pipeline

REALISTIC = PROJECT_ROOT / "tests" / "data" / "realistic"
# Measured 2026-12-05 (session 6, int8): recall@1 0.867 (65/75), recall@5 0.973 (73/75), MRR 0.909,
# answer_has_facts 0.880 (66/75), 0 of 15 unanswerable answered. Floors one question under.
FLOORS = {"recall@1": 0.85, "recall@5": 0.96, "mrr": 0.89, "answer_has_facts": 0.86}
MAX_MISLEADING = 1


@pytest.mark.slow
def test_realistic_county_documents_meet_the_floors(tmp_path, embedder) -> None:
    from bot.kb import KnowledgeBase

    settings = Settings(data_dir=tmp_path / "data", kb_source=REALISTIC / "docs")
    kb = KnowledgeBase(settings, embedder=embedder)
    report = kb.ingest()
    assert not report.skipped, report.summary()  # every genre and format is read
    pipeline = open_pipeline(settings, kb)
    questions = load_questions(REALISTIC / "dev.jsonl")
    result = evaluate(questions, kb.search, k=5, answer_question=lambda q: pipeline.answer(q, 5).answer)
    metrics = result.metrics
    for name, floor in FLOORS.items():
        assert metrics[name] >= floor, (name, metrics, result.misses)
    assert metrics["misleading"] <= MAX_MISLEADING, result.misses
