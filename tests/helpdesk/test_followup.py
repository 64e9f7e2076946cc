"""回访 and rating: three ratings, the villager's own words, the scheduled question (item 3)."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.helpdesk import (
    OPERATOR,
    Helpdesk,
    NotificationKind,
    Satisfaction,
    Stale,
    Status,
    classify_reply,
)
from tests.helpdesk.conftest import SECRETARY_A, VILLAGER_1, VILLAGER_2, Clock, World
from tests.helpdesk.helpers import file

S = Satisfaction


@pytest.mark.parametrize(
    ("text", "rating"),
    [
        ("解决了 谢谢李书记", S.SATISFIED),
        ("好了", S.SATISFIED),
        ("谢谢", S.SATISFIED),
        ("修好了，多谢你们", S.SATISFIED),
        ("满意", S.SATISFIED),
        ("基本满意吧", S.BASIC),
        ("还行，凑合能用", S.BASIC),
        ("没解决，根本没人联系我", S.UNSATISFIED),
        ("还是漏", S.UNSATISFIED),
        ("没人联系", S.UNSATISFIED),
        ("不满意", S.UNSATISFIED),
        ("谢谢，可是还没修好", S.UNSATISFIED),
        ("怎么还没人来？", S.UNSATISFIED),
        ("到现在还没好", S.UNSATISFIED),
    ],
)
def test_replies_are_read_as_ratings(text: str, rating: Satisfaction) -> None:
    verdict = classify_reply(text)
    assert verdict is not None and verdict.rating is rating, text


@pytest.mark.parametrize("text", ["低保怎么申请", "修好了吗？", "", "   ", "今天天气不错", "对了 医保怎么交"])
def test_other_messages_are_no_verdict(text: str) -> None:
    assert classify_reply(text) is None


def _resolved(hd: Helpdesk, world: World, requester: int = VILLAGER_1) -> str:
    number = file(hd, world.a, requester=requester)
    hd.casework.start(SECRETARY_A, number)
    hd.casework.resolve(SECRETARY_A, number, "已请师傅修好屋顶")
    return number


@pytest.mark.parametrize("rating", [S.SATISFIED, S.BASIC])
def test_satisfied_ratings_close(hd: Helpdesk, world: World, rating: Satisfaction) -> None:
    number = _resolved(hd, world)
    out = hd.followup.rate(VILLAGER_1, number, rating)
    assert out.request.status is Status.CLOSED
    assert out.request.rating is rating and out.request.satisfaction == rating.value
    assert out.request.rated_at is not None and out.request.closed_at is not None
    assert hd.queries.show(OPERATOR, number).events[-1].note == f"回访评价：{rating.label}"


def test_unsatisfied_reopens_for_rework_and_the_cadre_reads_the_words(
    hd: Helpdesk, world: World, clock: Clock
) -> None:
    number = _resolved(hd, world)
    clock.advance(hours=30)
    out = hd.followup.answer_text(VILLAGER_1, "没解决，根本没人联系我")
    assert out is not None
    view = out.request
    assert view.status is Status.REOPENED and view.rating is S.UNSATISFIED
    assert view.resolved_at is None  # reopening clears 办结时间 …
    assert any(e.kind == "resolve" for e in hd.queries.show(OPERATOR, number).events)  # … history keeps it
    # 住房安全: 3 working days from Tuesday 03-03 → Wed, Thu, Fri: end of Friday 03-06.
    assert view.due_at == datetime(2026, 3, 7, tzinfo=hd.config.tz)
    assert view.follow_up_note == "没解决，根本没人联系我" and view.reopen_count == 1
    alert = next(n for n in out.notifications if n.kind is NotificationKind.REOPENED)
    assert alert.chat_user_id == SECRETARY_A
    assert "没解决，根本没人联系我" in alert.text_zh and number in alert.text_zh
    assert "求助人表示问题未解决：没解决，根本没人联系我" in hd.queries.show(OPERATOR, number).events[-1].note


def test_free_text_answers_only_when_something_waits(hd: Helpdesk, world: World) -> None:
    assert hd.followup.answer_text(VILLAGER_1, "解决了 谢谢李书记") is None  # nothing filed yet
    number = _resolved(hd, world)
    assert hd.followup.answer_text(VILLAGER_1, "低保怎么申请") is None  # a question, not a verdict
    assert hd.followup.answer_text(VILLAGER_2, "好了") is None  # not their request
    assert hd.queries.show(OPERATOR, number).status is Status.RESOLVED
    out = hd.followup.answer_text(VILLAGER_1, "解决了 谢谢李书记")
    assert out is not None and out.request.status is Status.CLOSED
    assert out.request.rating is S.SATISFIED and out.request.follow_up_note == "解决了 谢谢李书记"
    assert hd.followup.answer_text(VILLAGER_1, "好了") is None  # answered already


def test_a_double_pressed_rating_is_stale(hd: Helpdesk, world: World) -> None:
    number = _resolved(hd, world)
    card = hd.queries.show(VILLAGER_1, number)
    hd.followup.rate(VILLAGER_1, number, "满意", expected_version=card.version)
    with pytest.raises(Stale) as refused:
        hd.followup.rate(VILLAGER_1, number, "不满意", expected_version=card.version)
    assert refused.value.view.status is Status.CLOSED and refused.value.view.rating is S.SATISFIED


def test_the_follow_up_is_asked_once_the_day_after(hd: Helpdesk, world: World, clock: Clock) -> None:
    number = _resolved(hd, world)
    assert hd.followup.run_due() == []
    clock.advance(hours=23, minutes=59)
    assert hd.followup.run_due() == []
    clock.advance(minutes=1)
    (ask,) = hd.followup.run_due()
    assert (ask.chat_user_id, ask.kind, ask.request_number) == (
        VILLAGER_1,
        NotificationKind.ASK_FEEDBACK,
        number,
    )
    assert "【回访】" in ask.text_zh and "已请师傅修好屋顶" in ask.text_zh
    assert hd.followup.run_due() == []  # once
    view = hd.queries.show(OPERATOR, number)
    assert view.follow_up_asked_at == clock.now and view.events[-1].note == "已发送回访"
    hd.followup.rate(VILLAGER_1, number, S.UNSATISFIED, "还是漏")  # rework, resolved again …
    hd.casework.start(SECRETARY_A, number)
    hd.casework.resolve(SECRETARY_A, number, "换了整片瓦")
    clock.advance(days=1)
    assert [n.request_number for n in hd.followup.run_due()] == [number]  # … and asked again


def test_a_rating_counts_in_the_request_counts(hd: Helpdesk, world: World) -> None:
    first, second = _resolved(hd, world), _resolved(hd, world, VILLAGER_2)
    hd.followup.rate(VILLAGER_1, first, S.BASIC)
    hd.followup.rate(VILLAGER_2, second, S.UNSATISFIED, "没人来")
    counts = hd.queries.request_counts(OPERATOR)
    assert counts["by_status"] == {Status.CLOSED: 1, Status.REOPENED: 1}
