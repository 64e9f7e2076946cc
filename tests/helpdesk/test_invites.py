"""One-time invite codes bind cadres to villages: single use, expiring, permission-checked."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.helpdesk import OPERATOR, Conflict, Helpdesk, InvalidInput, NotFound, PermissionDenied, Role
from tests.helpdesk.conftest import (
    ADMIN,
    MEMBER_A,
    SECRETARY_A,
    SECRETARY_B,
    VILLAGER_1,
    Clock,
    World,
    table_counts,
)


def test_redeeming_binds_a_new_cadre_with_the_post(hd: Helpdesk, world: World) -> None:
    invite = hd.directory.create_invite(ADMIN, "驻村工作队员", world.a.id)
    assert len(invite.code) == 8 and invite.village == world.a
    person = hd.directory.redeem_invite(invite.code.lower(), 601, "孙队员")  # case-insensitive
    assert person.role is Role.CADRE
    assert [(p.village.id, p.post) for p in person.posts] == [(world.a.id, "驻村工作队员")]
    # …and can now work on the village's requests.
    number = hd.intake.file_request(VILLAGER_1, world.a.id, "没水喝").request.number
    assert hd.casework.start(601, number).request.status.value == "in_progress"


def test_a_code_works_once(hd: Helpdesk, world: World) -> None:
    code = hd.directory.create_invite(OPERATOR, "帮扶责任人", world.a.id).code
    hd.directory.redeem_invite(code, 602, "钱")
    before = table_counts(hd)
    with pytest.raises(Conflict) as caught:
        hd.directory.redeem_invite(code, 603, "吴")
    assert "已经被使用" in caught.value.message_zh
    assert table_counts(hd) == before
    assert hd.directory.get_person(603) is None


def test_expired_code_is_refused(hd: Helpdesk, world: World, clock: Clock) -> None:
    code = hd.directory.create_invite(OPERATOR, "帮扶责任人", world.a.id, ttl=timedelta(days=2)).code
    clock.advance(days=2, seconds=1)
    with pytest.raises(Conflict, match="已过期"):
        hd.directory.redeem_invite(code, 604, "郑")
    assert hd.directory.get_person(604) is None


def test_unknown_code(hd: Helpdesk, world: World) -> None:
    with pytest.raises(NotFound, match="无效"):
        hd.directory.redeem_invite("ZZZZ-ZZZZ", 605, "王")


def test_existing_villager_is_promoted_and_admin_stays_admin(hd: Helpdesk, world: World) -> None:
    villager = hd.directory.redeem_invite(
        hd.directory.create_invite(OPERATOR, "网格员", world.b.id).code, VILLAGER_1, "张大爷"
    )
    assert villager.role is Role.CADRE
    admin = hd.directory.redeem_invite(
        hd.directory.create_invite(OPERATOR, "乡镇干部", world.b.id).code, ADMIN, "赵管理"
    )
    assert admin.role is Role.ADMIN and admin.posts[0].post == "乡镇干部"


def test_who_may_create_invites(hd: Helpdesk, world: World) -> None:
    assert hd.directory.create_invite(SECRETARY_A, "村两委干部", world.a.id).code  # dispatcher, own village
    before = table_counts(hd)
    with pytest.raises(PermissionDenied):
        hd.directory.create_invite(SECRETARY_A, "村两委干部", world.b.id)  # not their village
    with pytest.raises(PermissionDenied):
        hd.directory.create_invite(MEMBER_A, "村两委干部", world.a.id)  # not a dispatcher post
    with pytest.raises(PermissionDenied):
        hd.directory.create_invite(VILLAGER_1, "村两委干部", world.a.id)
    with pytest.raises(InvalidInput, match="职务“村霸”不正确"):
        hd.directory.create_invite(ADMIN, "村霸", world.a.id)
    with pytest.raises(InvalidInput):
        hd.directory.create_invite(ADMIN, "村两委干部", world.a.id, ttl=timedelta(days=365))
    with pytest.raises(NotFound):
        hd.directory.create_invite(ADMIN, "村两委干部", 999)
    assert table_counts(hd) == before
    assert SECRETARY_B  # (B's secretary is untouched by all this)


def test_codes_are_stored_hashed(hd: Helpdesk, world: World) -> None:
    from sqlalchemy import text

    code = hd.directory.create_invite(OPERATOR, "网格员", world.a.id).code
    with hd.engine.connect() as conn:
        stored = conn.execute(text("SELECT code_hash FROM invites")).scalar_one()
    assert code not in stored and len(stored) == 64


@pytest.mark.parametrize(("alias", "post"), [("村支书", "村党组织书记"), ("村两委", "村两委干部")])
def test_everyday_post_names_are_accepted(hd: Helpdesk, world: World, alias: str, post: str) -> None:
    invite = hd.directory.create_invite(OPERATOR, alias, world.a.id)
    assert invite.post == post
    assert invite.village.display_name == "龙场镇新寨村"  # township shown: village names repeat
