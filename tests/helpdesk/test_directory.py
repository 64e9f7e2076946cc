"""Villages, people and cadre bindings (admin operations)."""

from __future__ import annotations

import pytest

from bot.__main__ import main
from bot.helpdesk import (
    OPERATOR,
    Conflict,
    Helpdesk,
    InvalidInput,
    NotFound,
    PermissionDenied,
    Role,
    SimilarVillages,
)
from tests.helpdesk.conftest import ADMIN, MEMBER_A, SECRETARY_A, SECRETARY_B, VILLAGER_1, World, table_counts


def test_villages(hd: Helpdesk, world: World) -> None:
    assert {v.name for v in hd.directory.list_villages()} == {"新寨村", "红旗村"}
    with pytest.raises(Conflict, match="已经登记过了"):
        hd.directory.add_village(OPERATOR, "新寨村", "龙场镇", "安顺县")
    with pytest.raises(SimilarVillages):  # same name, other township: the admin must confirm
        hd.directory.add_village(OPERATOR, "新寨村", "花溪镇", "安顺县")
    same_name = hd.directory.add_village(OPERATOR, "新寨村", "花溪镇", "安顺县", allow_similar=True)
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


# ----------------------------------------------------------------------------- villages (issue 11 item 8)
def test_similar_village_name_is_not_added_silently(hd: Helpdesk, world: World) -> None:
    before = table_counts(hd)
    with pytest.raises(SimilarVillages) as caught:
        hd.directory.add_village(OPERATOR, "龙场镇新寨村")  # the township typed in front of the name
    assert [v.id for v in caught.value.similar] == [world.a.id]
    assert "龙场镇新寨村" in caught.value.message_zh and f"{world.a.id}=安顺县龙场镇新寨村" in caught.value.message_zh
    with pytest.raises(SimilarVillages):
        hd.directory.add_village(OPERATOR, "新寨", "花溪镇")  # 新寨 and 新寨村 are one name
    assert table_counts(hd) == before
    added = hd.directory.add_village(OPERATOR, "龙场镇新寨村", allow_similar=True)  # the admin confirmed
    assert (added.name, added.township, added.county) == ("新寨村", "龙场镇", "")
    assert added.display_name == "龙场镇新寨村"
    assert hd.directory.add_village(OPERATOR, "白岩村", "龙场镇").name == "白岩村"  # nothing close: at once


def test_same_name_villages_are_told_apart_by_township(hd: Helpdesk, world: World) -> None:
    other = hd.directory.add_village(OPERATOR, "新寨村", "花溪镇", "安顺县", allow_similar=True)
    hd.directory.bind_cadre(OPERATOR, 300, other.id, "第一书记", display_name="周书记")
    outcome = hd.intake.file_request(VILLAGER_1, "花溪镇新寨村", "家里房子漏雨，需要维修")
    assert outcome.request.village.id == other.id
    alert = next(n for n in outcome.notifications if n.chat_user_id == 300)
    assert "花溪镇新寨村" in alert.text_zh
    invitation = hd.directory.create_invite(OPERATOR, "驻村工作队员", "花溪镇新寨村")
    assert invitation.village.display_name == "花溪镇新寨村"


def test_rename_village(hd: Helpdesk, world: World) -> None:
    number = hd.intake.file_request(VILLAGER_1, world.b.id, "家里房子漏雨，需要维修").request.number
    renamed = hd.directory.rename_village(ADMIN, world.b.id, "红旗社区")
    assert (renamed.id, renamed.name, renamed.township) == (world.b.id, "红旗社区", "龙场镇")
    assert hd.queries.show(OPERATOR, number).village.name == "红旗社区"
    moved = hd.directory.rename_village(OPERATOR, world.b.id, "花溪镇红旗村")
    assert (moved.name, moved.township, moved.county) == ("红旗村", "花溪镇", "安顺县")
    with pytest.raises(Conflict):
        hd.directory.rename_village(OPERATOR, world.b.id, "新寨村", "龙场镇", "安顺县")  # taken
    with pytest.raises(PermissionDenied):
        hd.directory.rename_village(SECRETARY_B, world.b.id, "红旗村")
    with pytest.raises(NotFound):
        hd.directory.rename_village(OPERATOR, 999, "红旗村")


def test_merge_moves_requests_and_cadres_and_history_keeps_it(hd: Helpdesk, world: World) -> None:
    dup = hd.directory.add_village(OPERATOR, "新寨", "龙场镇", "安顺县", allow_similar=True)
    hd.directory.bind_cadre(OPERATOR, 300, dup.id, "网格员", display_name="周网格")
    hd.directory.bind_cadre(OPERATOR, SECRETARY_A, dup.id, "驻村工作队员")  # also in the target
    number = hd.intake.file_request(VILLAGER_1, dup.id, "家里房子漏雨，需要维修").request.number
    hd.directory.create_invite(OPERATOR, "村两委干部", dup.id)
    with pytest.raises(PermissionDenied):
        hd.directory.merge_villages(SECRETARY_A, dup.id, world.a.id)
    with pytest.raises(InvalidInput):
        hd.directory.merge_villages(OPERATOR, dup.id, dup.id)
    result = hd.directory.merge_villages(ADMIN, dup.id, world.a.id)
    assert (result.requests, result.cadres, result.invites, result.target.id) == (1, 1, 1, world.a.id)
    assert dup.id not in {v.id for v in hd.directory.list_villages()}
    view = hd.queries.show(OPERATOR, number)
    assert view.village.id == world.a.id
    assert "所属村从“安顺县龙场镇新寨”并入“安顺县龙场镇新寨村”" in view.events[-1].note
    team = {p.chat_user_id: [x.post for x in p.posts] for p in hd.directory.list_cadres(OPERATOR, world.a.id)}
    assert team[300] == ["网格员"] and team[SECRETARY_A] == ["第一书记"]  # the target's post stays
    hd.casework.start(300, number)  # the moved cadre works on the moved request
    with pytest.raises(NotFound):
        hd.directory.merge_villages(OPERATOR, dup.id, world.a.id)


def test_remove_only_an_empty_village(hd: Helpdesk, world: World) -> None:
    with pytest.raises(Conflict, match="还有 0 件工单、1 名干部"):
        hd.directory.remove_village(OPERATOR, world.b.id)
    hd.intake.file_request(VILLAGER_1, world.a.id, "家里房子漏雨，需要维修")
    with pytest.raises(Conflict, match="还有 1 件工单、2 名干部"):
        hd.directory.remove_village(OPERATOR, world.a.id)
    empty = hd.directory.add_village(OPERATOR, "白岩村", "龙场镇")
    hd.directory.create_invite(OPERATOR, "村两委干部", empty.id)
    with pytest.raises(PermissionDenied):
        hd.directory.remove_village(SECRETARY_A, empty.id)
    assert hd.directory.remove_village(ADMIN, empty.id).id == empty.id
    assert empty.id not in {v.id for v in hd.directory.list_villages()}


def test_village_commands_on_the_cli(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    def cli(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main([*argv, "--database-url", db_url])
        out, err = capsys.readouterr()
        return code, out, err

    assert cli("admin", "village", "add", "新寨村", "--township", "龙场镇", "--county", "安顺县")[0] == 0
    code, out, err = cli("admin", "village", "add", "花溪镇新寨村")
    assert code == 1 and "Villages with a similar name exist" in out and "1  安顺县龙场镇新寨村" in out
    assert "--allow-similar" in out and err.startswith("error:")
    code, out, _ = cli("admin", "village", "add", "花溪镇新寨村", "--allow-similar")
    assert code == 0 and out == "village registered: 花溪镇新寨村 (id 2)\n"
    code, out, _ = cli("admin", "village", "rename", "2", "新寨村", "--county", "安顺县")
    assert code == 0 and out == "village 2 renamed: 花溪镇新寨村 -> 安顺县花溪镇新寨村\n"
    assert cli("admin", "cadre", "add", "300", "周书记", "--village", "花溪镇新寨村", "--post", "第一书记")[0] == 0
    code, _, err = cli("admin", "village", "remove", "2")
    assert code == 1 and "不能删除" in err
    code, out, _ = cli("admin", "village", "merge", "2", "--into", "龙场镇新寨村")
    assert code == 0 and "merged into 安顺县龙场镇新寨村 (id 1): 0 requests, 1 cadres, 0 invites moved" in out
    assert cli("admin", "village", "add", "白岩村")[0] == 0
    code, out, _ = cli("admin", "village", "remove", "白岩村")
    assert code == 0 and out.startswith("village removed: 白岩村 (id ")
    _, out, _ = cli("admin", "village", "list")
    assert [line.split()[0] for line in out.splitlines()[2:]] == ["1"]
