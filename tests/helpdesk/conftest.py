"""Database fixtures for the helpdesk: every test that uses `db_url` runs on SQLite and on PostgreSQL.

PostgreSQL comes from tests/pg_server.py (a temp cluster, or TEST_DATABASE_URL). If it cannot be
started, the PostgreSQL half of the suite fails with the reason; it is never skipped.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.helpdesk import OPERATOR, Helpdesk, KeywordOverlapLookup, PolicyHint, VillageView
from tests.pg_server import PostgresServer, PostgresUnavailable

# A few real policy passages (abridged) for the keyword-overlap lookup used in place of the KB.
PASSAGES = [
    PolicyHint(
        "农村危房改造补助政策",
        "一、补助对象",
        "农村低收入群体等重点对象住房经鉴定为C级、D级危房的，可申请危房改造补助；房屋漏雨、墙体开裂应及时上报村委会。",
        0.0,
    ),
    PolicyHint(
        "城乡居民基本医疗保险和大病保险",
        "二、住院报销",
        "参保人员住院医药费用经基本医保报销后，个人负担超过起付线的部分由大病保险再报销，困难群众还可申请医疗救助。",
        0.0,
    ),
    PolicyHint(
        "农村饮水安全工程管理办法",
        "三、供水保障",
        "农村集中供水工程出现水管破裂、停水或水质浑浊的，由乡镇水管站负责维修，保障群众喝水安全。",
        0.0,
    ),
    PolicyHint(
        "义务教育阶段学生资助政策",
        "一、资助范围",
        "家庭经济困难学生可申请生活补助，防止因贫辍学；控辍保学工作由学校和村两委共同负责。",
        0.0,
    ),
    PolicyHint(
        "就业帮扶与公益性岗位",
        "",
        "脱贫劳动力失业后可登记求职，参加免费技能培训，或申请乡村公益性岗位。",
        0.0,
    ),
]

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Asia/Shanghai

# Chat user ids of the standard cast.
ADMIN = 900
SECRETARY_A = 100  # 第一书记 of 新寨村
MEMBER_A = 101  # 村两委干部 of 新寨村
SECRETARY_B = 200  # 第一书记 of 红旗村
VILLAGER_1 = 500
VILLAGER_2 = 501


class Clock:
    """A controllable wall clock (the helpdesk's time source); moves only when told to."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    reason = ""
    try:
        server = PostgresServer().start()
    except PostgresUnavailable as exc:
        reason = str(exc)
    if reason:  # outside the except block: report the reason alone, and fail (never skip)
        pytest.fail(f"PostgreSQL is required for the helpdesk tests: {reason}", pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def migrated_postgres(pg_server: PostgresServer) -> str:
    """The name of a PostgreSQL database at the schema head, copied by `CREATE DATABASE … TEMPLATE`."""
    name = "hd_template"
    Helpdesk.open(pg_server.create_database(name)).close()  # no connection may stay open on a template
    return name


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database per test (file-backed SQLite, or a new PostgreSQL database).

    Empty for a test that asks for `db_url` itself (it may be testing the migrations); a copy of
    a database the migrations brought to head when the test works through `hd`, which would
    only migrate it again — copying is much cheaper than running Alembic for every test.
    """
    migrated = "hd" in request.fixturenames
    if request.param == "sqlite":
        path = tmp_path / "helpdesk.db"
        if migrated:
            shutil.copyfile(request.getfixturevalue("migrated_sqlite"), path)
        yield f"sqlite:///{path}"
        return
    server: PostgresServer = request.getfixturevalue("pg_server")
    template = request.getfixturevalue("migrated_postgres") if migrated else "template0"
    with server.temporary_database("hd", template=template) as url:
        yield url


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def lookup() -> KeywordOverlapLookup:
    return KeywordOverlapLookup(PASSAGES)


@pytest.fixture
def hd(db_url: str, clock: Clock, lookup: KeywordOverlapLookup) -> Iterator[Helpdesk]:
    helpdesk = Helpdesk.open(db_url, lookup=lookup, clock=clock)
    try:
        yield helpdesk
    finally:
        helpdesk.close()


@dataclass(frozen=True)
class World:
    """Two villages with their cadres, an admin and two villagers."""

    a: VillageView  # 新寨村: 第一书记 100, 村两委干部 101
    b: VillageView  # 红旗村: 第一书记 200


@pytest.fixture
def world(hd: Helpdesk) -> World:
    a = hd.directory.add_village(OPERATOR, "新寨村", "龙场镇", "安顺县")
    b = hd.directory.add_village(OPERATOR, "红旗村", "龙场镇", "安顺县")
    hd.directory.add_person(OPERATOR, ADMIN, "赵管理", "admin")
    # Bind the ordinary member first: routing must still prefer the 第一书记.
    hd.directory.bind_cadre(OPERATOR, MEMBER_A, a.id, "村两委干部", display_name="李委员")
    hd.directory.bind_cadre(OPERATOR, SECRETARY_A, a.id, "第一书记", display_name="王书记")
    hd.directory.bind_cadre(OPERATOR, SECRETARY_B, b.id, "第一书记", display_name="陈书记")
    hd.directory.register_villager(VILLAGER_1, "张大爷")
    hd.directory.register_villager(VILLAGER_2, "刘阿姨")
    return World(a, b)


def table_counts(helpdesk: Helpdesk) -> dict[str, int]:
    """Row counts of every helpdesk table, to prove that refused commands wrote nothing."""
    from sqlalchemy import text

    tables = [
        "villages",
        "people",
        "cadre_bindings",
        "requests",
        "request_events",
        "request_policy_hints",
        "request_counters",
        "invites",
    ]
    with helpdesk.engine.connect() as conn:
        counts = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables}
        counts["counter_total"] = conn.execute(
            text("SELECT coalesce(sum(last_value), 0) FROM request_counters")
        ).scalar_one()
    return counts


def snapshot(helpdesk: Helpdesk, number: str) -> tuple[object, ...]:
    """Everything about one request that a refused command must leave untouched."""
    view = helpdesk.queries.show(OPERATOR, number)
    return (
        view.status,
        view.assignee_name,
        view.updated_at,
        view.due_at,
        view.satisfaction,
        view.follow_up_note,
        view.duplicate_of,
        len(view.events),
    )
