"""Model answers through the real PTB front end against the fake Bot API and the fake OpenAI
server: the placeholder edited as the answer streams, each scripted reply and failure ending in
the right message with its buttons, follow-ups condensed, help requests never sent, /stats."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot import texts
from bot.analytics import Analytics
from bot.answer import compose
from bot.assistant import Assistant
from bot.config import Settings
from bot.helpdesk import Helpdesk
from tests.fake_openai import FakeOpenAI, Reply, Request, citing, is_condensing, question_of, unchanged
from tests.fake_telegram import BotMessage, FakeTelegram, FakeUser
from tests.llm.conftest import HOUSING_Q, MEDICAL_Q, NOT_COVERED_Q, llm_settings
from tests.telegram.conftest import ADMIN, VILLAGER, World, user

pytestmark = pytest.mark.timeout(600)

STREAMED = "能补。D级危房拆除重建每户3.5万元[{n}]，C级加固每户1.5万元[{n}]。找村委会申请。"


@pytest.fixture
def llm_bot(tg: FakeTelegram, bot_settings: Settings, llm_kb, helpdesk: Helpdesk, analytics: Analytics,
            world: World, fake_llm: FakeOpenAI, start_bot) -> Assistant:  # fmt: skip
    fake_llm.condense = unchanged  # a user's later questions come with the earlier turns
    settings = bot_settings.model_copy(update=llm_settings(fake_llm))
    assistant = Assistant(settings, llm_kb, helpdesk, analytics)
    start_bot(assistant, settings)
    return assistant


def answered(tg: FakeTelegram, u: FakeUser, question: str) -> BotMessage:
    """Ask; the first reply is "正在查找……"; wait until it is edited into a message with buttons."""
    u.mark_all_read()
    u.send(question)
    placeholder = u.wait_for_message(timeout=60)
    assert placeholder.versions[0].text == texts.BOT_LOOKING_UP

    def done() -> BotMessage | None:
        current = u.message(placeholder.message_id)
        return current if current.button_texts else None

    return tg.wait_until(done, 60, "the answer with its buttons")


def extractive_body(kb, question: str) -> str:
    return compose(kb.search(question, 5)).answer.removeprefix(texts.ANSWER_HEADER)


def test_the_answer_streams_into_the_placeholder_and_ends_with_sources_and_buttons(
    tg: FakeTelegram, llm_bot: Assistant, fake_llm: FakeOpenAI
) -> None:
    fake_llm.push(citing("3.5万元", STREAMED, piece_delay=0.15))
    u = user(tg, VILLAGER, "张大爷")
    final = answered(tg, u, HOUSING_Q)
    body = "能补。D级危房拆除重建每户3.5万元[1]，C级加固每户1.5万元[1]。找村委会申请。"
    assert final.text.startswith(texts.ANSWER_HEADER) and body in final.text
    assert "[1] 《石岭县农村危房改造补助办法》" in final.text and "[2]" not in final.text
    assert final.button_texts == ["原文1", "👍 有用", "👎 没用"]
    # In between: the placeholder was edited with the growing answer, whole sentences only,
    # throttled (far fewer edits than the ~30 pieces streamed).
    between = [v.text for v in final.versions[1:-1]]
    assert between and all(body.startswith(text) for text in between), between
    assert len(between) < 10
    assert tg.errors == [] and tg.bot_errors == []


SCRIPT: dict[str, Callable[[Request], Reply]] = {  # no three failures in a row: the breaker stays shut
    "garbage": lambda r: Reply("<|im_end|> ok"),
    "invented": citing("3.5万元", "能补，每户最多8万元[{n}]。"),
    "429": lambda r: Reply(status=429),
    "missing": lambda r: Reply("能补，每户3.5万元[7]。"),
    "500": lambda r: Reply(status=500),
    "slow": citing("3.5万元", "能补，每户3.5万元[{n}]。", first_token_delay=6.0),
}


def test_every_failing_reply_ends_in_the_extractive_answer_without_an_error(
    tg: FakeTelegram, llm_bot: Assistant, fake_llm: FakeOpenAI, llm_kb, analytics: Analytics
) -> None:
    u = user(tg, VILLAGER, "张大爷")
    expected = extractive_body(llm_kb, HOUSING_Q)
    for name, script in SCRIPT.items():
        fake_llm.push(script)
        final = answered(tg, u, HOUSING_Q)
        assert final.text.startswith(texts.ANSWER_HEADER) and expected in final.text, name
        assert "原文1" in final.button_texts and "👍 有用" in final.button_texts, name
        assert "8万元" not in "".join(v.text or "" for v in final.versions), "an invented figure was shown"
    assert tg.errors == [] and tg.bot_errors == []
    stats = analytics.model_stats()
    assert stats == {
        ("extractive", "unsupported_figure"): 1,
        ("extractive", "bad_citation"): 1,
        ("extractive", "garbage"): 1,
        ("extractive", "http_error"): 2,
        ("extractive", "timeout"): 1,
    }
    # The admin sees them in /stats.
    admin = user(tg, ADMIN, "赵管理")
    fake_llm.push(citing("押金", "不用交押金[{n}]。"))
    answered(tg, admin, MEDICAL_Q)
    admin.send_command("/stats")
    report = admin.wait_for_message(containing=texts.BOT_STATS_MODEL_TITLE, timeout=60)
    assert "大模型回答 1 次，改用资料原文 6 次。" in report.text
    assert "模型服务报错 2 次" in report.text and "数字和资料对不上 1 次" in report.text


def test_a_refusal_and_an_uncovered_question_offer_a_help_request(
    tg: FakeTelegram, llm_bot: Assistant, fake_llm: FakeOpenAI
) -> None:
    u = user(tg, VILLAGER, "张大爷")
    fake_llm.push(Reply("资料里没有写。"))
    refused = answered(tg, u, MEDICAL_Q)
    assert texts.NOT_COVERED.splitlines()[0] in refused.text
    assert refused.button_texts == [texts.BOT_FILE_REQUEST_BUTTON]
    uncovered = answered(tg, u, NOT_COVERED_Q)
    assert texts.NOT_COVERED.splitlines()[0] in uncovered.text
    asked = [question_of(r) for r in fake_llm.chat_requests() if not is_condensing(r)]
    assert asked == [MEDICAL_Q], "the model is not asked about the uncovered question"


def test_a_follow_up_the_topic_rule_resolves_is_asked_resolved_without_condensing(
    tg: FakeTelegram, llm_bot: Assistant, fake_llm: FakeOpenAI
) -> None:
    u = user(tg, VILLAGER, "张大爷")
    fake_llm.push(citing("3.5万元", "能补，D级每户3.5万元[{n}]。"))
    answered(tg, u, HOUSING_Q)
    fake_llm.push(citing("公示期为7天", "公示7天[{n}]。"))
    final = answered(tg, u, "那公示几天？")
    assumed = texts.FOLLOW_UP_ASSUMED.format(topic="危房改造")
    assert final.text.startswith(f"{texts.ANSWER_HEADER}\n{assumed}\n公示7天[1]")
    requests = fake_llm.chat_requests()[1:]
    assert [question_of(r) for r in requests] == ["危房改造 那公示几天？"]
    assert not any(is_condensing(r) for r in requests), "the rule made it standalone: no model call for it"


def test_a_follow_up_the_rule_leaves_alone_is_condensed_with_the_previous_turn(
    tg: FakeTelegram, llm_bot: Assistant, fake_llm: FakeOpenAI
) -> None:
    u = user(tg, VILLAGER, "张大爷")
    fake_llm.push(citing("3.5万元", "能补，D级每户3.5万元[{n}]。"))
    answered(tg, u, HOUSING_Q)
    fake_llm.condense = lambda request: Reply("危房改造公示期是几天？")
    fake_llm.push(citing("公示期为7天", "公示7天[{n}]。"))
    typed = "公示期是几天来着，村里贴在哪个地方？"  # too long for the topic rule
    final = answered(tg, u, typed)
    assert "公示7天[1]" in final.text and "接着上一个问题" not in final.text
    condense, answer = fake_llm.chat_requests()[1:]
    assert is_condensing(condense) and question_of(answer) == "危房改造公示期是几天？"
    assert f"村民：{HOUSING_Q}" in condense.text and f"新问题：{typed}" in condense.text


def test_help_requests_are_never_sent_to_the_model(
    tg: FakeTelegram, llm_bot: Assistant, fake_llm: FakeOpenAI
) -> None:
    u = user(tg, VILLAGER, "张大爷")
    u.send_command("/help_request")
    u.click(u.wait_for_message(), "住房安全")
    u.wait_for_message(containing="第 2 步")
    u.send("家里房子漏雨，危房改造能补多少钱？电话13812345678")
    u.click(u.wait_for_message(containing="第 3 步"), "新寨村")
    u.click(u.wait_for_message(containing="第 4 步"), texts.BOT_FORM_SKIP_ADDRESS)
    u.wait_for_message(containing="第 5 步")
    u.send("13812345678")
    u.click(u.wait_for_message(containing="第 6 步"), texts.BOT_FORM_SUBMIT)
    u.wait_for_message(containing="工单编号")
    assert fake_llm.chat_requests() == []
    assert tg.errors == [] and tg.bot_errors == []
