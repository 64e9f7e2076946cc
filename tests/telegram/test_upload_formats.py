"""Uploads from the chat in the formats a county office has: an .xls sent as a file, a notice
photographed and sent as a photo. Real PTB over HTTP, real LibreOffice-made file, real OCR."""

from __future__ import annotations

import io

import pytest

from bot import texts
from bot.assistant import Assistant
from bot.config import Settings
from bot.helpdesk import Helpdesk
from tests.fake_telegram import FakeTelegram, RunningApplication
from tests.formats import make
from tests.telegram.conftest import ADMIN, VILLAGER, World, user

pytestmark = pytest.mark.timeout(600)

NOTICE = ["新寨村2024年低保对象公示", "经村民代表评议，拟将以下农户纳入农村低保。", "公示期为7天，有异议请向村委会反映。"]


@pytest.fixture
def formats_bot(start_bot, bot_settings: Settings, make_kb, helpdesk: Helpdesk, analytics, world: World):
    kb = make_kb({"供水.md": "# 农村供水工程管护办法\n\n村内供水管网漏水时，由村级水管员报乡镇水务站维修。\n"})
    kb.ingest()
    assistant = Assistant(bot_settings, kb, helpdesk, analytics)
    return start_bot(assistant), assistant


def _wait_done(tg: FakeTelegram, admin, status_id: int) -> str:
    return tg.wait_until(
        lambda: (m := admin.message(status_id)).text.startswith(("已加入", "《")) and m.text, 300, "upload"
    )


@pytest.mark.slow
def test_admin_uploads_a_spreadsheet_and_a_photo_and_villagers_are_answered(
    tg: FakeTelegram, formats_bot: tuple[RunningApplication, Assistant], tmp_path
) -> None:
    _, assistant = formats_bot
    admin = user(tg, ADMIN, "赵管理")
    villager = user(tg, VILLAGER, "张大爷")

    xls = make.excel97_xls(tmp_path, "护理标准.xls", {"供养标准": [
        ["类别", "照料护理标准"], ["全失能人员", "每人每月1200元"], ["半失能人员", "每人每月600元"],
    ]})  # fmt: skip
    admin.send_document(xls.read_bytes(), "护理标准.xls")
    status = admin.wait_for_message()
    assert status.text == texts.BOT_UPLOAD_RECEIVED.format(name="护理标准.xls")
    assert _wait_done(tg, admin, status.message_id).startswith("已加入知识库")
    villager.send("全失能的老人护理标准每月多少钱？")
    assert "1200元" in villager.wait_for_message(timeout=60).text

    buffer = io.BytesIO()
    make.photo_of(make.render_page(NOTICE, font_pt=14, sans=True)).save(buffer, "JPEG", quality=85)
    admin.send_photo(buffer.getvalue())
    status = admin.wait_for_message()
    assert status.text.startswith("已收到《照片") and status.text.endswith(".jpg》，正在加入知识库……")
    assert _wait_done(tg, admin, status.message_id).startswith("已加入知识库")
    assert any(d.source.startswith("照片") and d.source.endswith(".jpg") for d in assistant.kb.documents())
    villager.send("低保公示期是几天？")
    answer = villager.wait_for_message(timeout=60).text
    # Which sentence leads is the answer composer's choice; the source is the photo, marked a scan.
    assert f"《新寨村2024年低保对象公示》{texts.SOURCE_SCANNED}" in answer
    assert "公示期为7天" in assistant.kb.search("低保公示期是几天？", 3).hits[0].chunk.text
    assert tg.errors == [] and tg.bot_errors == []


def test_villager_photo_is_not_taken_as_an_upload(
    tg: FakeTelegram, formats_bot: tuple[RunningApplication, Assistant]
) -> None:
    _, assistant = formats_bot
    villager = user(tg, VILLAGER, "张大爷")
    villager.send_photo()  # a villager's photo starts a help request instead (issue 11)
    assert villager.wait_for_message(timeout=30).text.startswith(texts.BOT_FORM_PHOTO_START)
    assert [d.source for d in assistant.kb.documents()] == ["供水.md"]
