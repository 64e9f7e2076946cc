"""回访 in the terminal chat (`python -m bot chat`): the villager's own words and the rating buttons
reach the helpdesk as in Telegram, since both front ends call the same Assistant."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import texts
from bot.analytics import Analytics
from bot.assistant import Assistant, UserRef
from bot.config import Settings
from bot.console import Session, run
from bot.helpdesk import OPERATOR, Helpdesk, Satisfaction, Status

VILLAGER = UserRef(500, "张大爷")


@pytest.fixture
def helpdesk(tmp_path: Path) -> Iterator[Helpdesk]:
    hd = Helpdesk.open(f"sqlite:///{tmp_path / 'hd.db'}")
    village = hd.directory.add_village(OPERATOR, "新寨村")
    hd.directory.bind_cadre(OPERATOR, 100, village.id, "第一书记", display_name="王书记")
    yield hd
    hd.close()


@pytest.fixture
def assistant(tmp_path: Path, seeded_kb, helpdesk: Helpdesk) -> Iterator[Assistant]:
    analytics = Analytics.open("sqlite://")
    yield Assistant(Settings(data_dir=tmp_path), seeded_kb, helpdesk, analytics)
    analytics.close()


def resolved(helpdesk: Helpdesk) -> str:
    number = helpdesk.intake.file_request(500, "新寨村", "家里房子漏雨", display_name="张大爷").request.number
    helpdesk.casework.start(100, number)
    helpdesk.casework.resolve(100, number, "已请师傅换了瓦")
    return number


def chat(assistant: Assistant, script: list[str], tmp_path: Path) -> str:
    out = io.StringIO()
    assert run(Session(assistant, VILLAGER, out, out_dir=tmp_path), io.StringIO("\n".join(script))) == 0
    return out.getvalue()


def test_a_typed_complaint_reopens_and_reaches_the_cadre(
    assistant: Assistant, helpdesk: Helpdesk, tmp_path: Path
) -> None:
    number = resolved(helpdesk)
    text = chat(assistant, ["没解决，根本没人联系我", "/quit"], tmp_path)
    assert "重新打开" in text and "知识库" not in text
    cadre_part = text.split("→ 用户 100:")[1]
    assert "【重新打开】" in cadre_part and "根本没人联系我" in cadre_part
    assert helpdesk.queries.show(OPERATOR, number).status is Status.REOPENED
    assert assistant.analytics is not None and assistant.analytics.question_stats().total == 0


def test_the_unsatisfied_button_asks_for_words_in_the_terminal(
    assistant: Assistant, helpdesk: Helpdesk, tmp_path: Path
) -> None:
    number = resolved(helpdesk)
    # /mine lists [1] 查看 <number>, then [2] 满意 [3] 基本满意 [4] 不满意 for the resolved request
    text = chat(assistant, ["/mine", "4", "下雨天还是漏", "/quit"], tmp_path)
    assert f"[4] {texts.BOT_RATE_BUTTONS['u']} {number}" in text
    assert texts.BOT_RATE_ASK_REASON in text
    assert "下雨天还是漏" in text.split("→ 用户 100:")[1]
    view = helpdesk.queries.show(OPERATOR, number)
    assert view.status is Status.REOPENED and view.rating is Satisfaction.UNSATISFIED
