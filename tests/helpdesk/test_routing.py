"""Routing: new requests go to the village's cadres (第一书记 first); cadres act only in their villages."""

from __future__ import annotations

import pytest

from bot.helpdesk import (
    OPERATOR,
    Helpdesk,
    InvalidInput,
    NotificationKind,
    PermissionDenied,
    RequestFilter,
    Status,
)
from tests.helpdesk.conftest import (
    ADMIN,
    MEMBER_A,
    SECRETARY_A,
    SECRETARY_B,
    VILLAGER_1,
    VILLAGER_2,
    World,
    snapshot,
)
from tests.helpdesk.helpers import file


def test_new_request_goes_to_first_secretary_and_alerts_every_village_cadre(
    hd: Helpdesk, world: World
) -> None:
    out = hd.intake.file_request(VILLAGER_1, world.a.id, "孩子下学期要辍学了，学费交不起")
    assert out.request.assignee_chat_user_id == SECRETARY_A  # bound after the member, still first
    alerts = {n.chat_user_id: n for n in out.notifications if n.kind is NotificationKind.NEW_REQUEST}
    assert set(alerts) == {SECRETARY_A, MEMBER_A}
    assert "已派给您办理" in alerts[SECRETARY_A].text_zh
    assert "已派给第一书记王书记办理" in alerts[MEMBER_A].text_zh
    assert all(n.chat_user_id != SECRETARY_B for n in out.notifications)


def test_without_first_secretary_the_highest_post_gets_it(hd: Helpdesk, world: World) -> None:
    village = hd.directory.add_village(OPERATOR, "石门村", "龙场镇", "安顺县")
    hd.directory.bind_cadre(OPERATOR, 310, village.id, "帮扶责任人", display_name="甲")
    hd.directory.bind_cadre(OPERATOR, 311, village.id, "驻村工作队员", display_name="乙")
    out = hd.intake.file_request(VILLAGER_1, village.id, "想找份工作")
    assert out.request.assignee_chat_user_id == 311


def test_village_without_cadres_stays_submitted_and_alerts_admins(hd: Helpdesk, world: World) -> None:
    village = hd.directory.add_village(OPERATOR, "空村", "龙场镇", "安顺县")
    out = hd.intake.file_request(VILLAGER_1, village.id, "没水喝")
    assert out.request.status is Status.SUBMITTED
    assert out.request.assignee_name is None
    unrouted = [n for n in out.notifications if n.kind is NotificationKind.UNROUTED]
    assert [n.chat_user_id for n in unrouted] == [ADMIN]
    # An admin dispatches once a cadre is bound.
    hd.directory.bind_cadre(OPERATOR, 320, village.id, "村两委干部", display_name="丙")
    assigned = hd.casework.assign(ADMIN, out.request.number, 320)
    assert assigned.request.status is Status.ASSIGNED
    assert [n.chat_user_id for n in assigned.notifications if n.kind is NotificationKind.ASSIGNED] == [320]


def test_cadre_lists_only_their_villages_and_admin_sees_all(hd: Helpdesk, world: World) -> None:
    in_a = [file(hd, world.a), file(hd, world.a, requester=VILLAGER_2)]
    in_b = [file(hd, world.b)]

    def numbers(actor: int, **kw: object) -> set[str]:
        return {v.number for v in hd.queries.list_requests(actor, RequestFilter(**kw)).items}

    assert numbers(SECRETARY_A) == set(in_a)
    assert numbers(MEMBER_A) == set(in_a)
    assert numbers(SECRETARY_B) == set(in_b)
    assert numbers(ADMIN) == set(in_a + in_b)
    assert numbers(OPERATOR) == set(in_a + in_b)
    assert numbers(ADMIN, village=world.b.name) == set(in_b)
    with pytest.raises(PermissionDenied) as caught:
        hd.queries.list_requests(SECRETARY_A, RequestFilter(village=world.b.id))
    assert "红旗村" in caught.value.message_zh


def test_cadre_serving_two_villages_sees_both(hd: Helpdesk, world: World) -> None:
    hd.directory.bind_cadre(OPERATOR, SECRETARY_B, world.a.id, "驻村工作队员")
    a, b = file(hd, world.a), file(hd, world.b)
    assert {v.number for v in hd.queries.list_requests(SECRETARY_B).items} == {a, b}
    hd.casework.start(SECRETARY_B, a)  # and may act in both
    assert hd.queries.show(ADMIN, a).status is Status.IN_PROGRESS


ACTIONS = {
    "show": lambda hd, n: hd.queries.show(SECRETARY_B, n),
    "start": lambda hd, n: hd.casework.start(SECRETARY_B, n),
    "return": lambda hd, n: hd.casework.return_to_dispatch(SECRETARY_B, n, "不归我管"),
    "unable": lambda hd, n: hd.casework.mark_unable(SECRETARY_B, n, "办不了"),
    "assign": lambda hd, n: hd.casework.assign(SECRETARY_B, n, SECRETARY_B),
    "note": lambda hd, n: hd.casework.add_note(SECRETARY_B, n, "备注"),
    "feedback": lambda hd, n: hd.casework.feedback(SECRETARY_B, n, True),
}


@pytest.mark.parametrize("action", list(ACTIONS))
def test_cadre_of_another_village_is_refused_and_nothing_changes(
    hd: Helpdesk, world: World, action: str
) -> None:
    number = file(hd, world.a)
    before = snapshot(hd, number)
    with pytest.raises(PermissionDenied) as caught:
        ACTIONS[action](hd, number)
    assert caught.value.message_zh
    assert snapshot(hd, number) == before


def test_resolve_and_duplicate_refused_across_villages(hd: Helpdesk, world: World) -> None:
    number = file(hd, world.a)
    other = file(hd, world.b)
    hd.casework.start(SECRETARY_A, number)
    before = snapshot(hd, number)
    with pytest.raises(PermissionDenied) as caught:
        hd.casework.resolve(SECRETARY_B, number, "已办好")
    assert "新寨村" in caught.value.message_zh and "无权处理" in caught.value.message_zh
    with pytest.raises(PermissionDenied):
        hd.casework.mark_duplicate(SECRETARY_B, number, other)
    with pytest.raises(PermissionDenied):  # …nor may A's cadre merge into B's request
        hd.casework.mark_duplicate(SECRETARY_A, number, other)
    assert snapshot(hd, number) == before


def test_only_dispatchers_reassign(hd: Helpdesk, world: World) -> None:
    number = file(hd, world.a)
    before = snapshot(hd, number)
    with pytest.raises(PermissionDenied) as caught:
        hd.casework.assign(MEMBER_A, number, MEMBER_A)
    assert "派单" in caught.value.message_zh
    assert snapshot(hd, number) == before
    out = hd.casework.assign(SECRETARY_A, number, MEMBER_A, "你家离得近")
    assert out.request.assignee_chat_user_id == MEMBER_A
    assert [n.chat_user_id for n in out.notifications] == [MEMBER_A]  # status unchanged: villager not pinged
    assert "你家离得近" in out.notifications[0].text_zh


def test_cannot_assign_to_a_cadre_of_another_village(hd: Helpdesk, world: World) -> None:
    number = file(hd, world.a)
    before = snapshot(hd, number)
    with pytest.raises(InvalidInput) as caught:
        hd.casework.assign(ADMIN, number, SECRETARY_B)
    assert "陈书记" in caught.value.message_zh and "新寨村" in caught.value.message_zh
    assert snapshot(hd, number) == before


def test_villagers_cannot_handle_requests(hd: Helpdesk, world: World) -> None:
    number = file(hd, world.a)
    before = snapshot(hd, number)
    for attempt in (
        lambda: hd.casework.start(VILLAGER_1, number),
        lambda: hd.casework.assign(VILLAGER_1, number, SECRETARY_A),
        lambda: hd.casework.mark_unable(VILLAGER_1, number, "算了"),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    assert snapshot(hd, number) == before


def test_unregistered_chat_user_is_refused(hd: Helpdesk, world: World) -> None:
    number = file(hd, world.a)
    with pytest.raises(PermissionDenied) as caught:
        hd.casework.start(123456, number)
    assert "登记" in caught.value.message_zh
    with pytest.raises(PermissionDenied):
        hd.queries.list_requests(123456)


def test_admin_ids_from_settings_are_admins(db_url: str, clock) -> None:
    from bot.helpdesk import HelpdeskConfig, Role

    with Helpdesk.open(
        db_url, config=HelpdeskConfig(admin_chat_ids=frozenset({4242})), clock=clock
    ) as helpdesk:
        person = helpdesk.directory.get_person(4242)
        assert person is not None and person.role is Role.ADMIN
        village = helpdesk.directory.add_village(4242, "新村")
        assert village.name == "新村"
