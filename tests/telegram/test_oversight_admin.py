"""The issue's smaller admin findings through the real PTB front end: the admins hear when a
cadre joins, a cadre re-sending their own invite code is not told it was "used", and pressing
确认删除 twice never shows the internal document key."""

from __future__ import annotations

import pytest

from bot import texts
from bot.assistant import Assistant
from bot.assistant.admin import doc_key
from bot.config import Settings
from bot.helpdesk import Helpdesk
from tests.fake_telegram import FakeTelegram
from tests.telegram.conftest import ADMIN, World, user

pytestmark = pytest.mark.timeout(300)

POLICY = "# 村级公益岗位管理办法\n\n公益岗位人员由村民委员会统一管理，按月考勤，岗位补贴按实际出勤发放。\n"
WATER = "# 农村供水工程管护办法\n\n村内供水管网出现漏水、停水时，由村级水管员登记并报乡镇水务站维修。\n"


@pytest.fixture
def admin_bot(start_bot, bot_settings: Settings, make_kb, helpdesk: Helpdesk, analytics, world: World):
    kb = make_kb({"公益岗位.md": POLICY, "供水.md": WATER})
    kb.ingest()
    assistant = Assistant(bot_settings, kb, helpdesk, analytics)
    return start_bot(assistant), assistant


def test_join_tells_the_admins_and_the_same_code_again_is_not_an_error(
    tg: FakeTelegram, admin_bot, helpdesk: Helpdesk
) -> None:
    admin = user(tg, ADMIN, "赵管理")
    admin.send_command("/invite", "村支书 花溪镇新寨村")  # an unknown place: a clear refusal
    assert "没有找到村庄" in admin.wait_for_message().text
    admin.send_command("/invite", "村支书 新寨村")  # a post by its everyday name
    invite = admin.wait_for_message(containing="邀请码")
    assert "龙场镇新寨村 · 村党组织书记" in invite.text
    code = invite.entity_texts("code")[0].removeprefix("/join ")
    newcomer = tg.user(id=321, first_name="孙书记")
    newcomer.send_command("/join", code)
    assert "登记成功" in newcomer.wait_for_message().text
    told = admin.wait_for_message(containing="【新干部】")
    assert "孙书记" in told.text and "龙场镇新寨村的村党组织书记" in told.text
    newcomer.send_command("/join", code)  # sent again by the same cadre
    again = newcomer.wait_for_message()
    assert again.text.startswith("您已经用这个邀请码登记过了") and "已经被使用过" not in again.text
    other = tg.user(id=322, first_name="冒名者")
    other.send_command("/join", code)
    assert "已经被使用过" in other.wait_for_message().text
    assert [m for m in admin.unread_messages() if "【新干部】" in m.text] == []  # told once
    assert tg.errors == [] and tg.bot_errors == []


def test_confirm_removal_pressed_twice_shows_no_internal_key(tg: FakeTelegram, admin_bot) -> None:
    _, assistant = admin_bot
    admin = user(tg, ADMIN, "赵管理")
    admin.send_command("/rmdoc", "供水.md")
    confirm = admin.wait_for_message()
    yes = next(b.callback_data for row in confirm.buttons for b in row if b.text == texts.BOT_DOCS_CONFIRM_YES)
    admin.click(confirm, texts.BOT_DOCS_CONFIRM_YES)
    assert "已从知识库删除" in admin.wait_for_edit(confirm, timeout=120).text
    admin.forge_callback(yes, confirm)  # the same button again (a double tap, or an old copy)
    again = tg.wait_until(
        lambda: (m := admin.message(confirm.message_id)).text == texts.BOT_DOCS_ALREADY_REMOVED and m,
        30,
        "second press answered",
    )
    assert doc_key("供水.md") not in again.text
    assert [d.source for d in assistant.kb.documents()] == ["公益岗位.md"]
    assert tg.errors == [] and tg.bot_errors == []
