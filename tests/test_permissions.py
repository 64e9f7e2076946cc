"""Files holding personal data are owner-only (issue 12, item 7): the helpdesk and question-log
databases, exported ledgers, backups and the conversation state are created 0600 in 0700 folders,
whatever the process umask — and an install made before this is tightened when it is opened."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.analytics import Analytics
from bot.config import Settings
from bot.helpdesk import OPERATOR, Helpdesk, open_helpdesk
from bot.helpdesk.export import export_ledger
from bot.kb import KnowledgeBase
from bot.ops.backup import create_backup


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    """A typical umask (022): without the fix every file below would be world-readable."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _file_a_request(helpdesk: Helpdesk) -> None:
    village = helpdesk.directory.add_village(OPERATOR, "新寨村", "龙场镇", "安顺县")
    helpdesk.intake.file_request(500, village.id, "房子漏雨，电话13812345678", phone="13812345678")


def test_databases_are_created_owner_only(tmp_path: Path) -> None:
    data = tmp_path / "fresh" / "data"
    with Helpdesk.open(f"sqlite:///{data / 'helpdesk.db'}") as helpdesk:
        _file_a_request(helpdesk)
    log = Analytics.open(f"sqlite:///{data / 'analytics.db'}")
    log.log_question(500, "低保怎么申请？我的电话13812345678", True, 0.9, [])
    log.close()
    assert mode(data) == 0o700 and mode(data.parent) == 0o700
    files = [p for p in data.iterdir() if p.name.startswith(("helpdesk.db", "analytics.db"))]
    assert {p.name for p in files} >= {"helpdesk.db", "analytics.db"}
    assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}


def test_an_existing_world_readable_database_is_tightened(tmp_path: Path) -> None:
    db = tmp_path / "helpdesk.db"
    with Helpdesk.open(f"sqlite:///{db}") as helpdesk:
        _file_a_request(helpdesk)
    os.chmod(db, 0o644)  # as installs before this fix left it
    with Helpdesk.open(f"sqlite:///{db}") as helpdesk:
        assert helpdesk.queries.count_requests() == 1
    assert mode(db) == 0o600


def test_exported_ledgers_are_owner_only(tmp_path: Path) -> None:
    with Helpdesk.open(f"sqlite:///{tmp_path / 'helpdesk.db'}") as helpdesk:
        _file_a_request(helpdesk)
        for fmt in ("csv", "xlsx"):
            out = tmp_path / "exports" / f"ledger.{fmt}"
            assert export_ledger(helpdesk, OPERATOR, out, fmt) == 1
            assert mode(out) == 0o600, fmt


def test_backups_are_owner_only(tmp_path: Path, embedder) -> None:
    source = tmp_path / "kb"
    source.mkdir()
    (source / "低保.txt").write_text("农村低保申请\n申请低保的家庭向乡镇人民政府提出书面申请。\n", "utf-8")
    settings = Settings(data_dir=tmp_path / "data", kb_source=source)
    KnowledgeBase(settings, embedder=embedder).ingest()
    with open_helpdesk(settings) as helpdesk:
        _file_a_request(helpdesk)
    summary = create_backup(settings, tmp_path / "backups" / "b1")
    entries = [summary.path, *summary.path.rglob("*")]
    assert any(p.is_file() for p in entries)
    wrong = {str(p): oct(mode(p)) for p in entries if mode(p) != (0o700 if p.is_dir() else 0o600)}
    assert wrong == {}
