"""Follow-up questions in context: the rule that carries the previous question's topic over to a
short follow-up (bot/assistant/conversation.py), and the assistant and terminal chat using it
over a real knowledge base of county service guides (tests/assistant/followup_docs/)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from bot import texts
from bot.analytics import Analytics
from bot.assistant import Assistant
from bot.assistant.conversation import Conversations, Resolution, Turn, has_follow_up_form, resolve
from bot.config import Settings
from bot.console import Session
from bot.helpdesk import Helpdesk
from tests.assistant.conftest import VILLAGER

DOCS = Path(__file__).with_name("followup_docs")
HOUSING = "危房改造能补多少钱？"
HOUSING_TURN = Turn(0.0, HOUSING, "D级危房拆除重建的，每户补助3.5万元。", ("危房改造",), ("危房改造",))


# --- the rule ------------------------------------------------------------------------------
@pytest.mark.parametrize("follow_up", ["那要带啥材料？", "找谁办？", "去哪办呢", "要多久？", "那在外地打工的呢？", "还要交钱吗"])
def test_a_short_follow_up_is_asked_about_the_previous_topic(follow_up: str) -> None:
    out = resolve(follow_up, HOUSING_TURN)
    assert out == Resolution(follow_up, f"危房改造 {follow_up}", ("危房改造",), ("危房改造",), "follow_up")


def test_a_question_naming_its_own_policy_starts_fresh() -> None:
    out = resolve("低保要带啥材料？", HOUSING_TURN)
    assert out == Resolution("低保要带啥材料？", "低保要带啥材料？", ("低保",), ("低保",), "fresh")


@pytest.mark.parametrize(
    "question",
    [
        "村里办事没钱，运转经费怎么保障？",  # long enough to stand alone
        "驻村工作队要做哪些工作",  # no follow-up form
        "你们几点下班",
    ],
)
def test_a_question_without_follow_up_form_stands_alone(question: str) -> None:
    out = resolve(question, HOUSING_TURN)
    assert (out.query, out.kind, out.topic) == (question, "fresh", ())


@pytest.mark.parametrize("follow_up", ["能补多少？", "要准备什么材料", "在哪里办？", "多长时间能批下来", "有什么条件"])
def test_an_aspect_with_hardly_anything_else_is_a_follow_up(follow_up: str) -> None:
    assert resolve(follow_up, HOUSING_TURN).query == f"危房改造 {follow_up}"


def test_no_standalone_question_of_the_question_sets_is_taken_for_a_follow_up() -> None:
    """233 questions asked on their own (tests/data): each says what it is about, even when short
    and without a policy name ("村干部一个月工资多少钱？"), so none borrows the last topic."""
    questions = [
        json.loads(line)["q"]
        for path in sorted(Path(__file__).parents[1].joinpath("data").rglob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    assert len(questions) >= 200
    assert [q for q in questions if resolve(q, HOUSING_TURN).resolved] == []


def test_without_a_previous_topic_a_follow_up_stands_alone() -> None:
    assert resolve("那要带啥材料？", None).query == "那要带啥材料？"
    no_topic = Turn(0.0, "运转经费怎么保障？", "……")
    assert resolve("那要带啥材料？", no_topic).kind == "fresh"


def test_that_other_policy_asks_the_previous_question_about_it() -> None:
    before = HOUSING_TURN
    out = resolve("那低保呢？", before)
    assert (out.query, out.kind, out.topic) == ("低保能补多少钱？", "switch", ("低保",))
    # asking something of its own about the other policy is a new question
    assert resolve("那低保怎么申请呢？", before).kind == "fresh"


def test_a_colloquial_topic_is_shown_as_the_policy_it_means() -> None:
    first = resolve("房子漏雨了能补钱吗", None)
    assert (first.topic, first.named) == (("危房改造",), ("房子漏雨",))
    assert has_follow_up_form("找谁办？") and not has_follow_up_form("这个政策对我们老百姓来说到底有多少好处呢能讲讲吗")


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_the_topic_is_kept_for_the_window_and_replaced_by_a_new_one() -> None:
    clock = Clock()
    talk = Conversations(300, clock)
    talk.remember(1, resolve(HOUSING, None), "……")
    clock.now += 200
    first = talk.resolve(1, "那要带啥材料？")
    assert first.query == "危房改造 那要带啥材料？"
    assert talk.resolve(2, "那要带啥材料？").kind == "fresh", "another user's topic is not theirs"
    talk.remember(1, first, "……")
    clock.now += 250  # 450 s after the first question, 250 s after the follow-up: still in
    assert talk.resolve(1, "找谁办？").query == "危房改造 找谁办？"
    talk.remember(1, talk.resolve(1, "低保标准是多少？"), "……")
    assert talk.resolve(1, "找谁办？").query == "低保 找谁办？"
    clock.now += 301
    assert talk.resolve(1, "找谁办？").kind == "fresh" and talk.recent(1) == []


def test_the_last_topic_is_saved_masked_and_resumed_after_a_restart() -> None:
    clock = Clock()
    before = Conversations(300, clock)
    before.remember(1, resolve("危房改造能补多少钱？我电话13812345678", None), "每户补助3.5万元。")
    saved = before.saved(1)
    assert saved == {"at": clock.now, "query": "危房改造能补多少钱？我电话138****5678", "topic": ["危房改造"],
                     "named": ["危房改造"]}  # fmt: skip
    assert before.saved(2) is None

    clock.now += 100
    after = Conversations(300, clock)  # a new process
    for broken in (None, "x", {"at": "soon"}, {**saved, "topic": None}):
        after.resume(1, broken)
        assert after.recent(1) == []
    after.resume(1, saved)
    assert after.resolve(1, "那要带啥材料？").query == "危房改造 那要带啥材料？"
    stale = Conversations(300, clock)
    clock.now += 250
    stale.resume(1, saved)
    assert stale.resolve(1, "那要带啥材料？").kind == "fresh"


# --- the assistant and the terminal chat over a real knowledge base --------------------------
@pytest.fixture
def followup_assistant(tmp_path: Path, make_kb, hd: Helpdesk) -> tuple[Assistant, Clock, Analytics]:
    kb = make_kb({p.name: p.read_bytes() for p in DOCS.iterdir()})
    kb.ingest()
    clock = Clock()
    analytics = Analytics.open(f"sqlite:///{tmp_path / 'a.db'}")
    settings = Settings(data_dir=tmp_path / "data", followup_window_minutes=5)
    return Assistant(settings, kb, hd, analytics, clock=clock), clock, analytics


def answer_text(assistant: Assistant, question: str) -> tuple[str, str]:
    """The reply's first block (the answer) and the title of the source it names."""
    reply = assistant.handle_text(VILLAGER, question)
    return reply.blocks[0].text, reply.blocks[1].text if len(reply.blocks) > 1 else ""


def test_the_assistant_answers_a_follow_up_about_the_previous_topic(followup_assistant) -> None:
    assistant, clock, analytics = followup_assistant
    body, _ = answer_text(assistant, HOUSING)
    assert "3.5万元" in body
    clock.now += 60
    body, sources = answer_text(assistant, "那要带啥材料？")
    assert body.startswith(texts.FOLLOW_UP_ASSUMED.format(topic="危房改造"))
    assert "房屋安全性鉴定报告" in body and "农村危房改造办事指南" in sources
    logged = analytics.get(2)
    assert logged is not None and logged.question == "危房改造 那要带啥材料？"

    clock.now += 60
    body, sources = answer_text(assistant, "申请低保要交什么材料")  # a new topic: answered fresh
    assert not body.startswith("（") and "低保申请书" in body and "最低生活保障办事指南" in sources
    clock.now += 60
    body, sources = answer_text(assistant, "那危房改造呢？")  # the previous question, about 危房改造
    assert body.startswith(texts.FOLLOW_UP_SWITCHED.format(question="申请危房改造要交什么材料"))
    assert "房屋安全性鉴定报告" in body and "农村危房改造办事指南" in sources

    clock.now += 6 * 60  # past the window: the follow-up stands alone
    body, _ = answer_text(assistant, "那要带啥材料？")
    assert "接着上一个问题" not in body
    late = analytics.get(5)
    assert late is not None and late.question == "那要带啥材料？"


def test_the_terminal_chat_carries_the_topic_over(followup_assistant, tmp_path: Path) -> None:
    assistant, _clock, _ = followup_assistant
    out = io.StringIO()
    session = Session(assistant, VILLAGER, out, out_dir=tmp_path)
    ask: Callable[[str], str] = lambda line: (out.seek(0), out.truncate(), session.handle(line), out.getvalue())[-1]  # noqa: E731
    assert "3.5万元" in ask(HOUSING)
    shown = ask("那要带啥材料？")
    assert shown.startswith(f"【{texts.ANSWER_HEADER}】\n{texts.FOLLOW_UP_ASSUMED.format(topic='危房改造')}\n")
    assert "房屋安全性鉴定报告" in shown and "《农村危房改造办事指南》" in shown
