"""Villages, people and cadre bindings (admin operations)."""

from __future__ import annotations

import pytest

from bot.helpdesk import OPERATOR, Conflict, Helpdesk, InvalidInput, NotFound, PermissionDenied, Role
from tests.helpdesk.conftest import ADMIN, MEMBER_A, SECRETARY_A, SECRETARY_B, VILLAGER_1, World, table_counts


def test_villages(hd: Helpdesk, world: World) -> None:
    assert {v.name for v in hd.directory.list_villages()} == {"新寨村", "红旗村"}
    with pytest.raises(Conflict, match="已经登记过了"):
        hd.directory.add_village(OPERATOR, "新寨村", "龙场镇", "安顺县")
    same_name = hd.directory.add_village(OPERATOR, "新寨村", "花溪镇", "安顺县")  # same name, other township
    with pytest.raises(InvalidInput) as caught:
        hd.intake.file_request(VILLAGER_1, "新寨村", "没水喝")
    assert str(same_name.id) in caught.value.message_zh  # tells which ids to choose from
    with pytest.raises(InvalidInput):
        hd.directory.add_village(OPERATOR, "   ")
    with pytest.raises(PermissionDenied):
        hd.directory.add_village(SECRETARY_A, "新村")


def test_cadre_list_in_routing_order(hd: Helpdesk, world: World) -> None:
    team = hd.directory.list_cadres(OPERATOR, world.a.id)
    assert [(p.chat_user_id, p.posts[0].post) for p in team] == [
        (SECRETARY_A, "第一书记"),
        (MEMBER_A, "村两委干部"),
    ]
    assert [p.chat_user_id for p in hd.directory.list_cadres(SECRETARY_A, world.a.id)] == [
        SECRETARY_A,
        MEMBER_A,
    ]
    with pytest.raises(PermissionDenied):
        hd.directory.list_cadres(SECRETARY_A, world.b.id)
    with pytest.raises(PermissionDenied):
        hd.directory.list_cadres(VILLAGER_1, world.a.id)
    everyone = {p.chat_user_id for p in hd.directory.list_cadres(ADMIN)}
    assert everyone == {SECRETARY_A, MEMBER_A, SECRETARY_B}


def test_bind_and_rebind(hd: Helpdesk, world: World) -> None:
    person = hd.directory.bind_cadre(OPERATOR, SECRETARY_A, world.b.id, "驻村工作队员")
    assert {(p.village.name, p.post) for p in person.posts} == {
        ("新寨村", "第一书记"),
        ("红旗村", "驻村工作队员"),
    }
    person = hd.directory.bind_cadre(OPERATOR, SECRETARY_A, world.b.id, "驻村工作队长")  # change of post
    assert ("红旗村", "驻村工作队长") in {(p.village.name, p.post) for p in person.posts}
    before = table_counts(hd)
    with pytest.raises(NotFound, match="没有找到用户 4444"):
        hd.directory.bind_cadre(OPERATOR, 4444, world.a.id, "网格员")  # unknown person, no name given
    with pytest.raises(InvalidInput):
        hd.directory.bind_cadre(OPERATOR, SECRETARY_A, world.a.id, "组长")
    with pytest.raises(NotFound):
        hd.directory.bind_cadre(OPERATOR, SECRETARY_A, 999, "网格员")
    with pytest.raises(PermissionDenied):
        hd.directory.bind_cadre(SECRETARY_A, MEMBER_A, world.b.id, "网格员")
    assert table_counts(hd) == before


def test_people(hd: Helpdesk, world: World) -> None:
    assert hd.directory.get_person(999_999) is None
    person = hd.directory.add_person(OPERATOR, 5555, "新管理员", "管理员")
    assert person.role is Role.ADMIN
    with pytest.raises(Conflict):
        hd.directory.add_person(OPERATOR, 5555, "新管理员", "admin")
    assert hd.directory.add_person(OPERATOR, 5555, "新管理员", "villager").role is Role.VILLAGER
    with pytest.raises(InvalidInput, match="身份“boss”不正确"):
        hd.directory.add_person(OPERATOR, 5556, "某人", "boss")
    again = hd.directory.register_villager(SECRETARY_A, "王书记")  # idempotent; keeps the role
    assert again.role is Role.CADRE
