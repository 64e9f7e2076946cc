"""Role handbooks: which questions ask a post's duties, and how the handbooks read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot import texts
from bot.assistant import duty_post_asked, markdown_blocks
from bot.assistant.duties import duty_blocks
from bot.config import PROJECT_ROOT


@pytest.mark.parametrize(
    ("question", "post"),
    [
        ("驻村第一书记的主要职责任务是什么？", "第一书记"),
        ("第一書記的職責是什麼", "第一书记"),
        ("帮扶责任人要做哪些工作？", "帮扶责任人"),
        ("村支书是干嘛的", "村党组织书记"),
        ("驻村工作队员平时都干啥", "驻村工作队员"),
        ("选派第一书记应该挑什么样的人、派到哪里？", None),
        ("俺村吃水难、垃圾没人收、路也烂，工作队管这些不？", None),
        ("低保怎么申请？", None),
        ("第一书记", None),
    ],
)
def test_duty_questions_are_recognised(question: str, post: str | None) -> None:
    assert duty_post_asked(question) == post


def test_no_evaluation_question_is_taken_for_a_duty_question() -> None:
    """The handbook route must not swallow policy questions: none of the 83 eval questions take it."""
    for name in ("dev.jsonl", "heldout.jsonl"):
        for line in (PROJECT_ROOT / "tests" / "data" / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                question = json.loads(line)["q"]
                assert duty_post_asked(question) is None, question


def test_a_missing_handbook_is_said_plainly(tmp_path: Path) -> None:
    (block,) = duty_blocks(tmp_path, "第一书记")
    assert block.text == texts.BOT_DUTIES_MISSING and block.title == "第一书记"


def test_markdown_duty_documents_become_titled_blocks() -> None:
    text = (PROJECT_ROOT / "bot" / "assistant" / "duties" / "第一书记职责.md").read_text(encoding="utf-8")
    blocks = markdown_blocks(text)
    assert blocks[0].title == "驻村第一书记职责"
    assert [b.title for b in blocks[1:5]] == [
        "一、建强村党组织",
        "二、推进强村富民",
        "三、提升治理水平",
        "四、为民办事服务",
    ]
    assert blocks[1].text.startswith("• ") and "**" not in "".join(b.text for b in blocks)
    for post in ("第一书记", "驻村工作队员", "村党组织书记", "村两委干部", "帮扶责任人"):
        assert (PROJECT_ROOT / "bot" / "assistant" / "duties" / f"{post}职责.md").is_file()
