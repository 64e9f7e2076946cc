"""Daily overdue digest per cadre."""

from __future__ import annotations

from bot.helpdesk import OPERATOR, Helpdesk, NotificationKind
from tests.helpdesk.conftest import MEMBER_A, SECRETARY_A, SECRETARY_B, VILLAGER_1, Clock, World
from tests.helpdesk.helpers import file


def test_digest_lists_each_cadres_overdue_requests(hd: Helpdesk, world: World, clock: Clock) -> None:
    water = file(hd, world.a, "水管破了没水喝，电话13812345678")  # 饮水安全 2 working days → 第一书记
    job = file(hd, world.a, "失业了想找工作")  # 就业 5 working days
    mine = file(hd, world.a, "房子漏雨")  # 住房安全 3 working days → reassigned to the member
    hd.casework.assign(SECRETARY_A, mine, MEMBER_A)
    in_b = file(hd, world.b, "老人住院看病没钱")  # 医疗 3 working days → B's secretary
    returned = file(hd, world.b, "村里水质差")
    hd.casework.return_to_dispatch(
        SECRETARY_B, returned, "需要乡镇水管站处理"
    )  # undispatched → B's dispatcher

    assert hd.queries.overdue_digest() == []
    clock.advance(hours=88)  # Friday 01:00 (filed Monday 09:00): past 3 working days, not 5
    by_cadre = {
        item.cadre.chat_user_id: [v.number for v in item.requests] for item in hd.queries.overdue_by_cadre()
    }
    assert by_cadre == {
        SECRETARY_A: [water],
        MEMBER_A: [mine],
        SECRETARY_B: [returned, in_b],
    }  # soonest due first
    assert all(job not in numbers for numbers in by_cadre.values())

    digest = {n.chat_user_id: n for n in hd.queries.overdue_digest()}
    assert set(digest) == {SECRETARY_A, MEMBER_A, SECRETARY_B}
    assert all(
        n.kind is NotificationKind.OVERDUE_DIGEST and n.request_number is None for n in digest.values()
    )
    assert "2 件工单已超过办理时限" in digest[SECRETARY_B].text_zh
    assert water in digest[SECRETARY_A].text_zh and "饮水安全" in digest[SECRETARY_A].text_zh

    # Resolving takes a request out of the digest; a request the villager hasn't confirmed is not overdue.
    hd.casework.start(SECRETARY_A, water)
    hd.casework.resolve(SECRETARY_A, water, "已恢复供水")
    assert SECRETARY_A not in {n.chat_user_id for n in hd.queries.overdue_digest()}
    assert VILLAGER_1 not in {n.chat_user_id for n in hd.queries.overdue_digest()}


def test_digest_views_respect_privacy(hd: Helpdesk, world: World, clock: Clock) -> None:
    number = file(hd, world.b, "村里水质差，电话13812345678")
    hd.casework.return_to_dispatch(SECRETARY_B, number, "转乡镇")
    clock.advance(days=30)
    (item,) = hd.queries.overdue_by_cadre()
    (view,) = item.requests
    assert view.masked and "13812345678" not in view.description  # dispatcher, not the assignee
    assert hd.queries.show(OPERATOR, number).overdue
