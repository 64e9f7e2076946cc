"""Fixtures for the assistant tests: a helpdesk with one village and its first secretary, and an
assistant over the seeded knowledge base and a question log."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.analytics import Analytics
from bot.assistant import Assistant, UserRef
from bot.config import Settings
from bot.helpdesk import OPERATOR, Helpdesk
from tests.helpdesk.conftest import pg_server  # noqa: F401  (fixture)

ADMIN, CADRE, VILLAGER = UserRef(900, "赵管理"), UserRef(100, "王书记"), UserRef(500, "张大爷")


@pytest.fixture
def hd(tmp_path: Path) -> Iterator[Helpdesk]:
    helpdesk = Helpdesk.open(f"sqlite:///{tmp_path / 'hd.db'}")
    a = helpdesk.directory.add_village(OPERATOR, "新寨村")
    helpdesk.directory.bind_cadre(OPERATOR, CADRE.id, a.id, "第一书记", display_name=CADRE.name)
    yield helpdesk
    helpdesk.close()


@pytest.fixture
def assistant(tmp_path: Path, seeded_kb, hd: Helpdesk) -> Assistant:
    settings = Settings(data_dir=tmp_path / "data", admin_ids=[ADMIN.id])
    return Assistant(settings, seeded_kb, hd, Analytics.open(f"sqlite:///{tmp_path / 'a.db'}"))
