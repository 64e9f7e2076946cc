"""`python -m bot chat` and `run`: the same Assistant in a terminal, driven by scripted input."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot import texts
from bot.__main__ import main
from bot.analytics import Analytics
from bot.assistant import Assistant, UserRef
from bot.config import PROJECT_ROOT, Settings
from bot.console import Session, run
from bot.helpdesk import OPERATOR, Helpdesk


@pytest.fixture
def assistant(tmp_path: Path, seeded_kb) -> Assistant:
    hd = Helpdesk.open(f"sqlite:///{tmp_path / 'hd.db'}")
    village = hd.directory.add_village(OPERATOR, "新寨村")
    hd.directory.bind_cadre(OPERATOR, 100, village.id, "第一书记", display_name="王书记")
    hd.directory.add_person(OPERATOR, 900, "赵管理", "admin")  # open_helpdesk does this from ADMIN_IDS
    yield Assistant(Settings(data_dir=tmp_path, admin_ids=[900]), seeded_kb, hd, Analytics.open("sqlite://"))
    hd.close()


def chat(assistant: Assistant, user: UserRef, script: str, tmp_path: Path) -> str:
    out = io.StringIO()
    assert run(Session(assistant, user, out, out_dir=tmp_path), io.StringIO(script)) == 0
    return out.getvalue()


def test_a_villager_asks_and_files_a_request(assistant: Assistant, tmp_path: Path) -> None:
    script = "\n".join(
        [
            "驻村工作队要做哪些工作",
            "1",  # press [1] 原文1
            "城乡居民养老保险一年交多少？",
            "/help_request",
            "3",  # 住房安全 (third category button)
            "家里房子漏雨 <b>不是标签</b>",
            "新寨村",
            "3组12号",  # 住址/户号
            "13812345678",
            "1",  # ✅ 提交
            "/mine",
            "/quit",
            "this line is never read",
        ]
    )
    text = chat(assistant, UserRef(500, "张大爷"), script, tmp_path)
    assert texts.ANSWER_HEADER in text and "[1] 原文1" in text and "│ " in text
    assert texts.NOT_COVERED.splitlines()[0] in text
    assert "第 6 步" in text and "<b>不是标签</b>" in text
    assert "工单编号" in text and "→ 用户 100:" in text  # the cadre's alert is shown too
    assert text.count("已派单") >= 1


def test_roles_in_the_terminal(assistant: Assistant, tmp_path: Path) -> None:
    assert texts.BOT_ADMIN_ONLY in chat(assistant, UserRef(500, "张大爷"), "/stats\n", tmp_path)
    cadre = chat(assistant, UserRef(100, "王书记"), "/duties\n/tickets\n", tmp_path)
    assert "驻村第一书记职责" in cadre and texts.BOT_TICKETS_EMPTY in cadre
    admin = chat(assistant, UserRef(900, "赵管理"), "/export\n/stats\n", tmp_path)
    assert "已保存到" in admin and any(p.suffix == ".xlsx" for p in tmp_path.iterdir())
    assert "使用统计" in admin


def test_python_m_bot_chat_runs_without_telegram(tmp_path: Path, model_settings: Settings) -> None:
    source = tmp_path / "kb"
    source.mkdir()
    shutil.copy(PROJECT_ROOT / "bot" / "assistant" / "duties" / "第一书记职责.md", source)
    env = {
        **os.environ,
        "MODEL_CACHE": str(model_settings.model_cache_dir),
        "TELEGRAM_BOT_TOKEN": "",
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--data-dir", str(tmp_path / "data"), "--source", str(source)],
        input="第一书记要做什么工作？\n/reload\n/quit\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "乡村政策助手" in result.stdout and texts.ANSWER_HEADER in result.stdout
    assert "第一书记" in result.stdout
    assert texts.BOT_ADMIN_ONLY in result.stdout  # a villager by default


def test_run_without_a_token_explains_what_to_do(tmp_path: Path) -> None:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": "", "DATA_DIR": str(tmp_path), "PYTHONPATH": str(PROJECT_ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN is not set" in result.stderr and "python -m bot chat" in result.stderr
    helped = subprocess.run(
        [sys.executable, "-m", "bot", "--help"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert "run" in helped.stdout and "chat" in helped.stdout


def test_chat_as_a_cadre_needs_a_village_first(
    tmp_path: Path, model_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "kb"
    source.mkdir()
    shutil.copy(PROJECT_ROOT / "bot" / "assistant" / "duties" / "第一书记职责.md", source)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MODEL_CACHE", str(model_settings.model_cache_dir))
    code = main(["chat", "--as", "cadre", "--data-dir", str(tmp_path / "data"), "--source", str(source)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.splitlines()[-1] == (
        "error: no village is registered yet; add one first: python -m bot admin village add 新寨村"
    )
