"""Admins end to end: /reload with one progress message while questions keep being answered,
document uploads (good, wrong type, too big, corrupt), /docs and removal, invite → /join, /stats,
/export. Uses a small knowledge base of its own, because these tests change the documents."""

from __future__ import annotations

import io
import threading

import openpyxl
import pytest

from bot import texts
from bot.assistant import Assistant
from bot.config import Settings
from bot.helpdesk import Helpdesk
from tests.fake_telegram import FakeTelegram, RunningApplication
from tests.telegram.conftest import ADMIN, SECRETARY_A, VILLAGER, World, user

pytestmark = pytest.mark.timeout(300)

POLICY = """# 村级公益岗位管理办法

## 一、岗位设置

村级公益岗位用于保洁、护路、护林、水管员等公益服务，优先安排有劳动能力的脱贫人口和监测对象。

## 二、管理要求

公益岗位人员由村民委员会统一管理，按月考勤，岗位补贴按实际出勤发放，不得“只领钱不干活”。
"""

WATER = """# 农村供水工程管护办法

村内供水管网出现漏水、停水时，由村级水管员登记并报乡镇水务站维修，维修结果在村务公开栏公布。
"""


class SlowEmbedder:
    """Holds passage embedding (ingest) until released, so a test can ask questions mid-reload."""

    def __init__(self, inner) -> None:
        self._inner = inner
        self.release = threading.Event()
        self.waiting = threading.Event()

    def __getattr__(self, name: str):
        return getattr(self._inner, name)

    def embed_passages(self, texts, **kwargs):
        self.waiting.set()
        assert self.release.wait(120), "test never released the ingest"
        return self._inner.embed_passages(texts, **kwargs)


@pytest.fixture
def small_kb(make_kb):
    kb = make_kb({"公益岗位.md": POLICY})
    kb.ingest()
    return kb


@pytest.fixture
def admin_bot(start_bot, bot_settings: Settings, small_kb, helpdesk: Helpdesk, analytics, world: World):
    assistant = Assistant(bot_settings, small_kb, helpdesk, analytics)
    return start_bot(assistant), assistant


def test_reload_edits_one_progress_message_while_questions_are_answered(
    tg: FakeTelegram, admin_bot: tuple[RunningApplication, Assistant]
) -> None:
    _, assistant = admin_bot
    kb = assistant.kb
    (kb.source_dir / "供水.md").write_text(WATER, encoding="utf-8")
    slow = SlowEmbedder(kb.embedder)
    kb.embedder = slow
    kb.retriever.embedder = slow._inner  # questions use the real model directly
    admin = user(tg, ADMIN, "赵管理")
    villager = user(tg, VILLAGER, "张大爷")

    admin.send_command("/reload")
    status = admin.wait_for_message()
    assert status.text == texts.BOT_RELOAD_STARTED
    assert slow.waiting.wait(60)
    progress = admin.wait_for_edit(status, timeout=30)
    assert progress.text.startswith("正在更新知识库")
    # meanwhile villagers are answered from the old index
    villager.send("公益岗位人员怎么管理？")
    answer = villager.wait_for_message(timeout=60)
    assert answer.text.startswith(texts.ANSWER_HEADER) and "公益岗位" in answer.text
    slow.release.set()
    done = tg.wait_until(
        lambda: (m := admin.message(status.message_id)).text.startswith("知识库已更新") and m,
        120,
        "reload done",
    )
    assert "新增 1" in done.text
    assert len(admin.all_messages()) == 1  # progress and result in the same message
    villager.send("供水管网漏水了找谁维修？")
    assert "供水" in villager.wait_for_message(timeout=60).text
    assert tg.errors == [] and tg.bot_errors == []


def test_uploads_add_documents_and_bad_files_are_refused(
    tg: FakeTelegram, admin_bot: tuple[RunningApplication, Assistant], bot_settings: Settings
) -> None:
    _, assistant = admin_bot
    admin = user(tg, ADMIN, "赵管理")

    admin.send_document(WATER.encode(), "供水管护.md")
    received = admin.wait_for_message()
    assert "正在加入知识库" in received.text
    done = tg.wait_until(
        lambda: (m := admin.message(received.message_id)).text.startswith("已加入") and m, 120, "upload"
    )
    assert "《农村供水工程管护办法》" in done.text
    assert any(d.source == "供水管护.md" for d in assistant.kb.documents())

    admin.send_document(b"MZ\x90\x00binary", "setup.exe")
    assert "不支持这种文件" in admin.wait_for_message().text

    big = b"a" * (bot_settings.max_upload_mb * 1024 * 1024 + 1)
    admin.send_document(big, "huge.txt")
    assert "文件太大" in admin.wait_for_message().text

    admin.send_document(b"%PDF-1.4\n garbage that is not a pdf", "坏文件.pdf")
    status = admin.wait_for_message()
    bad = tg.wait_until(
        lambda: (m := admin.message(status.message_id)).text.startswith("《") and m, 120, "refusal"
    )
    assert "无法读取" in bad.text and "损坏" in bad.text
    assert not (assistant.kb.source_dir / "坏文件.pdf").exists()
    assert "坏文件.pdf" not in {d.source for d in assistant.kb.documents()}
    assert tg.errors == [] and tg.bot_errors == []


def test_docs_list_and_removal(tg: FakeTelegram, admin_bot: tuple[RunningApplication, Assistant]) -> None:
    _, assistant = admin_bot
    (assistant.kb.source_dir / "供水.md").write_text(WATER, encoding="utf-8")
    assistant.kb.ingest()
    admin = user(tg, ADMIN, "赵管理")
    admin.send_command("/docs")
    listing = admin.wait_for_message()
    assert "知识库文档（2 个" in listing.text and "供水.md" in listing.text
    admin.click(listing, "🗑 1")  # 供水.md sorts first
    confirm = admin.wait_for_message()
    assert "确定从知识库删除" in confirm.text and "供水.md" in confirm.text
    admin.click(confirm, texts.BOT_DOCS_CONFIRM_YES)
    removed = admin.wait_for_edit(confirm, timeout=120)
    assert "已从知识库删除" in removed.text
    assert [d.source for d in assistant.kb.documents()] == ["公益岗位.md"]
    # and by command, with a confirmation too
    admin.send_command("/rmdoc", "公益岗位.md")
    confirm = admin.wait_for_message()
    admin.click(confirm, texts.BOT_DOCS_CONFIRM_NO)
    assert admin.wait_for_edit(confirm).text == texts.BOT_DOCS_KEPT
    admin.send_command("/rmdoc", "没有这个.md")
    assert "知识库里没有" in admin.wait_for_message().text


def test_invite_and_join_make_a_cadre(
    tg: FakeTelegram, admin_bot: tuple[RunningApplication, Assistant], helpdesk: Helpdesk
) -> None:
    admin = user(tg, ADMIN, "赵管理")
    admin.send_command("/invite")
    assert "用法" in admin.wait_for_message().text
    admin.send_command("/invite", "驻村工作队员 新寨村")
    (invite,) = admin.wait_for_messages(1)
    code = invite.entity_texts("code")[0].removeprefix("/join ")
    newcomer = tg.user(id=321, first_name="孙队员")
    newcomer.send_command("/tickets")
    assert newcomer.wait_for_message().text == texts.BOT_CADRE_ONLY
    newcomer.send_command("/join", code)
    assert "新寨村的驻村工作队员" in newcomer.wait_for_message().text
    menu = tg.wait_until(lambda: tg.commands(scope={"type": "chat", "chat_id": 321}), 10, "cadre menu")
    assert "tickets" in {c["command"] for c in menu}
    newcomer.send_command("/tickets")
    assert newcomer.wait_for_message().text == texts.BOT_TICKETS_EMPTY
    newcomer.send_command("/duties")
    assert newcomer.wait_for_message().text.startswith("驻村工作队员职责")  # handbooks ship with the bot
    # a code works once
    other = tg.user(id=322, first_name="冒名者")
    other.send_command("/join", code)
    assert "已经被使用过" in other.wait_for_message().text
    # a cadre who is not a dispatcher cannot invite
    newcomer.send_command("/invite", "第一书记 新寨村")
    assert "派单人" in newcomer.wait_for_message().text


def test_villages_stats_and_export(
    tg: FakeTelegram, admin_bot: tuple[RunningApplication, Assistant], helpdesk: Helpdesk, world: World
) -> None:
    admin = user(tg, ADMIN, "赵管理")
    admin.send_command("/addvillage", "青山村 龙场镇 安顺县")
    assert "已登记村庄：安顺县龙场镇青山村" in admin.wait_for_message().text
    admin.send_command("/villages")
    assert "青山村" in admin.wait_for_message().text

    villager = user(tg, VILLAGER, "张大爷")
    for question in [
        "公益岗位人员怎么管理？",
        "养老保险一年交多少",
        "养老保险一年交多少？",
        "今天天气怎么样",
    ]:
        villager.send(question)
        villager.wait_for_message(timeout=60)
    helpdesk.intake.file_request(VILLAGER, world.a.id, "房子漏雨 =cmd|' /C calc'!A0", phone="13812345678")
    helpdesk.intake.file_request(VILLAGER, world.b.id, "孩子上学有困难")

    admin.send_command("/stats")
    stats = admin.wait_for_message()
    assert "提问 4 次" in stats.text and "未能回答 3 次，占 75%" in stats.text
    assert "1. 养老保险一年交多少（2 次）" in stats.text
    assert "已派单：2" in stats.text
    assert "新寨村：共 1 件" in stats.text and "红旗村：共 1 件" in stats.text

    admin.send_command("/export")
    name, content, caption = tg.wait_until(lambda: admin.documents() and admin.documents()[0], 60, "ledger")
    assert "upload_document" in admin.chat_actions
    assert name.endswith(".xlsx") and "共 2 件" in (caption or "")
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "工单编号" and len(rows) == 3
    assert any("=cmd" in str(c) for c in rows[1] + rows[2])  # kept as text, not a formula
    assert tg.errors == [] and tg.bot_errors == []


def test_cadres_cannot_use_admin_commands(tg: FakeTelegram, admin_bot) -> None:
    secretary = user(tg, SECRETARY_A, "王书记")
    for command in ["/reload", "/docs", "/stats", "/export", "/villages"]:
        secretary.send_command(command)
        assert secretary.wait_for_message().text == texts.BOT_ADMIN_ONLY, command
    secretary.send_document(b"# x\n\ny", "x.md")
    assert secretary.wait_for_message().text == texts.BOT_DOCUMENT_NOT_ALLOWED
