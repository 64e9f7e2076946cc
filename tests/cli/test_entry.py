"""`python -m bot`: every command listed, one settings loader, one logging set-up."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

import bot.__main__ as entry
from bot.cli import build_parser
from bot.cli.common import load_settings


def test_the_entry_docstring_lists_every_command() -> None:
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    commands = set(sub.choices)
    assert {"run", "chat", "ingest", "ask", "eval", "requests", "admin", "check", "start", "health",
            "backup", "db"} == commands
    listed = {line.split()[0] for line in entry.__doc__.splitlines() if line.startswith("    ")}
    assert listed == commands


@pytest.mark.usefixtures("dotenv_enabled")
def test_log_level_is_read_from_the_settings_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    root = logging.getLogger()
    monkeypatch.setattr(root, "level", root.level)  # restored after the test
    (tmp_path / ".env").write_text("LOG_LEVEL=debug\n", "utf-8")  # .env counts, any case
    load_settings()
    assert root.level == logging.DEBUG
    (tmp_path / ".env").unlink()
    monkeypatch.delenv("LOG_LEVEL", raising=False)
    load_settings()
    assert root.level == logging.WARNING  # the one default


def test_a_malformed_log_level_is_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LOG_LEVEL", "loud")
    with pytest.raises(SystemExit) as exit_info:
        entry.main(["admin", "village", "list", "--database-url", f"sqlite:///{tmp_path / 'hd.db'}"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.splitlines()[1:] == ["  LOG_LEVEL: must be one of DEBUG, INFO, WARNING, ERROR (got 'LOUD')"]
    assert not (tmp_path / "hd.db").exists()


def test_a_question_imports_only_its_own_command_group() -> None:
    """`python -m bot ask` must not pay for the other groups' imports (help-desk admin, backup,
    operator commands): the cold-start budget of issue 13."""
    import subprocess
    import sys

    code = (
        "import sys; from bot.cli import build_parser; p = build_parser('ask'); "
        "print(sorted(m for m in sys.modules if m.startswith('bot.cli.')))"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['bot.cli.common', 'bot.cli.kb']"
    sub = next(a for a in build_parser("ask")._actions if a.dest == "command")
    assert set(sub.choices) == {"ingest", "ask", "eval"}
