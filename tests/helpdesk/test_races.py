"""Two cadres pressing 接单 on the same card at the same moment: one wins, the other is told.

Before versions, 已派单 → 已派单 was a legal 改派, so both presses "succeeded" and the last one
silently won (30 of 30 races). Each command now names the version the card showed; the loser's
version is stale once the winner has moved the request, and the refusal carries the fresh card.
Threads share one engine; processes each open their own, as separate bot workers would.
"""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor

from bot.helpdesk import OPERATOR, Helpdesk, Stale, Status
from tests.helpdesk.conftest import World
from tests.helpdesk.file_worker import claim_requests
from tests.helpdesk.helpers import file

RUNS = 100
CADRE_X, CADRE_Y = 110, 111


def _unassigned_cards(hd: Helpdesk, world: World, count: int) -> list[tuple[str, int]]:
    """`count` requests nobody holds (退回 to dispatch), with the version their card shows."""
    hd.directory.bind_cadre(OPERATOR, CADRE_X, world.a.id, "驻村工作队员", display_name="队员甲")
    hd.directory.bind_cadre(OPERATOR, CADRE_Y, world.a.id, "网格员", display_name="网格员乙")
    cards = []
    for i in range(count):
        number = file(hd, world.a, f"第{i}户：自来水管冻裂了")
        view = hd.casework.return_to_dispatch(OPERATOR, number, "重新派给就近的干部").request
        assert view.status is Status.RETURNED and view.assignee_name is None
        cards.append((number, view.version))
    return cards


def _check_one_winner(hd: Helpdesk, outcomes: dict[str, list[tuple[int, str]]]) -> None:
    assert len(outcomes) == RUNS
    for number, pair in outcomes.items():
        assert sorted(result for _, result in pair) == ["ok", "stale"], number
        winner = next(who for who, result in pair if result == "ok")
        view = hd.queries.show(OPERATOR, number)
        assert view.status is Status.ASSIGNED
        assert view.assignee_chat_user_id == winner  # the winner's claim stands, not the last press
        assert [e.kind for e in view.events].count("assign") == 2  # auto-route + the one claim


def test_two_cadres_claiming_at_once_from_threads(hd: Helpdesk, world: World) -> None:
    cards = _unassigned_cards(hd, world, RUNS)
    outcomes: dict[str, list[tuple[int, str]]] = {}
    for number, version in cards:
        barrier = threading.Barrier(2)

        def press(chat_id: int, number: str = number, version: int = version, barrier=barrier) -> str:
            barrier.wait(timeout=60)
            try:
                hd.casework.claim(chat_id, number, expected_version=version)
                return "ok"
            except Stale as refused:
                assert "刚被" in refused.message_zh and "处理过" in refused.message_zh
                assert refused.view.status is Status.ASSIGNED  # the fresh card comes with it
                return "stale"

        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(press, (CADRE_X, CADRE_Y)))
        outcomes[number] = list(zip((CADRE_X, CADRE_Y), results, strict=True))
    _check_one_winner(hd, outcomes)


def test_two_cadres_claiming_at_once_from_processes(hd: Helpdesk, world: World, db_url: str) -> None:
    cards = _unassigned_cards(hd, world, RUNS)
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)  # waited on once per card by both processes
    results = ctx.Queue()
    procs = [
        ctx.Process(target=claim_requests, args=(db_url, chat_id, cards, barrier, results))
        for chat_id in (CADRE_X, CADRE_Y)
    ]
    for proc in procs:
        proc.start()
    batches = [results.get(timeout=600) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    outcomes: dict[str, list[tuple[int, str]]] = {}
    for chat_id, pairs in batches:
        for number, result in pairs:
            outcomes.setdefault(number, []).append((chat_id, result))
    _check_one_winner(hd, outcomes)
