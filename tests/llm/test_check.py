"""`python -m bot check` and the LLM settings: malformed values named, the endpoint probed."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from bot.config import Settings
from bot.ops import preflight
from tests.bot_cli import run_bot
from tests.fake_openai import FakeOpenAI, Reply


def llm_findings(settings: Settings) -> list[tuple[str, str]]:
    return [(f.level, f.message) for f in preflight.findings(settings, "run", timeout=1) if f.setting == "LLM_BASE_URL"]


def test_check_says_whether_the_endpoint_answers(tmp_path: Path, fake_llm: FakeOpenAI) -> None:
    base = {"data_dir": tmp_path, "llm_first_token_timeout": 2.0}
    settings = Settings(**base, llm_base_url=fake_llm.base_url, llm_model=fake_llm.model, llm_api_key="k-123")
    fake_llm.push(Reply("好"), Reply(status=404), Reply(status=500), Reply(raw=b"<html>proxy</html>"))
    where = f"{fake_llm.model} at {fake_llm.base_url}"
    ((level, message),) = llm_findings(settings)
    assert level == preflight.INFO and message.startswith(f"{where} answers (")
    assert llm_findings(settings) == [
        (preflight.WARNING, f"{where}: HTTP 404; no such model or path: LLM_BASE_URL usually ends in /v1, "
         "and LLM_MODEL must be a model it serves")
    ]
    assert llm_findings(settings) == [
        (preflight.WARNING, f"{where}: HTTP 500; answers fall back to the extractive ones")
    ]
    assert llm_findings(settings) == [(preflight.WARNING, f"{where} answered, but not with JSON")]
    first = fake_llm.chat_requests()[0]
    assert first.body["max_tokens"] == 1 and first.headers["Authorization"] == "Bearer k-123"
    assert llm_findings(Settings(**base)) == [], "no model configured: nothing to check"

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}/v1"
    ((level, message),) = llm_findings(Settings(**base, llm_base_url=closed, llm_model="m"))
    assert level == preflight.WARNING and message.startswith(f"no answer from m at {closed} (")


@pytest.mark.parametrize(
    ("env", "line"),
    [
        ({"LLM_MODEL": "qwen"}, "LLM_MODEL: set LLM_BASE_URL too (the model server's address), or leave LLM_MODEL unset"),
        ({"LLM_BASE_URL": "http://10.0.0.5:8000/v1"}, "LLM_MODEL: required when LLM_BASE_URL is set"),
        ({"LLM_BASE_URL": "10.0.0.5:8000", "LLM_MODEL": "q"}, "LLM_BASE_URL: must be an http:// or https:// URL"),
        ({"LLM_TIMEOUT": "0", "LLM_BASE_URL": "", "LLM_MODEL": ""}, "LLM_TIMEOUT: Input should be greater than 0"),
    ],
)
def test_check_names_a_malformed_llm_setting(tmp_path: Path, env: dict[str, str], line: str) -> None:
    out = run_bot(["check", "--for", "ingest"], tmp_path, {"DATA_DIR": str(tmp_path / "data"), **env})
    assert out.returncode == 2, out.stdout + out.stderr
    lines = [x.strip() for x in out.stderr.splitlines()]
    assert lines[0].startswith("configuration error") and lines[1].startswith(line) and len(lines) == 2
