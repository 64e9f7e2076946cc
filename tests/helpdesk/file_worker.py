"""Worker for the concurrency test: files requests from a separate OS process.

Each worker opens the helpdesk (racing the others' start-up migration check), then waits on a
`multiprocessing.Barrier` shared with its siblings, so all of them file at the same moment however
slowly each one started, and puts the numbers it got on a queue.
"""

from __future__ import annotations

from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier

from bot.helpdesk import Helpdesk

BARRIER_TIMEOUT_S = 300  # generous: only a worker that died before the barrier makes this expire


def file_requests(
    url: str, village_id: int, first: int, count: int, barrier: Barrier, results: Queue
) -> None:
    helpdesk = Helpdesk.open(url, pool_size=2)
    try:
        barrier.wait(BARRIER_TIMEOUT_S)
        numbers = []
        for chat_id in range(first, first + count):
            out = helpdesk.intake.file_request(
                chat_id, village_id, f"第{chat_id}号村民：家里房子漏雨", display_name=f"村民{chat_id}"
            )
            numbers.append(out.request.number)
        results.put((first, numbers))
    finally:
        helpdesk.close()


def claim_requests(
    url: str, chat_id: int, numbers: list[tuple[str, int]], barrier: Barrier, results: Queue
) -> None:
    """Press 接单 on each (number, version the card showed) at the same moment as a sibling process.

    One barrier wait per request: both processes press the same card together, round after round.
    """
    from bot.helpdesk import HelpdeskError, Stale

    helpdesk = Helpdesk.open(url, pool_size=2)
    try:
        outcomes = []
        for number, version in numbers:
            barrier.wait(BARRIER_TIMEOUT_S)
            try:
                helpdesk.casework.claim(chat_id, number, expected_version=version)
                outcomes.append((number, "ok"))
            except Stale:
                outcomes.append((number, "stale"))
            except HelpdeskError as exc:  # reported, not raised: the sibling must not wait in vain
                outcomes.append((number, type(exc).__name__))
        results.put((chat_id, outcomes))
    finally:
        helpdesk.close()
