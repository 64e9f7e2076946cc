"""End-to-end fixtures: the real PTB Application over HTTP against the fake Bot API server, the
real knowledge base (ingested once per session) and a real helpdesk database per test.

Cast (chat user ids): admin 900 (from ADMIN_IDS); 新寨村 第一书记 100 and 村两委干部 101; 红旗村
第一书记 200; villagers 500, 501.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.analytics import Analytics
from bot.assistant import Assistant
from bot.config import Settings
from bot.helpdesk import OPERATOR, Helpdesk, VillageView
from bot.telegram.app import build_application
from tests.fake_telegram import FakeTelegram, FakeUser, RunningApplication, run_application

ADMIN = 900
SECRETARY_A = 100
MEMBER_A = 101
SECRETARY_B = 200
VILLAGER = 500
VILLAGER_2 = 501


@dataclass
class World:
    a: VillageView  # 新寨村
    b: VillageView  # 红旗村


def populate(helpdesk: Helpdesk) -> World:
    a = helpdesk.directory.add_village(OPERATOR, "新寨村", "龙场镇", "安顺县")
    b = helpdesk.directory.add_village(OPERATOR, "红旗村", "龙场镇", "安顺县")
    helpdesk.directory.bind_cadre(OPERATOR, SECRETARY_A, a.id, "第一书记", display_name="王书记")
    helpdesk.directory.bind_cadre(OPERATOR, MEMBER_A, a.id, "村两委干部", display_name="李委员")
    helpdesk.directory.bind_cadre(OPERATOR, SECRETARY_B, b.id, "第一书记", display_name="陈书记")
    return World(a, b)


CAST = {
    ADMIN: "赵管理",
    SECRETARY_A: "王书记",
    MEMBER_A: "李委员",
    SECRETARY_B: "陈书记",
    VILLAGER: "张大爷",
    VILLAGER_2: "刘阿姨",
}


@pytest.fixture
def tg() -> Iterator[FakeTelegram]:
    """The fake Bot API; everyone in the cast has opened a private chat with the bot."""
    with FakeTelegram() as server:
        for uid, name in CAST.items():
            server.user(id=uid, first_name=name)
        yield server


@pytest.fixture
def db_url(tmp_path: Path, migrated_sqlite: Path) -> str:
    """A copy of the migrated template (the bot would only find it at head and move on)."""
    shutil.copyfile(migrated_sqlite, tmp_path / "helpdesk.db")
    return f"sqlite:///{tmp_path / 'helpdesk.db'}"


@pytest.fixture
def bot_settings(tmp_path: Path, tg: FakeTelegram, db_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=db_url,
        telegram_bot_token=tg.token,
        telegram_base_url=tg.base_url,
        telegram_base_file_url=tg.base_file_url,
        admin_ids=[ADMIN],
        user_rate_limit_per_minute=1000,
    )


@pytest.fixture
def helpdesk(bot_settings: Settings, seeded_kb) -> Iterator[Helpdesk]:
    from bot.assistant import policy_lookup
    from bot.helpdesk import open_helpdesk

    hd = open_helpdesk(bot_settings, lookup=policy_lookup(seeded_kb))
    try:
        yield hd
    finally:
        hd.close()


@pytest.fixture
def world(helpdesk: Helpdesk) -> World:
    return populate(helpdesk)


@pytest.fixture
def analytics(tmp_path: Path) -> Iterator[Analytics]:
    log = Analytics.open(f"sqlite:///{tmp_path / 'analytics.db'}")
    try:
        yield log
    finally:
        log.close()


@pytest.fixture
def assistant(bot_settings: Settings, seeded_kb, helpdesk: Helpdesk, analytics: Analytics) -> Assistant:
    return Assistant(bot_settings, seeded_kb, helpdesk, analytics)


@pytest.fixture
def start_bot(tg: FakeTelegram, bot_settings: Settings) -> Iterator[Callable[..., RunningApplication]]:
    """Start (and at the end stop) the bot; call again after stopping to simulate a restart."""
    stack: list = []

    def start(assistant: Assistant, settings: Settings | None = None) -> RunningApplication:
        app = build_application(settings or bot_settings, assistant)
        ctx = run_application(app, tg)
        running = ctx.__enter__()
        stack.append(ctx)
        return running

    yield start
    while stack:
        stack.pop().__exit__(None, None, None)


@pytest.fixture
def bot(start_bot, assistant: Assistant, world: World) -> RunningApplication:
    return start_bot(assistant)


def user(tg: FakeTelegram, uid: int, name: str) -> FakeUser:
    return tg.user(id=uid, first_name=name)
