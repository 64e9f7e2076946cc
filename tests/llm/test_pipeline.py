"""The answer pipeline against the fake OpenAI-compatible server over real HTTP, with the real
knowledge base: every scripted reply and failure, what leaves the process, the breaker,
condensing follow-ups, and the streamed text."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from bot import texts
from bot.answer import compose
from bot.config import PROJECT_ROOT, Settings
from bot.llm import open_pipeline
from bot.llm.breaker import BreakerState, CircuitBreaker
from bot.llm.pipeline import AnswerPipeline
from tests.fake_openai import FakeOpenAI, Reply, citing
from tests.llm.conftest import HOUSING_Q, MEDICAL_Q, NOT_COVERED_Q, llm_settings

pytestmark = pytest.mark.timeout(300)


def pipeline(kb, fake: FakeOpenAI, **overrides) -> AnswerPipeline:
    return open_pipeline(Settings(**llm_settings(fake, **overrides)), kb)


def body(outcome) -> str:
    return outcome.answer.answer.removeprefix(texts.ANSWER_HEADER)


GROUNDED = citing("3.5万元", "能补。D级危房重建每户3.5万元，C级加固每户1.5万元[{n}]。")


def test_a_grounded_cited_answer_is_shown_with_only_its_sources(llm_kb, fake_llm: FakeOpenAI) -> None:
    fake_llm.push(GROUNDED)
    streamed: list[str] = []
    outcome = pipeline(llm_kb, fake_llm).answer(HOUSING_Q, 5, on_text=streamed.append)
    assert (outcome.mode, outcome.gate) == ("llm", "passed")
    assert outcome.answer.answer == f"{texts.ANSWER_HEADER}能补。D级危房重建每户3.5万元，C级加固每户1.5万元[1]。"
    assert outcome.answer.grounded and len(outcome.answer.sources) == 1
    assert "3.5万元" in outcome.answer.sources[0].text
    assert streamed[0] == "能补。" and streamed[-1] == body(outcome)
    # The request: the real protocol, streamed, the configured model, numbered passages.
    (request,) = fake_llm.chat_requests()
    assert request.body["model"] == fake_llm.model and request.body["stream"] is True
    assert "[1] 《石岭县" in request.text and "问题：危房改造能补多少钱？" in request.text


@pytest.mark.parametrize(
    ("reply", "gate"),
    [
        (citing("3.5万元", "能补，每户最多5万元[{n}]。"), "unsupported_figure"),
        (Reply("能补，每户3.5万元[9]。"), "bad_citation"),
        (citing("3.5万元", "能补，每户3.5万元。"), "no_citation"),
        (Reply("Sure! Here is the answer: 3.5"), "garbage"),
        (Reply(""), "empty"),
        (Reply(status=429), "http_error"),
        (Reply(status=500), "http_error"),
        (Reply(raw=b"data: {not json\n\n"), "error"),
        (GROUNDED, "timeout"),  # a good reply, but its first token comes after the timeout (below)
    ],
    ids=["invented-figure", "missing-passage", "no-citation", "garbage", "empty", "429", "500", "bad-sse", "slow"],
)
def test_a_failing_answer_is_replaced_by_the_extractive_one(llm_kb, fake_llm: FakeOpenAI, reply, gate: str) -> None:
    if gate == "timeout":
        fake_llm.push(lambda request: Reply(GROUNDED(request).text, first_token_delay=6.0))
    else:
        fake_llm.push(reply)
    streamed: list[str] = []
    p = pipeline(llm_kb, fake_llm)
    outcome = p.answer(HOUSING_Q, 5, on_text=streamed.append)
    assert (outcome.mode, outcome.gate) == ("extractive", gate)
    assert outcome.answer == compose(llm_kb.search(HOUSING_Q, 5))
    assert p.counts[gate] == 1
    assert not any("5万元" in s and "3.5万元" not in s for s in streamed), "an invented figure was shown"


def test_a_refusal_is_shown_as_not_covered(llm_kb, fake_llm: FakeOpenAI) -> None:
    fake_llm.push(Reply("资料里没有写。"))
    outcome = pipeline(llm_kb, fake_llm).answer(MEDICAL_Q, 5)
    assert (outcome.mode, outcome.gate) == ("llm", "refused")
    assert outcome.answer.answer == texts.NOT_COVERED and not outcome.answer.grounded


def test_the_model_is_not_asked_when_retrieval_abstains(llm_kb, fake_llm: FakeOpenAI) -> None:
    outcome = pipeline(llm_kb, fake_llm).answer(NOT_COVERED_Q, 5)
    assert (outcome.mode, outcome.gate) == ("extractive", None)
    assert outcome.answer == compose(llm_kb.search(NOT_COVERED_Q, 5)) and not outcome.answer.grounded
    assert fake_llm.chat_requests() == []


def test_without_settings_the_answer_is_exactly_the_extractive_one(llm_kb) -> None:
    p = open_pipeline(Settings(), llm_kb)
    assert p.model is None
    for question in (HOUSING_Q, MEDICAL_Q, NOT_COVERED_Q):
        outcome = p.answer(question, 5)
        assert (outcome.mode, outcome.gate) == ("extractive", None)
        assert outcome.answer == compose(llm_kb.search(question, 5))


def test_phone_and_id_numbers_are_masked_before_they_leave(llm_kb, fake_llm: FakeOpenAI) -> None:
    fake_llm.push(GROUNDED)
    question = "我电话13812345678，身份证522101199001011234，危房改造能补多少钱？"
    pipeline(llm_kb, fake_llm).answer(question, 5)
    (request,) = fake_llm.chat_requests()
    assert "13812345678" not in request.text and "522101199001011234" not in request.text
    assert "138****5678" in request.text


def test_repeated_failures_open_the_breaker_and_a_probe_closes_it(llm_kb, fake_llm: FakeOpenAI) -> None:
    clock = FakeClock()
    p = AnswerPipeline(llm_kb, pipeline(llm_kb, fake_llm).model, CircuitBreaker(2, 60, clock))
    fake_llm.push(Reply(status=500), Reply(status=500))
    assert [p.answer(HOUSING_Q, 5).gate for _ in range(3)] == ["http_error", "http_error", "circuit_open"]
    assert len(fake_llm.chat_requests()) == 2, "the open breaker skipped the endpoint"
    assert p.breaker.state is BreakerState.OPEN
    clock.now += 60
    fake_llm.push(GROUNDED)
    assert p.answer(HOUSING_Q, 5).gate == "passed"
    assert p.breaker.state is BreakerState.CLOSED


class FakeClock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_follow_up_is_condensed_with_the_recent_turns(llm_kb, fake_llm: FakeOpenAI) -> None:
    fake_llm.push(
        Reply("危房改造公示期是几天？"),  # the condensing call
        citing("公示期为7天", "公示7天[{n}]。"),
    )
    history = [("危房改造找谁申请？电话13812345678", "向村民委员会提出申请。")]
    outcome = pipeline(llm_kb, fake_llm).answer("那公示几天？", 5, history=history)
    assert outcome.search_question == "危房改造公示期是几天？"
    assert (outcome.mode, outcome.gate) == ("llm", "passed") and body(outcome) == "公示7天[1]。"
    condense, answer = fake_llm.chat_requests()
    assert "村民：危房改造找谁申请？电话138****5678" in condense.text and "新问题：那公示几天？" in condense.text
    assert "13812345678" not in condense.text
    assert "问题：危房改造公示期是几天？" in answer.text


def test_a_failed_condensing_falls_back_to_the_extractive_answer(llm_kb, fake_llm: FakeOpenAI) -> None:
    fake_llm.push(Reply(status=500))
    outcome = pipeline(llm_kb, fake_llm).answer(HOUSING_Q, 5, history=[("低保怎么申请？", "向村委会申请。")])
    assert (outcome.mode, outcome.gate, outcome.search_question) == ("extractive", "http_error", HOUSING_Q)
    assert len(fake_llm.chat_requests()) == 1


def test_langchain_is_imported_only_when_a_model_is_configured() -> None:
    code = (
        "import sys; from bot.config import Settings; import bot.cli.kb; from bot.llm import open_pipeline; "
        "p = open_pipeline(Settings({}), None); "
        "print(sorted({{m.split('.')[0] for m in sys.modules if m.startswith(('langchain', 'openai'))}}))"
    )

    def loaded(settings: str) -> set[str]:
        run = subprocess.run(
            [sys.executable, "-c", code.format(settings)], cwd=PROJECT_ROOT, capture_output=True, text=True,
            timeout=300, env={"PYTHONPATH": str(PROJECT_ROOT), "PATH": "/usr/bin:/bin"},
        )
        assert run.returncode == 0, run.stderr
        return set(ast.literal_eval(run.stdout.strip()))

    assert loaded("") == set()
    configured = "llm_base_url='http://127.0.0.1:9/v1', llm_model='m'"
    assert {"langchain_core", "langchain_openai", "openai"} <= loaded(configured)


def test_the_knowledge_base_is_a_langchain_retriever(llm_kb) -> None:
    from langchain_core.documents import Document

    from bot.llm.retriever import KnowledgeBaseRetriever

    retriever = KnowledgeBaseRetriever(kb=llm_kb, k=3)
    docs = retriever.invoke(HOUSING_Q)
    hits = llm_kb.search(HOUSING_Q, 3).hits
    assert all(isinstance(d, Document) for d in docs) and len(docs) == 3
    assert [(d.page_content, d.metadata) for d in docs] == [
        (h.chunk.text, {"title": h.chunk.title, "section": h.chunk.section, "source": h.chunk.source,
                        "score": round(h.score, 4)})
        for h in hits
    ]
    assert retriever.invoke(NOT_COVERED_Q) == [], "retrieval abstains: no documents for a chain to use"
