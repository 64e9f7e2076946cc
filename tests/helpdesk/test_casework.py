"""Optimistic transitions, progress notes, 办结说明, explicit 重开 (issue 11, items 1–2)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.helpdesk import (
    OPERATOR,
    Helpdesk,
    IllegalTransition,
    InvalidInput,
    NotificationKind,
    PermissionDenied,
    Stale,
    Status,
    Urgency,
)
from tests.helpdesk.conftest import ADMIN, MEMBER_A, SECRETARY_A, VILLAGER_1, VILLAGER_2, World, snapshot
from tests.helpdesk.helpers import file


def test_a_stale_card_is_refused_with_the_fresh_view(hd: Helpdesk, world: World) -> None:
    card = hd.intake.file_request(VILLAGER_1, world.a.id, "家里房子漏雨").request
    number = card.number
    started = hd.casework.start(SECRETARY_A, number, expected_version=card.version)
    assert started.request.version == card.version + 1
    before = snapshot(hd, number)
    # The old card still offers 接单 / 开始办理: pressing either is refused, nothing moves back.
    for press in (
        lambda: hd.casework.claim(SECRETARY_A, number, expected_version=card.version),
        lambda: hd.casework.start(MEMBER_A, number, expected_version=card.version),
        lambda: hd.casework.assign(SECRETARY_A, number, MEMBER_A, expected_version=card.version),
    ):
        with pytest.raises(Stale) as refused:
            press()
        assert refused.value.message_zh.startswith(f"这件工单（{number}）刚被王书记")
        assert "开始办理" in refused.value.message_zh and "办理中" in refused.value.message_zh
        assert refused.value.view.status is Status.IN_PROGRESS
        assert refused.value.view.version == started.request.version
        assert refused.value.code == "stale"
        assert snapshot(hd, number) == before


def test_in_progress_never_steps_back_to_assigned(hd: Helpdesk, world: World) -> None:
    number = file(hd, world.a)
    hd.casework.start(SECRETARY_A, number)
    before = snapshot(hd, number)
    with pytest.raises(IllegalTransition) as refused:
        hd.casework.assign(SECRETARY_A, number, MEMBER_A)  # 改派 of work already under way
    assert refused.value.view is not None and refused.value.view.status is Status.IN_PROGRESS
    with pytest.raises(IllegalTransition):
        hd.casework.claim(SECRETARY_A, number)
    assert snapshot(hd, number) == before
    # The explicit way back: 退回 with a reason, then 派单.
    hd.casework.return_to_dispatch(SECRETARY_A, number, "换人办理")
    again = hd.casework.assign(SECRETARY_A, number, MEMBER_A)
    assert (again.request.status, again.request.assignee_name) == (Status.ASSIGNED, "李委员")


def test_a_notes_do_not_make_cards_stale(hd: Helpdesk, world: World) -> None:
    card = hd.intake.file_request(VILLAGER_1, world.a.id, "家里房子漏雨").request
    hd.casework.add_note(VILLAGER_1, card.number, "下午我都在家")
    hd.casework.progress(SECRETARY_A, card.number, "明天上午来看")
    assert hd.casework.start(SECRETARY_A, card.number, expected_version=card.version).request.status is (
        Status.IN_PROGRESS
    )


def test_claim_by_any_village_cadre_only_when_nobody_holds_it(hd: Helpdesk, world: World) -> None:
    number = file(hd, world.a)  # auto-routed to the 第一书记
    with pytest.raises(PermissionDenied):
        hd.casework.claim(MEMBER_A, number)  # held by someone: only dispatchers take it over
    hd.casework.return_to_dispatch(SECRETARY_A, number, "我这周在县里开会")
    taken = hd.casework.claim(MEMBER_A, number)
    assert (taken.request.status, taken.request.assignee_name) == (Status.ASSIGNED, "李委员")
    last = hd.queries.show(OPERATOR, number).events[-1]
    assert (last.kind, last.code, last.note) == ("assign", "claimed", "村两委干部李委员接单")
    told = [n for n in taken.notifications if n.chat_user_id == VILLAGER_1]
    assert [n.kind for n in told] == [NotificationKind.STATUS_CHANGED]
    assert "已交给李委员负责" in told[0].text_zh


def test_progress_notes_reach_the_villager_at_any_time(hd: Helpdesk, world: World) -> None:
    number = file(hd, world.a)
    out = hd.casework.progress(SECRETARY_A, number, "已联系施工队，周三上门")
    assert out.request.status is Status.ASSIGNED and out.request.progress_count == 1
    (note,) = out.notifications
    assert (note.chat_user_id, note.kind) == (VILLAGER_1, NotificationKind.PROGRESS)
    assert note.text_zh == f"您的求助 {number} 有新进展（王书记）：已联系施工队，周三上门"
    hd.casework.start(SECRETARY_A, number)
    assert hd.casework.progress(SECRETARY_A, number, "瓦片已买好").request.progress_count == 2
    with pytest.raises(PermissionDenied):
        hd.casework.progress(MEMBER_A, number, "我也去看了")  # not the assignee
    with pytest.raises(InvalidInput):
        hd.casework.progress(SECRETARY_A, number, "  ")
    hd.casework.resolve(SECRETARY_A, number, "屋顶已修好")
    hd.casework.feedback(VILLAGER_1, number, True)
    before = snapshot(hd, number)
    with pytest.raises(IllegalTransition):
        hd.casework.progress(SECRETARY_A, number, "再补充一句")
    assert snapshot(hd, number) == before
    kinds = [e.kind for e in hd.queries.show(OPERATOR, number).events]
    assert kinds.count("progress") == 2


@pytest.mark.parametrize("note", [None, "", "  ", "好"])
def test_resolving_needs_a_short_result_note(hd: Helpdesk, world: World, note: str | None) -> None:
    number = file(hd, world.a)
    hd.casework.start(SECRETARY_A, number)
    before = snapshot(hd, number)
    with pytest.raises(InvalidInput) as refused:
        hd.casework.resolve(SECRETARY_A, number, note)
    assert "办理结果" in refused.value.message_zh or "原因" in refused.value.message_zh
    assert snapshot(hd, number) == before


def test_explicit_reopen_needs_a_reason_and_a_dispatcher(hd: Helpdesk, world: World) -> None:
    number = file(hd, world.a)
    hd.casework.start(SECRETARY_A, number)
    hd.casework.resolve(SECRETARY_A, number, "已修好")
    closed = hd.casework.feedback(VILLAGER_1, number, True)
    assert closed.request.status is Status.CLOSED
    with pytest.raises(InvalidInput):
        hd.casework.reopen(SECRETARY_A, number, "")
    with pytest.raises(PermissionDenied):
        hd.casework.reopen(VILLAGER_1, number, "又漏了")
    with pytest.raises(IllegalTransition):  # a villager's rating cannot reopen a closed request
        hd.casework.feedback(VILLAGER_1, number, False, "又漏了")
    out = hd.casework.reopen(
        SECRETARY_A, number, "村民打电话说又漏了", expected_version=closed.request.version
    )
    view = out.request
    assert view.status is Status.REOPENED
    told = [n for n in out.notifications if n.chat_user_id == VILLAGER_1]
    assert len(told) == 1 and "重新办理" in told[0].text_zh and "结束" not in told[0].text_zh
    assert view.resolved_at is None and view.closed_at is None and view.resolution_note is None
    assert view.reopen_count == 1
    history = hd.queries.show(OPERATOR, number).events
    assert [e.kind for e in history].count("resolve") == 1  # the history keeps the old 办结
    assert history[-1].note.startswith("重开，原因：村民打电话说又漏了")


def test_the_requester_marks_a_request_urgent(hd: Helpdesk, world: World) -> None:
    """这事很急 after filing: 紧急 with a same-day deadline, every cadre of the village and the admins
    alerted at once; no status change; once only; not on a closed request; not by outsiders."""
    number = file(hd, world.a)
    before = hd.queries.show(OPERATOR, number)
    with pytest.raises(PermissionDenied):
        hd.casework.mark_urgent(VILLAGER_2, number)
    out = hd.casework.mark_urgent(VILLAGER_1, number)
    view = hd.queries.show(OPERATOR, number)
    assert view.urgency is Urgency.URGENT and view.status is before.status
    assert view.version == before.version  # not a move: open cards stay valid
    assert view.due_at <= before.due_at
    assert view.due_at - hd.context.now() <= timedelta(hours=24)
    alerted = {n.chat_user_id for n in out.notifications if n.kind is NotificationKind.URGENT}
    assert alerted == {SECRETARY_A, MEMBER_A, ADMIN}
    assert view.events[-1].code == "emergency" and "村民标为紧急" in (view.events[-1].note or "")
    with pytest.raises(InvalidInput):
        hd.casework.mark_urgent(VILLAGER_1, number)
    closed = file(hd, world.a, "村口路灯坏了")
    hd.casework.mark_unable(SECRETARY_A, closed, "不归村里管")
    with pytest.raises(IllegalTransition):
        hd.casework.mark_urgent(VILLAGER_1, closed)


def test_a_lost_claim_names_the_winners_claim(hd: Helpdesk, world: World) -> None:
    """The loser of a 接单 race reads "刚被王书记…处理过（接单）", the move the winner made."""
    number = file(hd, world.a)
    returned = hd.casework.return_to_dispatch(SECRETARY_A, number, "要换人办")
    hd.casework.claim(SECRETARY_A, number, expected_version=returned.request.version)
    with pytest.raises(Stale) as lost:
        hd.casework.claim(MEMBER_A, number, expected_version=returned.request.version)
    assert "刚被王书记" in lost.value.message_zh and "处理过（接单）" in lost.value.message_zh
