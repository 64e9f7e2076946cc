"""Retrieval quality and behaviour on the bundled knowledge base, with the real model and Chroma."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from bot import texts
from bot.answer import compose
from bot.config import PROJECT_ROOT
from bot.kb.evaluate import evaluate, load_questions
from bot.kb.normalize import normalize_for_match
from tests.conftest import DEV_QUESTIONS


@pytest.mark.slow
def test_dev_questions_meet_the_bar(seeded_kb) -> None:
    report = evaluate(load_questions(DEV_QUESTIONS), seeded_kb.search, k=5)
    m = report.metrics
    assert m["recall@5"] >= 0.95, report.misses
    assert m["recall@1"] >= 0.80, report.misses
    assert m["mrr"] >= 0.85, report.misses
    assert m["grounded_answerable"] >= 0.95, report.misses
    assert m["abstained_unanswerable"] == 1.0, report.misses


@pytest.mark.parametrize(
    ("name", "bars"),
    [  # recall@1, recall@5, MRR: about two questions below what the shipped pipeline scores
        ("heldout.jsonl", (0.75, 0.85, 0.80)),  # measured 0.795 / 0.886 / 0.837 (44 answerable)
        ("fresh.jsonl", (0.73, 0.84, 0.78)),  # measured 0.778 / 0.889 / 0.816 (45 answerable)
    ],
)
@pytest.mark.slow
def test_questions_written_after_tuning_hold_up(seeded_kb, name: str, bars: tuple[float, ...]) -> None:
    """Question files written after tuning (fresh.jsonl blind, by someone who never saw retrieval
    output); the ranking bar is lower than dev's but catches overfitting. Abstention stays
    strict: an unanswerable question answered is wrong advice to a household (adding generic
    handbooks to the index once let 2 of 16 through; a looser bar here did not notice)."""
    report = evaluate(load_questions(PROJECT_ROOT / "tests" / "data" / name), seeded_kb.search, k=5)
    m = report.metrics
    assert m["recall@1"] >= bars[0], report.misses
    assert m["recall@5"] >= bars[1], report.misses
    assert m["mrr"] >= bars[2], report.misses
    assert m["grounded_answerable"] >= 0.90, report.misses
    assert m["abstained_unanswerable"] == 1.0, report.misses


def test_a_question_for_a_sum_the_documents_never_state_is_not_answered(seeded_kb) -> None:
    """Every word of it is in a passage about cadre pay, which names no amount: retrieval alone
    calls it covered; the answer-type check does not."""
    result = seeded_kb.search("村干部每个月的基本报酬标准是多少钱？", 5)
    assert any("报酬" in hit.chunk.text for hit in result.hits)
    assert not result.grounded and result.unstated is not None
    answer = compose(result)
    assert answer.answer == texts.NOT_COVERED_FIGURE.format(what="金额") and not answer.sources
    stated = seeded_kb.search("开江县2016年到位了多少资金？", 5)  # "到位各类资金1.2亿元"
    assert stated.grounded and stated.unstated is None
    assert "1.2亿元" in compose(stated).answer, "the sentence stating the sum is part of the answer"


def test_traditional_and_simplified_queries_agree(seeded_kb) -> None:
    simp = seeded_kb.search("开江县党组织联建采取了哪些方式？", 3)
    trad = seeded_kb.search("開江縣黨組織聯建採取了哪些方式？", 3)
    assert simp.hits[0].chunk.id == trad.hits[0].chunk.id
    assert simp.grounded and trad.grounded


def test_passages_are_simplified_and_clean(seeded_kb) -> None:
    result = seeded_kb.search("扶贫关键在扶志", 5)
    for hit in result.hits:
        assert "(xiāng)" not in hit.chunk.text and "鄉" not in hit.chunk.text
        assert "国产一区" not in hit.chunk.text
        assert hit.chunk.title


def test_hits_are_distinct_and_scored(seeded_kb) -> None:
    result = seeded_kb.search("驻村工作队要做哪些工作", 5)
    assert len(result.hits) == 5
    assert len({h.chunk.id for h in result.hits}) == 5
    scores = [h.score for h in result.hits]
    assert scores == sorted(scores, reverse=True) and 0 <= scores[-1] <= scores[0] <= 1


def test_answer_cites_numbered_sources(seeded_kb) -> None:
    answer = compose(seeded_kb.search("村里办事没钱，运转经费怎么保障？"))
    assert answer.grounded and len(answer.sources) == 1, "one passage answers: never stitched from several"
    assert answer.answer.startswith(texts.ANSWER_HEADER) and answer.answer.endswith("[1]")
    # every sentence of the answer is copied from the cited passage (up to punctuation): nothing is made up
    source = normalize_for_match(answer.sources[0].text)
    for sentence in re.split(r"[。；！？]", answer.body.removesuffix("[1]")):
        assert normalize_for_match(sentence) in source, sentence
    rendered = answer.render()
    assert texts.SOURCES_HEADER in rendered and "[1] 《" in rendered


@pytest.mark.parametrize("question", ["给我讲个笑话吧", "城乡居民养老保险一年交多少？", "今天天气怎么样"])
def test_uncovered_questions_get_an_honest_reply(seeded_kb, question: str) -> None:
    answer = compose(seeded_kb.search(question))
    assert not answer.grounded and answer.sources == [] and answer.answer == texts.NOT_COVERED


def test_empty_knowledge_base_abstains(make_kb) -> None:
    kb = make_kb()
    result = kb.search("低保怎么申请")
    assert result.hits == [] and not result.grounded


@pytest.mark.slow
def test_ask_cli_json_lines(seeded_kb, model_settings) -> None:
    env = {**os.environ, "DATA_DIR": str(seeded_kb.settings.data_dir),
           "KB_SOURCE": str(seeded_kb.settings.kb_source),
           "MODEL_CACHE": str(model_settings.model_cache_dir)}
    out = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--k", "3"],
        input="扶贫最关键是扶什么？\n\n给我讲个笑话吧\n", env=env,
        capture_output=True, text=True, timeout=600, check=True,
    ).stdout.strip().splitlines()
    rows = [json.loads(line) for line in out]
    assert [r["question"] for r in rows] == ["扶贫最关键是扶什么？", "", "给我讲个笑话吧"]
    first = rows[0]
    assert set(first) == {"question", "answer", "grounded", "sources", "mode", "gate"} and first["grounded"]
    assert (first["mode"], first["gate"]) == ("extractive", None)  # no LLM_BASE_URL: no model
    assert 1 <= len(first["sources"]) <= 3
    assert set(first["sources"][0]) == {"title", "source", "section", "text", "score", "ocr"}
    assert first["sources"][0]["ocr"] is False  # the seeds are text files, not scans
    assert rows[1]["answer"] == texts.EMPTY_QUESTION and not rows[1]["grounded"]
    assert rows[2]["answer"] == texts.NOT_COVERED and rows[2]["sources"] == []
