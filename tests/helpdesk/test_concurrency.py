"""Concurrent writers: numbers are unique and gap-free, nothing is lost, history is complete.

Runs on both databases: SQLite serialises writers with BEGIN IMMEDIATE + busy timeout,
PostgreSQL with the counter row lock and SELECT … FOR UPDATE on requests.
"""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import text

from bot.helpdesk import OPERATOR, Conflict, Helpdesk, IllegalTransition, Status
from tests.helpdesk.conftest import SECRETARY_A, World
from tests.helpdesk.file_worker import file_requests

TOTAL = 200


def _assert_complete(hd: Helpdesk, numbers: list[str], first_chat_id: int) -> None:
    year = numbers[0][:4]
    assert len(numbers) == TOTAL
    assert sorted(numbers) == [f"{year}-{i:06d}" for i in range(1, TOTAL + 1)]  # distinct, no gaps
    with hd.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT r.number, p.chat_user_id, count(e.id) AS events, "
                "sum(CASE WHEN e.kind = 'filed' THEN 1 ELSE 0 END) AS filed "
                "FROM requests r JOIN people p ON p.id = r.requester_id "
                "LEFT JOIN request_events e ON e.request_id = r.id GROUP BY r.number, p.chat_user_id"
            )
        ).all()
        counter = conn.execute(text("SELECT last_value FROM request_counters")).scalar_one()
    assert len(rows) == TOTAL  # none lost
    assert {r.chat_user_id for r in rows} == set(range(first_chat_id, first_chat_id + TOTAL))
    assert all(r.events == 2 and r.filed == 1 for r in rows)  # filed + auto-assign, each request
    assert counter == TOTAL
    assert hd.queries.count_requests() == TOTAL


def test_200_concurrent_filings_from_threads(hd: Helpdesk, world: World) -> None:
    barrier = threading.Barrier(16)

    def worker(slot: int) -> list[str]:
        barrier.wait()
        out = []
        for i in range(slot, TOTAL, 16):
            chat_id = 10_000 + i
            filed = hd.intake.file_request(
                chat_id, world.a.id, f"村民{chat_id}：孩子上学学费交不起", display_name=f"村民{chat_id}"
            )
            out.append(filed.request.number)
        return out

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(worker, range(16)))
    numbers = [n for chunk in results for n in chunk]
    _assert_complete(hd, numbers, 10_000)


def test_200_concurrent_filings_from_processes(hd: Helpdesk, world: World, db_url: str) -> None:
    workers, per_worker = 4, TOTAL // 4
    ctx = multiprocessing.get_context("spawn")  # fresh interpreters, as separate bot processes are
    barrier = ctx.Barrier(workers)  # released only when every worker has imported and connected
    results = ctx.Queue()
    procs = [
        ctx.Process(
            target=file_requests,
            args=(db_url, world.a.id, 20_000 + w * per_worker, per_worker, barrier, results),
        )
        for w in range(workers)
    ]
    for proc in procs:
        proc.start()
    batches = [results.get(timeout=600) for _ in procs]  # before join: a full pipe blocks the child
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    numbers = [n for _first, chunk in sorted(batches) for n in chunk]
    _assert_complete(hd, numbers, 20_000)


def test_racing_cadres_start_a_request_exactly_once(hd: Helpdesk, world: World) -> None:
    hd.directory.bind_cadre(OPERATOR, 102, world.a.id, "驻村工作队员", display_name="队员")
    number = hd.intake.file_request(500, world.a.id, "没水喝").request.number
    actors = [SECRETARY_A, 101, 102, OPERATOR] * 2
    barrier = threading.Barrier(len(actors))

    def attempt(actor: object) -> str:
        barrier.wait()
        try:
            hd.casework.start(actor, number)  # type: ignore[arg-type]
            return "ok"
        except IllegalTransition:
            return "refused"

    with ThreadPoolExecutor(max_workers=len(actors)) as pool:
        results = list(pool.map(attempt, actors))
    assert sorted(results) == ["ok"] + ["refused"] * (len(actors) - 1)
    view = hd.queries.show(OPERATOR, number)
    assert view.status is Status.IN_PROGRESS
    assert [e.kind for e in view.events].count("start") == 1


def test_an_invite_code_is_redeemed_once_under_a_race(hd: Helpdesk, world: World) -> None:
    code = hd.directory.create_invite(OPERATOR, "驻村工作队员", world.a.id).code
    barrier = threading.Barrier(8)

    def attempt(chat_id: int) -> str:
        barrier.wait()
        try:
            hd.directory.redeem_invite(code, chat_id, f"队员{chat_id}")
            return "ok"
        except Conflict:
            return "used"

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(attempt, range(700, 708)))
    assert sorted(results) == ["ok"] + ["used"] * 7
    bound = [p for p in hd.directory.list_cadres(OPERATOR, world.a.id) if 700 <= p.chat_user_id < 708]
    assert len(bound) == 1
