"""Follow-up questions in context, end to end: the real PTB Application against the fake Bot API,
over a real knowledge base of county service guides (tests/assistant/followup_docs/).

A villager asks about 危房改造, then "那要带啥材料？": the answer is 危房改造's list of materials and
says which topic was assumed; a question about another policy is answered fresh; the same
follow-up after FOLLOWUP_WINDOW_MINUTES stands alone."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from bot import texts
from bot.analytics import Analytics
from bot.assistant import Assistant
from bot.config import Settings
from bot.helpdesk import Helpdesk
from bot.telegram.state import state_file
from tests.fake_telegram import FakeTelegram
from tests.telegram.conftest import VILLAGER, VILLAGER_2, World, user

pytestmark = pytest.mark.timeout(300)
DOCS = Path(__file__).parents[1] / "assistant" / "followup_docs"


class Clock:
    """The assistant's clock, moved by the test (the window is minutes long)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def guides_kb(make_kb):
    kb = make_kb({p.name: p.read_bytes() for p in DOCS.iterdir()})
    kb.ingest()
    return kb


def test_a_follow_up_is_answered_about_the_previous_topic_and_says_so(
    tg: FakeTelegram, bot_settings: Settings, guides_kb, helpdesk: Helpdesk, analytics: Analytics,
    world: World, start_bot,
) -> None:  # fmt: skip
    kb = guides_kb
    clock = Clock()
    settings = bot_settings.model_copy(update={"followup_window_minutes": 5})
    start_bot(Assistant(settings, kb, helpdesk, analytics, clock=clock), settings)
    u = user(tg, VILLAGER, "张大爷")

    u.send("危房改造能补多少钱？")
    first = u.wait_for_message(timeout=60)
    assert "3.5万元" in first.text

    clock.now += 90
    u.send("那要带啥材料？")
    follow = u.wait_for_message(timeout=60)
    assumed = texts.FOLLOW_UP_ASSUMED.format(topic="危房改造")
    assert follow.text.startswith(f"{texts.ANSWER_HEADER}\n{assumed}\n")
    assert "房屋安全性鉴定报告" in follow.text and "《农村危房改造办事指南》" in follow.text
    assert "原文1" in follow.button_texts and "👍 有用" in follow.button_texts

    # another villager's follow-up is not taken as being about this one's topic
    other = user(tg, VILLAGER_2, "刘阿姨")
    other.send("那要带啥材料？")
    assert assumed not in other.wait_for_message(timeout=60).text

    clock.now += 60
    u.send("申请低保要交什么材料")  # names its own policy: a new topic, answered fresh
    fresh = u.wait_for_message(timeout=60)
    assert fresh.text.startswith(f"{texts.ANSWER_HEADER}\n申请低保") and "低保申请书" in fresh.text
    assert "《农村最低生活保障办事指南》" in fresh.text and "接着上一个问题" not in fresh.text

    clock.now += 60
    u.send("找谁办？")  # now about 低保, the new topic
    assert texts.FOLLOW_UP_ASSUMED.format(topic="低保") in u.wait_for_message(timeout=60).text

    clock.now += 6 * 60  # past the window: the follow-up stands alone
    u.send("那要带啥材料？")
    late = u.wait_for_message(timeout=60)
    assert "接着上一个问题" not in late.text and "房屋安全性鉴定报告" not in late.text

    # the question log keeps what was answered: the typed follow-up with its topic
    asked = [analytics.get(n).question for n in range(1, 7)]  # type: ignore[union-attr]
    assert asked == [
        "危房改造能补多少钱？",
        "危房改造 那要带啥材料？",
        "那要带啥材料？",
        "申请低保要交什么材料",
        "低保 找谁办？",
        "那要带啥材料？",
    ]
    assert tg.errors == [] and tg.bot_errors == []


def test_the_topic_survives_a_restart(
    tg: FakeTelegram, bot_settings: Settings, guides_kb, helpdesk: Helpdesk, analytics: Analytics,
    world: World, start_bot,
) -> None:  # fmt: skip
    running = start_bot(Assistant(bot_settings, guides_kb, helpdesk, analytics))
    u = user(tg, VILLAGER, "张大爷")
    u.send("危房改造能补多少钱？我电话13812345678")
    assert "3.5万元" in u.wait_for_message(timeout=60).text
    running.stop()  # persistence is flushed on stop
    saved = json.loads(state_file(bot_settings).read_text(encoding="utf-8"))["user_data"][str(VILLAGER)]
    assert saved["conversation"]["topic"] == ["危房改造"]
    assert "13812345678" not in json.dumps(saved, ensure_ascii=False), "the state file keeps numbers masked"

    start_bot(Assistant(bot_settings, guides_kb, helpdesk, analytics))  # a new process: nothing in memory
    u.send("那要带啥材料？")
    follow = u.wait_for_message(timeout=60)
    assert texts.FOLLOW_UP_ASSUMED.format(topic="危房改造") in follow.text and "房屋安全性鉴定报告" in follow.text
    assert tg.errors == [] and tg.bot_errors == []
