"""`python -m bot ask --json` with a model configured: each scripted path gives its `mode` and
`gate`; without the settings the output is the extractive answer with mode "extractive"."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot import texts
from bot.__main__ import main
from bot.config import Settings
from tests.fake_openai import FakeOpenAI, Reply, Request, citing, question_of
from tests.llm.conftest import HOUSING_Q, MEDICAL_Q, NOT_COVERED_Q

pytestmark = pytest.mark.timeout(600)

INVENTED_Q = "D级危房重建每户补助多少？"
MISSING_Q = "危房改造找谁申请？"
REFUSED_Q = "医疗救助一年最多能报多少？"
GARBAGE_Q = "危房改造公示期几天？"
ERROR_Q = "危房改造打哪个电话问？"
SLOW_Q = "危房改造申请要多久评议完？"

SCRIPT = {
    HOUSING_Q: citing("3.5万元", "能补。D级危房重建每户3.5万元[{n}]。"),
    MEDICAL_Q: citing("押金", "不用交押金，先看病后付费[{n}]。"),
    INVENTED_Q: citing("3.5万元", "每户补助8万元[{n}]。"),
    MISSING_Q: lambda request: Reply("向村委会申请[12]。"),
    REFUSED_Q: lambda request: Reply("资料里没有写。"),
    GARBAGE_Q: lambda request: Reply("\x00\x01 ok ok ok"),
    ERROR_Q: lambda request: Reply(status=500),
    SLOW_Q: citing("5个工作日", "5个工作日内评议[{n}]。", first_token_delay=6.0),
}
EXPECTED = {
    HOUSING_Q: ("llm", "passed"),
    MEDICAL_Q: ("llm", "passed"),
    INVENTED_Q: ("extractive", "unsupported_figure"),
    MISSING_Q: ("extractive", "bad_citation"),
    REFUSED_Q: ("llm", "refused"),
    GARBAGE_Q: ("extractive", "garbage"),
    ERROR_Q: ("extractive", "http_error"),
    SLOW_Q: ("extractive", "timeout"),
    NOT_COVERED_Q: ("extractive", None),
    "": ("extractive", None),  # a blank line gets the "please ask" prompt
}


def respond(request: Request) -> Reply:
    return SCRIPT[question_of(request)](request)


def ask_json(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], questions: list[str]
) -> list[dict]:
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(f"{q}\n" for q in questions)))
    assert main(["ask", "--json"]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, llm_corpus: Path, model_settings: Settings) -> Path:
    monkeypatch.chdir(tmp_path)  # no .env from the working directory
    monkeypatch.setenv("MODEL_CACHE", str(model_settings.model_cache_dir))
    monkeypatch.setenv("KB_SOURCE", str(llm_corpus))
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    return tmp_path


def test_every_path_through_ask_json(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], fake_llm: FakeOpenAI
) -> None:
    # Without LLM settings: the extractive answer, mode "extractive", no gate; the model is not asked.
    plain = ask_json(monkeypatch, capsys, list(EXPECTED))
    assert [(row["mode"], row["gate"]) for row in plain] == [("extractive", None)] * len(EXPECTED)
    assert fake_llm.chat_requests() == []

    fake_llm.default = respond
    monkeypatch.setenv("LLM_BASE_URL", fake_llm.base_url)
    monkeypatch.setenv("LLM_MODEL", fake_llm.model)
    monkeypatch.setenv("LLM_FIRST_TOKEN_TIMEOUT", "3")
    monkeypatch.setenv("LLM_MAX_FAILURES", "10")
    rows = ask_json(monkeypatch, capsys, list(EXPECTED))
    assert {row["question"]: (row["mode"], row["gate"]) for row in rows} == EXPECTED
    by_question = {row["question"]: row for row in rows}
    extractive = {row["question"]: row for row in plain}

    ok = by_question[HOUSING_Q]
    assert ok["answer"] == f"{texts.ANSWER_HEADER}能补。D级危房重建每户3.5万元[1]。" and ok["grounded"]
    assert len(ok["sources"]) == 1 and "3.5万元" in ok["sources"][0]["text"]
    assert by_question[REFUSED_Q]["answer"] == texts.NOT_COVERED and not by_question[REFUSED_Q]["grounded"]
    for question, (mode, _gate) in EXPECTED.items():
        if mode == "extractive":  # every fallback is exactly the answer without a model
            fields = ("answer", "grounded", "sources")
            assert {f: by_question[question][f] for f in fields} == {f: extractive[question][f] for f in fields}
    asked = {question_of(r) for r in fake_llm.chat_requests()}
    assert NOT_COVERED_Q not in asked and "" not in asked, "the model is asked only about covered questions"



def test_eval_llm_reports_the_model_on_a_question_file(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], fake_llm: FakeOpenAI
) -> None:
    questions = cli_env / "q.jsonl"
    rows = [
        {"q": HOUSING_Q, "gold": "3.5万元", "answer_must": ["3.5万元"]},
        {"q": INVENTED_Q, "gold": "3.5万元", "answer_must": ["3.5万元"]},
        {"q": NOT_COVERED_Q, "gold": ""},
    ]
    questions.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    assert main(["eval", str(questions), "--llm"]) == 2
    assert "error: --llm needs LLM_BASE_URL and LLM_MODEL" in capsys.readouterr().err

    fake_llm.default = respond
    monkeypatch.setenv("LLM_BASE_URL", fake_llm.base_url)
    monkeypatch.setenv("LLM_MODEL", fake_llm.model)
    assert main(["eval", str(questions), "--json"]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert "llm" not in plain and fake_llm.chat_requests() == [], "without --llm the model is not asked"

    assert main(["eval", str(questions), "--json", "--llm"]) == 0
    out = json.loads(capsys.readouterr().out)
    llm = out["llm"]
    assert {name: llm[name] for name in ("llm_asked", "llm_answers", "gate_rejections", "llm_failures")} == {
        "llm_asked": 2, "llm_answers": 1, "gate_rejections": 1, "llm_failures": 0,
    }  # fmt: skip
    assert 0 < llm["latency_p50_s"] <= llm["latency_p95_s"]
    assert out["llm_fallbacks"] == [{"q": INVENTED_Q, "gate": "unsupported_figure"}]
    assert out["metrics"]["misleading"] == 0 and out["metrics"]["answer_has_facts"] == 1.0
    assert main(["eval", str(questions), "--llm"]) == 0
    table = capsys.readouterr().out
    assert "| gate_rejections | 1 |" in table and "gate: passed 1, unsupported_figure 1" in table
