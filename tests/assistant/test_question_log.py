"""The question log behind /stats, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from functools import partial
from pathlib import Path

import pytest

from bot.analytics import Analytics, analytics_url, normalize_question
from tests.helpdesk.conftest import pg_server  # noqa: F401  (fixture)
from tests.together import all_at_once


def test_processes_opening_a_new_question_log_together_create_it_once(tmp_path: Path) -> None:
    """The bot and a CLI command may start together on a fresh data dir: one creates the tables,
    the others wait for it on the write lock instead of failing with "table already exists"."""

    def start(url: str) -> int:
        log = Analytics.open(url)
        try:
            return log.question_stats().total
        finally:
            log.close()

    for attempt in range(10):
        url = f"sqlite:///{tmp_path / f'analytics{attempt}.db'}"
        assert all_at_once(partial(start, url), 5) == [0] * 5
        log = Analytics.open(url)
        try:
            with log.engine.connect() as conn:
                assert conn.exec_driver_sql("SELECT count(*) FROM analytics_schema").scalar() == 1
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        finally:
            log.close()


def test_an_in_memory_question_log_is_one_log_for_every_thread() -> None:
    log = Analytics.open("sqlite://")
    try:
        log.log_question(1, "低保怎么申请", False, 0.1, [])
        seen: list[int] = []
        thread = threading.Thread(target=lambda: seen.append(log.question_stats().total))
        thread.start()
        thread.join()
        assert seen == [1]
    finally:
        log.close()


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_question_log_and_stats(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    if backend == "sqlite":
        url = analytics_url(f"sqlite:///{tmp_path / 'helpdesk.db'}")
        assert url.endswith("analytics.db")
    else:
        server = request.getfixturevalue("pg_server")
        name = f"an_{uuid.uuid4().hex[:12]}"
        url = server.create_database(name)
        request.addfinalizer(lambda: server.drop_database(name))
    log = Analytics.open(url)
    Analytics.open(url).close()  # idempotent creation
    try:
        a = log.log_question(1, "低保怎么申请？", False, 0.1, [])
        log.log_question(2, "低保 怎么申请", False, 0.1, [])
        b = log.log_question(
            1, "我的电话13812345678，驻村工作队做什么", True, 0.9, [{"title": "t", "text": "x"}]
        )
        assert log.set_feedback(b, 1, True) and not log.set_feedback(b, 2, False)
        log.set_feedback(a, 1, False)
        stats = log.question_stats()
        assert (stats.total, stats.users, stats.unanswered, stats.useful, stats.not_useful) == (3, 2, 2, 1, 1)
        assert stats.top_unanswered[0][1] == 2 and stats.unanswered_share == pytest.approx(2 / 3)
        assert "13812345678" not in log.get(b).question  # phones are masked before storage
        assert normalize_question("低保 怎么申请？") == normalize_question("低保怎么申请")
    finally:
        log.close()
