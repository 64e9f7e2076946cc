"""Admins' documents through the assistant: why an upload was refused, in words an admin understands."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfWriter

from bot import texts
from bot.analytics import Analytics
from bot.assistant import Assistant, UserRef, reason_zh
from bot.config import Settings
from bot.helpdesk import Helpdesk
from bot.kb.types import SkipReason

ADMIN = UserRef(900, "赵管理")


@pytest.fixture
def assistant(tmp_path: Path, make_kb) -> Iterator[Assistant]:
    kb = make_kb({"公益岗位.md": "# 公益岗位\n\n脱贫劳动力可以申请乡村公益性岗位，每月领取岗位补贴。"})
    kb.ingest()
    helpdesk = Helpdesk.open(f"sqlite:///{tmp_path / 'hd.db'}")
    analytics = Analytics.open(f"sqlite:///{tmp_path / 'a.db'}")
    yield Assistant(Settings(data_dir=tmp_path / "data", admin_ids=[ADMIN.id]), kb, helpdesk, analytics)
    helpdesk.close()
    analytics.close()


def encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.encrypt("mima1234")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_an_encrypted_pdf_upload_is_told_it_has_a_password(assistant: Assistant) -> None:
    reply = assistant.admin.add_document(ADMIN, "加密文件.pdf", encrypted_pdf())
    assert reply.text == texts.BOT_UPLOAD_UNREADABLE.format(name="加密文件.pdf", reason="PDF 有密码保护")
    assert "加密文件.pdf" not in {d.source for d in assistant.kb.documents()}


def test_a_reload_explains_each_skipped_file_in_chinese(assistant: Assistant) -> None:
    (assistant.kb.source_dir / "空白.txt").write_text("", encoding="utf-8")
    (assistant.kb.source_dir / "加密.pdf").write_bytes(encrypted_pdf())
    (assistant.kb.source_dir / "坏的.docx").write_bytes(b"not a zip at all")
    reply = assistant.admin.reload(ADMIN)
    lines = set(reply.text.splitlines())
    assert texts.BOT_RELOAD_SKIPPED_LINE.format(source="空白.txt", reason="文件是空的") in lines
    assert texts.BOT_RELOAD_SKIPPED_LINE.format(source="加密.pdf", reason="PDF 有密码保护") in lines
    assert texts.BOT_RELOAD_SKIPPED_LINE.format(source="坏的.docx", reason="文件已损坏或格式不对") in lines


def test_every_skip_reason_is_worded_or_said_to_be_unknown() -> None:
    assert reason_zh(SkipReason.CORRUPT) == "文件已损坏或格式不对"
    assert reason_zh(SkipReason.OTHER) == texts.BOT_REASON_UNKNOWN
    # Every code but the catch-alls has its own wording.
    worded = {code for code in SkipReason if reason_zh(code) != texts.BOT_REASON_UNKNOWN}
    assert worded == set(SkipReason) - {SkipReason.OTHER, SkipReason.UNREADABLE}
