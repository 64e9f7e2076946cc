"""Run one callable in several threads released at the same instant, to provoke start-up races."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


def all_at_once(start: Callable[[], T], n: int) -> list[T]:
    """`start()` in `n` threads that wait on one barrier first; their results, in thread order."""
    barrier = threading.Barrier(n)

    def released() -> T:
        barrier.wait()
        return start()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(lambda _: released(), range(n)))
