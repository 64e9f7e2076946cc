"""督办 (reminder when a deadline passes, escalation N working days later) and 延期 (asked with a reason,
decided by an admin), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from bot.__main__ import main
from bot.helpdesk import (
    OPERATOR,
    Conflict,
    Helpdesk,
    IllegalTransition,
    InvalidInput,
    NotificationKind,
    PermissionDenied,
    Stale,
)
from tests.helpdesk.conftest import ADMIN, MEMBER_A, SECRETARY_A, SECRETARY_B, VILLAGER_1, Clock, World
from tests.helpdesk.helpers import file


def kinds(notifications) -> list[tuple[int, NotificationKind]]:
    return sorted((n.chat_user_id, n.kind) for n in notifications)


def test_reminder_once_when_the_deadline_passes_then_escalation(hd: Helpdesk, world: World, clock: Clock) -> None:
    hd.directory.bind_cadre(OPERATOR, 300, world.a.id, "乡镇干部", display_name="镇干部")
    number = file(hd, world.a)  # 住房安全: 3 working days, assigned to the 第一书记
    view = hd.queries.show(OPERATOR, number)
    assert hd.oversight.run_due() == []  # not due yet
    clock.now = view.due_at - timedelta(minutes=1)
    assert hd.oversight.run_due() == []
    clock.now = view.due_at + timedelta(hours=1)
    reminders = hd.oversight.run_due()
    assert kinds(reminders) == [(SECRETARY_A, NotificationKind.OVERDUE_REMINDER)]
    assert number in reminders[0].text_zh and "龙场镇新寨村" in reminders[0].text_zh and "申请延期" in reminders[0].text_zh
    assert hd.oversight.run_due() == []  # once
    clock.advance(hours=12)
    assert hd.oversight.run_due() == []
    view = hd.queries.show(OPERATOR, number)
    assert (view.supervision_level, view.supervision_count) == (1, 1)
    assert "督办：已超过办理时限" in (view.events[-1].note or "")

    # Due at the end of Thursday 03-05; ESCALATE_AFTER_DAYS=2 working days: Friday and Monday.
    clock.now = datetime(2026, 3, 9, 23, 59, tzinfo=hd.config.tz)
    assert hd.oversight.run_due() == []
    clock.now = datetime(2026, 3, 10, 0, 1, tzinfo=hd.config.tz)
    escalated = hd.oversight.run_due()
    assert kinds(escalated) == [(300, NotificationKind.ESCALATED), (ADMIN, NotificationKind.ESCALATED)]
    assert "超期 4 天" in escalated[0].text_zh and "王书记" in escalated[0].text_zh
    assert hd.oversight.run_due() == []
    view = hd.queries.show(OPERATOR, number)
    assert (view.supervision_level, view.supervision_count) == (2, 2)
    assert "超期 4 天仍未办结" in (view.events[-1].note or "")


def test_closed_requests_are_not_supervised_and_unassigned_ones_go_to_dispatchers(
    hd: Helpdesk, world: World, clock: Clock
) -> None:
    done = file(hd, world.b)
    hd.casework.start(SECRETARY_B, done)
    hd.casework.resolve(SECRETARY_B, done, "已经修好了")
    returned = file(hd, world.a)
    hd.casework.return_to_dispatch(SECRETARY_A, returned, "不属于本人职责")
    clock.advance(days=4)
    out = hd.oversight.run_due()
    assert {n.request_number for n in out} == {returned}
    # nobody holds it: the village's dispatcher (the 第一书记) is reminded, not the 村两委干部
    assert kinds(out) == [(SECRETARY_A, NotificationKind.OVERDUE_REMINDER)]
    assert hd.queries.show(OPERATOR, done).supervision_count == 0


def test_two_schedulers_send_each_reminder_once(db_url: str, hd: Helpdesk, world: World, clock: Clock) -> None:
    number = file(hd, world.a)
    clock.advance(days=4)
    other = Helpdesk.open(db_url, clock=clock, migrate=False)
    try:
        first, second = hd.oversight.run_due(), other.oversight.run_due()
    finally:
        other.close()
    assert len(first) + len(second) == 1
    assert hd.queries.show(OPERATOR, number).supervision_count == 1


def test_extension_requested_with_reason_and_approved(hd: Helpdesk, world: World, clock: Clock) -> None:
    number = file(hd, world.a)
    view = hd.queries.show(OPERATOR, number)
    with pytest.raises(InvalidInput, match="理由"):
        hd.oversight.request_extension(SECRETARY_A, number, 3, "等")
    with pytest.raises(InvalidInput, match="1 到 30 天"):
        hd.oversight.request_extension(SECRETARY_A, number, 0, "等乡镇审批材料")
    with pytest.raises(PermissionDenied):
        hd.oversight.request_extension(MEMBER_A, number, 3, "等乡镇审批材料")  # not the assignee
    with pytest.raises(PermissionDenied):
        hd.oversight.request_extension(VILLAGER_1, number, 3, "等乡镇审批材料")
    asked = hd.oversight.request_extension(SECRETARY_A, number, 3, "等乡镇审批材料", expected_version=view.version)
    assert kinds(asked.notifications) == [(ADMIN, NotificationKind.EXTENSION_REQUESTED)]
    assert "等乡镇审批材料" in asked.notifications[0].text_zh
    pending = asked.request.pending_extension
    # 3 working days after the due day (Thursday 03-05): Fri, Mon, Tue → end of Tuesday 03-10.
    assert pending is not None and pending.new_due_at == datetime(2026, 3, 11, tzinfo=hd.config.tz)
    assert asked.request.due_at == view.due_at  # not before an admin approves
    with pytest.raises(Conflict, match="已经有一个延期申请"):
        hd.oversight.request_extension(SECRETARY_A, number, 5, "还要等审批材料")
    with pytest.raises(PermissionDenied):
        hd.oversight.decide_extension(SECRETARY_A, number, True)

    approved = hd.oversight.decide_extension(ADMIN, number, True, "同意")
    assert approved.request.due_at == pending.new_due_at
    assert approved.request.extensions[-1].state == "approved"
    assert approved.request.extensions[-1].decided_by.startswith("赵管理")
    assert kinds(approved.notifications) == [
        (SECRETARY_A, NotificationKind.EXTENSION_DECIDED),
        (VILLAGER_1, NotificationKind.EXTENSION_DECIDED),
    ]
    notes = [e.note or "" for e in approved.request.events]
    assert any("申请延期到" in n and "等乡镇审批材料" in n for n in notes)
    assert any("同意延期到" in n for n in notes)
    with pytest.raises(Conflict, match="没有待审批"):
        hd.oversight.decide_extension(ADMIN, number, True)
    # the old deadline passes: no reminder, the new one counts
    clock.now = view.due_at + timedelta(hours=1)
    assert hd.oversight.run_due() == []
    clock.now = pending.new_due_at + timedelta(hours=1)
    assert kinds(hd.oversight.run_due()) == [(SECRETARY_A, NotificationKind.OVERDUE_REMINDER)]


def test_extension_refused_keeps_the_deadline_and_reminders_restart_after_approval(
    hd: Helpdesk, world: World, clock: Clock
) -> None:
    number = file(hd, world.a)
    due = hd.queries.show(OPERATOR, number).due_at
    clock.now = due + timedelta(hours=2)
    assert len(hd.oversight.run_due()) == 1  # reminded
    hd.oversight.request_extension(SECRETARY_A, number, 2, "村民外出打工，下周才回来")
    refused = hd.oversight.decide_extension(OPERATOR, number, False, "请先电话联系")
    assert refused.request.due_at == due and refused.request.extensions[-1].state == "rejected"
    assert kinds(refused.notifications) == [(SECRETARY_A, NotificationKind.EXTENSION_DECIDED)]
    assert "没有同意" in refused.notifications[0].text_zh and "请先电话联系" in refused.notifications[0].text_zh
    hd.oversight.request_extension(SECRETARY_A, number, 2, "村民外出打工，下周才回来")
    approved = hd.oversight.decide_extension(ADMIN, number, True)
    assert approved.request.supervision_level == 0 and approved.request.supervision_count == 1
    clock.now = approved.request.due_at + timedelta(minutes=5)
    assert len(hd.oversight.run_due()) == 1  # the new deadline is watched again
    assert hd.queries.show(OPERATOR, number).supervision_count == 2


def test_extension_only_for_open_requests_and_stale_cards(hd: Helpdesk, world: World) -> None:
    number = file(hd, world.a)
    old = hd.queries.show(OPERATOR, number).version
    hd.casework.start(SECRETARY_A, number)
    with pytest.raises(Stale):
        hd.oversight.request_extension(SECRETARY_A, number, 3, "等乡镇审批材料", expected_version=old)
    hd.casework.resolve(SECRETARY_A, number, "已经修好了")
    with pytest.raises(IllegalTransition, match="不需要延期"):
        hd.oversight.request_extension(SECRETARY_A, number, 3, "等乡镇审批材料")


def test_cli_show_lists_supervision_and_extensions(
    db_url: str, hd: Helpdesk, world: World, clock: Clock, capsys: pytest.CaptureFixture[str]
) -> None:
    number = file(hd, world.a)
    clock.advance(days=4)
    hd.oversight.run_due()
    hd.oversight.request_extension(SECRETARY_A, number, 2, "等乡镇审批材料")
    hd.oversight.decide_extension(ADMIN, number, True)
    capsys.readouterr()
    assert main(["requests", "show", number, "--database-url", db_url]) == 0
    out = capsys.readouterr().out
    assert "Supervision" in out and "1 (督办" in out
    assert "Extensions (延期):" in out and "approved by 赵管理" in out and "等乡镇审批材料" in out


def test_default_deadlines_follow_12345_practice(hd: Helpdesk, world: World, clock: Clock) -> None:
    """Help requests within 5 working days (a calendar week at most), emergencies the same day."""
    assert max(hd.config.deadline_days.values()) <= 5 and not hd.config.deadline_hours
    urgent = hd.intake.file_request(VILLAGER_1, world.a.id, "俺婆婆腿摔断了，走不了路").request
    today = clock.now.astimezone(hd.config.tz).date()
    assert urgent.due_at == datetime.combine(today + timedelta(days=1), time.min, tzinfo=hd.config.tz)
