"""Bad input to `ingest`, `ask` and `eval` ends in one clear line and exit status 2, no traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.config import Settings


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse and the settings loader exit themselves
        code = int(exc.code or 0)
    return code, capsys.readouterr().err


@pytest.mark.parametrize("k", ["0", "51", "many"])
def test_ask_refuses_a_passage_count_outside_1_to_50(capsys: pytest.CaptureFixture[str], k: str) -> None:
    code, err = run(capsys, "ask", "--k", k, "低保怎么申请")
    assert code == 2 and "argument --k: expected a whole number from 1 to 50" in err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ('{"q": "低保怎么申请", "gold": ""}\n{"q": "x"\n', "line 2: not valid JSON"),
        ('["低保怎么申请"]\n', 'line 1: expected an object with a non-empty "q"'),
        ('{"q": "低保", "gold": 3}\n', 'line 1: "gold" must be a string'),
        ("\n\n", "no questions in it"),
    ],
)
def test_eval_names_the_file_and_line_it_cannot_use(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "questions.jsonl"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    code, err = run(capsys, "eval", str(path), "--data-dir", str(tmp_path / "data"))
    assert code == 2 and err.startswith(f"error: {path}") and message in err, err
    assert not (tmp_path / "data").exists(), "nothing is built for a file that cannot be scored"


def test_a_data_folder_that_cannot_be_created_is_named(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    code, err = run(capsys, "ingest", "--data-dir", str(blocker / "data"))
    assert code == 2 and f"error: cannot use the data folder {blocker / 'data'}" in err
    assert "Traceback" not in err


def test_a_malformed_setting_is_named_not_a_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TOP_K", "many")
    code, err = run(capsys, "ask", "低保怎么申请", "--data-dir", str(tmp_path))
    assert code == 2 and "TOP_K: " in err and "'many'" in err


def test_ask_and_eval_take_the_passage_count_from_top_k(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, model_settings: Settings
) -> None:
    source = tmp_path / "kb"
    source.mkdir()
    (source / "低保.txt").write_text("农村低保申请：向村委会提出书面申请，乡镇审核，县民政局审批。", "utf-8")
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"q": "低保怎么申请", "gold": "书面申请"}\n', "utf-8")
    monkeypatch.chdir(tmp_path)  # no .env from the working directory
    monkeypatch.setenv("MODEL_CACHE", str(model_settings.model_cache_dir))
    monkeypatch.setenv("KB_SOURCE", str(source))
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TOP_K", "3")

    def metrics(*extra: str) -> dict[str, float]:
        assert main(["eval", str(questions), "--json", *extra]) == 0
        return json.loads(capsys.readouterr().out)["metrics"]

    assert "recall@3" in metrics() and "recall@5" not in metrics()
    assert "recall@2" in metrics("--k", "2")  # the flag still wins
    monkeypatch.delenv("TOP_K")
    assert "recall@5" in metrics()  # TOP_K's own default
