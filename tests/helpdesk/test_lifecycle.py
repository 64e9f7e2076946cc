"""Every state transition: legal ones reach the right status, illegal ones change nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.helpdesk import (
    OPERATOR,
    Action,
    Helpdesk,
    IllegalTransition,
    InvalidInput,
    NotificationKind,
    RequestFilter,
    Satisfaction,
    Status,
    transitions,
)
from bot.helpdesk.lifecycle import RULES
from tests.helpdesk.conftest import ADMIN, SECRETARY_A, VILLAGER_1, Clock, World, snapshot
from tests.helpdesk.helpers import drive, file, perform

S = Status


def test_transition_graph_is_the_specified_one() -> None:
    assert transitions() == {
        S.SUBMITTED: {S.ASSIGNED, S.DUPLICATE, S.UNABLE},
        S.ASSIGNED: {S.ASSIGNED, S.IN_PROGRESS, S.RETURNED, S.DUPLICATE, S.UNABLE},
        S.IN_PROGRESS: {S.RESOLVED, S.RETURNED, S.DUPLICATE, S.UNABLE},  # never back to 已派单
        S.RESOLVED: {S.CLOSED, S.REOPENED},
        S.CLOSED: {S.REOPENED},  # only an explicit 重开 with a reason
        S.RETURNED: {S.ASSIGNED, S.DUPLICATE, S.UNABLE},
        S.DUPLICATE: set(),
        S.UNABLE: set(),
        S.REOPENED: {S.ASSIGNED, S.IN_PROGRESS, S.RETURNED, S.DUPLICATE, S.UNABLE},
    }


def _requests_in(hd: Helpdesk, world: World, status: Status, count: int, anchor: str) -> list[str]:
    """`count` fresh requests in `status`. 已受理 needs a village that had no cadre at filing time."""
    if status is S.SUBMITTED:
        village = hd.directory.add_village(OPERATOR, "无人村", "龙场镇", "安顺县")
        numbers = [file(hd, village) for _ in range(count)]
        hd.directory.bind_cadre(OPERATOR, 300, village.id, "第一书记", display_name="周书记")
        hd.directory.bind_cadre(OPERATOR, 301, village.id, "村两委干部", display_name="吴委员")
    else:
        numbers = [file(hd, world.a) for _ in range(count)]
        for number in numbers:
            drive(hd, number, status, anchor)
    return numbers


@pytest.mark.parametrize("status", list(Status), ids=lambda s: s.value)
def test_every_action_from_every_status(hd: Helpdesk, world: World, status: Status) -> None:
    anchor = file(hd, world.a, "村里水管破了，没水喝")
    numbers = _requests_in(hd, world, status, len(Action), anchor)
    for action, number in zip(Action, numbers, strict=True):
        before = snapshot(hd, number)
        rule = RULES[action]
        if status in rule.sources:
            outcome = perform(hd, action, number, anchor)
            after = hd.queries.show(OPERATOR, number)
            assert outcome.request.status is rule.target is after.status, action
            assert len(after.events) == before[-1] + 1
            last = after.events[-1]
            assert (last.kind, last.old_status, last.new_status) == (action.value, status, rule.target)
        else:
            with pytest.raises(IllegalTransition) as caught:
                perform(hd, action, number, anchor)
            assert status.label in caught.value.message_zh
            if action not in (Action.CLOSE, Action.REOPEN):  # the villager's 回访 is worded for them
                assert action.label in caught.value.message_zh
            assert number in caught.value.message_zh
            assert caught.value.view is not None and caught.value.view.status is status  # the fresh card
            assert snapshot(hd, number) == before, action


def test_happy_path_tells_the_villager_every_step(hd: Helpdesk, world: World) -> None:
    filed = hd.intake.file_request(VILLAGER_1, world.a.id, "家里房子漏雨，下雨天没法住", phone="13812345678")
    number = filed.request.number
    assert filed.request.status is S.ASSIGNED
    assert filed.request.assignee_name == "王书记"
    receipt = [n for n in filed.notifications if n.chat_user_id == VILLAGER_1]
    assert [n.kind for n in receipt] == [NotificationKind.FILED]
    assert number in receipt[0].text_zh and "第一书记王书记" in receipt[0].text_zh

    started = hd.casework.start(SECRETARY_A, number, "明天上门查看")
    assert [(n.chat_user_id, n.kind) for n in started.notifications] == [
        (VILLAGER_1, NotificationKind.STATUS_CHANGED)
    ]
    # Plain words, no status jargon (it used to say "已派单 → 办理中").
    assert "正在办理，王书记已经开始处理了" in started.notifications[0].text_zh
    assert "→" not in started.notifications[0].text_zh
    assert "明天上门查看" in started.notifications[0].text_zh

    resolved = hd.casework.resolve(SECRETARY_A, number, "已请施工队修好屋顶")
    (told,) = resolved.notifications
    assert (told.chat_user_id, told.kind) == (VILLAGER_1, NotificationKind.ASK_FEEDBACK)
    assert "已经办好了" in told.text_zh and "办理结果：已请施工队修好屋顶" in told.text_zh
    assert "问题解决了吗" in told.text_zh
    assert resolved.request.resolved_at is not None
    assert resolved.request.resolution_note == "已请施工队修好屋顶"

    closed = hd.casework.feedback(VILLAGER_1, number, True, "修好了，谢谢")
    assert closed.request.status is S.CLOSED
    assert closed.request.satisfaction == "satisfied" and closed.request.rating is Satisfaction.SATISFIED
    assert closed.request.follow_up_note == "修好了，谢谢"
    assert closed.request.closed_at is not None
    assert closed.notifications[0].chat_user_id == VILLAGER_1

    history = hd.queries.show(VILLAGER_1, number).events
    assert [(e.kind, e.old_status, e.new_status) for e in history] == [
        ("filed", None, S.SUBMITTED),
        ("assign", S.SUBMITTED, S.ASSIGNED),
        ("start", S.ASSIGNED, S.IN_PROGRESS),
        ("resolve", S.IN_PROGRESS, S.RESOLVED),
        ("close", S.RESOLVED, S.CLOSED),
    ]
    assert history[2].note == "明天上门查看"
    assert history[2].actor.startswith("王书记")


def test_unsatisfied_villager_reopens_and_history_keeps_both_answers(
    hd: Helpdesk, world: World, clock: Clock
) -> None:
    number = file(hd, world.a)
    hd.casework.start(SECRETARY_A, number)
    hd.casework.resolve(SECRETARY_A, number, "已修好")
    clock.advance(days=10)
    reopened = hd.casework.feedback(VILLAGER_1, number, False, "还是漏雨")
    assert reopened.request.status is S.REOPENED
    # 住房安全: 3 working days, fresh from Thursday 03-12 → Fri, Mon, Tue: end of Tuesday 03-17.
    assert reopened.request.due_at == datetime(2026, 3, 18, tzinfo=hd.config.tz)
    alerts = [n for n in reopened.notifications if n.kind is NotificationKind.REOPENED]
    assert [n.chat_user_id for n in alerts] == [SECRETARY_A]
    assert "还是漏雨" in alerts[0].text_zh

    hd.casework.start(SECRETARY_A, number)
    hd.casework.resolve(SECRETARY_A, number, "换了新瓦")
    final = hd.casework.feedback(VILLAGER_1, number, True, "这次好了")
    assert final.request.status is S.CLOSED
    assert final.request.follow_up_note == "这次好了"
    notes = [e.note or "" for e in hd.queries.show(OPERATOR, number).events]
    assert any("还是漏雨" in n for n in notes) and any("这次好了" in n for n in notes)


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_return_and_unable_require_a_reason(hd: Helpdesk, world: World, reason: str) -> None:
    number = file(hd, world.a)
    before = snapshot(hd, number)
    with pytest.raises(InvalidInput) as caught:
        hd.casework.return_to_dispatch(SECRETARY_A, number, reason)
    assert "原因" in caught.value.message_zh
    with pytest.raises(InvalidInput):
        hd.casework.mark_unable(SECRETARY_A, number, reason)
    assert snapshot(hd, number) == before


def test_returned_request_goes_back_to_dispatch(hd: Helpdesk, world: World) -> None:
    number = file(hd, world.a)
    hd.casework.assign(SECRETARY_A, number, 101)  # 第一书记 dispatches to the member…
    returned = hd.casework.return_to_dispatch(101, number, "这户不归我联系")  # …who returns it
    assert returned.request.status is S.RETURNED
    assert returned.request.assignee_name is None
    to_dispatch = [n for n in returned.notifications if n.kind is NotificationKind.RETURNED]
    assert [n.chat_user_id for n in to_dispatch] == [SECRETARY_A]
    assert "这户不归我联系" in to_dispatch[0].text_zh
    assert any(n.chat_user_id == VILLAGER_1 for n in returned.notifications)
    again = hd.casework.assign(SECRETARY_A, number, SECRETARY_A)
    assert (again.request.status, again.request.assignee_name) == (S.ASSIGNED, "王书记")


def test_duplicate_points_to_the_root_request(hd: Helpdesk, world: World) -> None:
    first = file(hd, world.a, "水管破了没水喝")
    second = file(hd, world.a, "水管破了，好几天没水")
    third = file(hd, world.a, "还是没水")
    hd.casework.mark_duplicate(SECRETARY_A, second, first)
    out = hd.casework.mark_duplicate(SECRETARY_A, third, second)
    assert out.request.duplicate_of == first
    assert out.request.status is S.DUPLICATE
    assert first in out.notifications[0].text_zh
    with pytest.raises(InvalidInput):
        hd.casework.mark_duplicate(SECRETARY_A, first, first)


def test_reassigning_to_the_same_cadre_is_refused(hd: Helpdesk, world: World) -> None:
    number = file(hd, world.a)
    before = snapshot(hd, number)
    with pytest.raises(InvalidInput) as caught:
        hd.casework.assign(SECRETARY_A, number, SECRETARY_A)
    assert "王书记" in caught.value.message_zh
    assert snapshot(hd, number) == before


def test_progress_note_reaches_the_villager_without_changing_status(hd: Helpdesk, world: World) -> None:
    number = file(hd, world.a)
    out = hd.casework.add_note(SECRETARY_A, number, "已联系施工队，周三上门")
    assert out.request.status is S.ASSIGNED
    (note,) = out.notifications
    assert (note.chat_user_id, note.kind) == (VILLAGER_1, NotificationKind.NOTE)
    back = hd.casework.add_note(VILLAGER_1, number, "周三我在家")
    assert [n.chat_user_id for n in back.notifications] == [SECRETARY_A]
    kinds = [e.kind for e in hd.queries.show(OPERATOR, number).events]
    assert kinds[-2:] == ["note", "note"]


def test_overdue_is_derived_from_the_due_time(hd: Helpdesk, world: World, clock: Clock) -> None:
    medical = file(hd, world.a, "老人生病住院，医药费交不起")  # 医疗: 3 working days
    housing = file(hd, world.a, "房子墙体开裂，随时可能塌", urgency="特急")  # same day: filed 09:00
    views = {v.number: v for v in hd.queries.list_requests(ADMIN).items}
    assert views[medical].category == "医疗"
    assert views[medical].due_at == datetime(2026, 3, 6, tzinfo=hd.config.tz)  # Monday → end of Thursday
    assert views[housing].due_at - views[housing].created_at == timedelta(hours=15)  # local midnight
    assert not any(v.overdue for v in views.values())

    clock.advance(hours=25)
    overdue = hd.queries.list_requests(ADMIN, RequestFilter(overdue_only=True)).items
    assert [v.number for v in overdue] == [housing]
    assert hd.queries.show(ADMIN, housing).overdue

    hd.casework.start(SECRETARY_A, medical)
    hd.casework.resolve(SECRETARY_A, medical, "已报销")
    clock.advance(hours=100)
    assert not hd.queries.show(ADMIN, medical).overdue  # waiting for the villager is not the cadre's delay
    assert [v.number for v in hd.queries.list_requests(ADMIN, RequestFilter(overdue_only=True)).items] == [
        housing
    ]
