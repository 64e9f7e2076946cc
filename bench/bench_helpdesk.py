"""Helpdesk benchmark: filing throughput and list latency with a large case log.

    python bench/bench_helpdesk.py                  # SQLite, and PostgreSQL if its binaries exist
    python bench/bench_helpdesk.py --rows 100000 --backends sqlite
    TEST_DATABASE_URL=postgresql+psycopg://… python bench/bench_helpdesk.py --backends postgresql

For each database: bulk-insert `--rows` synthetic requests (two events each) plus villages,
cadres and villagers, ANALYZE, then measure through the public `Helpdesk` facade (what the bot
pays): filing (sequential and 4 threads), "open requests of a village" as that village's 第一书记,
an admin list page (20 rows at a random offset within the first 50 pages), `show` of one request,
the overdue digest and a full CSV export. Prints a markdown table with the machine description.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402

from bench._machine import describe, load_average  # noqa: E402
from bot.helpdesk import OPERATOR, Helpdesk, RequestFilter  # noqa: E402
from bot.helpdesk.config import HelpdeskConfig  # noqa: E402
from bot.helpdesk.export import export_ledger  # noqa: E402
from bot.helpdesk.models import HelpRequest, Person, RequestCounter, RequestEvent  # noqa: E402

VILLAGES = 50
VILLAGERS = 5000
ADMIN = 1
CATEGORIES = HelpdeskConfig().categories
TERMINAL = ["closed", "closed", "closed", "closed", "unable", "duplicate"]
RECENT = ["assigned", "assigned", "in_progress", "in_progress", "resolved", "returned", "reopened", "closed"]
TEXTS = [
    "家里房子漏雨，下雨天没法住，想申请危房改造",
    "老人生病住院，医药费报销后还差很多",
    "孩子上学学费交不起，担心辍学",
    "村里水管坏了，喝水要走很远",
    "工厂裁员失业了，想找个工作",
    "想扩大养殖规模，合作社能否帮忙找销路",
    "家里特困，想申请低保",
]


@dataclass
class Result:
    backend: str
    rows: int
    seed_seconds: float = 0.0
    filing_seq: float = 0.0
    filing_par: float = 0.0
    village_list: list[float] = field(default_factory=list)
    admin_page: list[float] = field(default_factory=list)
    show: list[float] = field(default_factory=list)
    digest_seconds: float = 0.0
    digest_cadres: int = 0
    export_seconds: float = 0.0
    export_rows: int = 0
    version: str = ""


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def machine() -> str:
    return f"{describe()}, {load_average()} at report time"


# ----------------------------------------------------------------------------- seeding
def seed(hd: Helpdesk, rows: int, rng: random.Random) -> float:
    """Villages and cadres through the API; people, requests and events bulk-inserted."""
    started = time.perf_counter()
    now = datetime.now(UTC)
    villages = [hd.directory.add_village(OPERATOR, f"村{i:02d}", f"镇{i % 5}", "示范县").id for i in range(VILLAGES)]
    for i, vid in enumerate(villages):
        hd.directory.bind_cadre(OPERATOR, 10_000 + i, vid, "第一书记", display_name=f"书记{i:02d}")
        hd.directory.bind_cadre(OPERATOR, 20_000 + i, vid, "村两委干部", display_name=f"委员{i:02d}")
    hd.directory.add_person(OPERATOR, ADMIN, "管理员", "admin")
    with hd.engine.begin() as conn:
        first_person = (conn.execute(text("SELECT max(id) FROM people")).scalar() or 0) + 1
        conn.execute(
            insert(Person),
            [
                {
                    "id": first_person + i,
                    "chat_user_id": 1_000_000 + i,
                    "display_name": f"村民{i}",
                    "role": "villager",
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(VILLAGERS)
            ],
        )
        cadre_of = dict(conn.execute(text("SELECT village_id, min(person_id) FROM cadre_bindings GROUP BY village_id")).all())
    year = now.year - 1  # last year's log; this year's filings start a fresh counter
    batch = 5000
    for start in range(0, rows, batch):
        req_rows, event_rows = [], []
        for i in range(start, min(rows, start + batch)):
            age = timedelta(days=rng.uniform(0, 365))
            created = now - age
            recent = age < timedelta(days=30)
            status = rng.choice(RECENT if recent else TERMINAL)
            village = villages[i % VILLAGES]
            category = CATEGORIES[i % len(CATEGORIES)]
            assignee = None if status == "returned" else cadre_of[village]
            req_rows.append(
                {
                    "id": i + 1,
                    "number": f"{year}-{i + 1:06d}",
                    "requester_id": first_person + rng.randrange(VILLAGERS),
                    "village_id": village,
                    "address": f"{i % 9 + 1}组{i % 97 + 1}号",
                    "phone": f"13{rng.randrange(10**9):09d}",
                    "category": category,
                    "suggested_category": category,
                    "description": TEXTS[i % len(TEXTS)],
                    "urgency": "normal",
                    "status": status,
                    "assignee_id": assignee,
                    "created_at": created,
                    "updated_at": created,
                    "due_at": created + timedelta(hours=72),
                    "resolved_at": created + timedelta(hours=48) if status in ("resolved", "closed") else None,
                    "closed_at": created + timedelta(hours=60) if status == "closed" else None,
                    "satisfaction": "satisfied" if status == "closed" else None,
                    "follow_up_note": None,
                    "duplicate_of_id": None,
                }
            )
            for k, (kind, old, new) in enumerate([("filed", None, "submitted"), ("assign", "submitted", "assigned")]):
                event_rows.append(
                    {
                        "id": 2 * i + k + 1,
                        "request_id": i + 1,
                        "at": created,
                        "actor_id": None,
                        "actor_label": "系统",
                        "kind": kind,
                        "old_status": old,
                        "new_status": new,
                        "note": None,
                    }
                )
        with hd.engine.begin() as conn:
            conn.execute(insert(HelpRequest), req_rows)
            conn.execute(insert(RequestEvent), event_rows)
    with hd.engine.begin() as conn:
        conn.execute(insert(RequestCounter), [{"year": year, "last_value": rows}])
        if conn.dialect.name == "postgresql":
            for table in ("people", "requests", "request_events"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    with hd.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.exec_driver_sql("ANALYZE")
    return time.perf_counter() - started


# ----------------------------------------------------------------------------- measurements
def timed(fn: Callable[[], object], repeats: int) -> list[float]:
    samples = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return samples


def measure(hd: Helpdesk, result: Result, args: argparse.Namespace, rng: random.Random) -> None:
    villages = [v.id for v in hd.directory.list_villages()]
    secretary = {vid: 10_000 + i for i, vid in enumerate(sorted(villages))}

    # Filing, sequential: one villager after another.
    n = args.filings
    t = time.perf_counter()
    for i in range(n):
        hd.intake.file_request(3_000_000 + i, rng.choice(villages), TEXTS[i % len(TEXTS)], phone="13812345678")
    result.filing_seq = n / (time.perf_counter() - t)

    # Filing, 4 threads at once (the bot serves several chats concurrently).
    barrier = threading.Barrier(4)

    def worker(w: int) -> None:
        local = random.Random(w)
        barrier.wait()
        for i in range(n // 4):
            hd.intake.file_request(4_000_000 + w * n + i, local.choice(villages), TEXTS[i % len(TEXTS)])

    t = time.perf_counter()
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(worker, range(4)))
    result.filing_par = (n // 4 * 4) / (time.perf_counter() - t)

    # Warm-up, then latencies.
    for _ in range(10):
        hd.queries.list_requests(ADMIN, limit=20)
    q = args.queries

    # Time only villages that have open requests (with small --rows some have none; an empty
    # page would measure nothing and used to trip an assertion).
    busy = [
        vid for vid in villages
        if hd.queries.list_requests(secretary[vid], RequestFilter(village=vid, open_only=True), limit=1).items
    ] or villages

    def village_list() -> None:
        vid = rng.choice(busy)
        hd.queries.list_requests(secretary[vid], RequestFilter(village=vid, open_only=True), limit=20)

    def admin_page() -> None:
        hd.queries.list_requests(ADMIN, limit=20, offset=20 * rng.randrange(50))

    numbers = [f"{datetime.now(UTC).year - 1}-{rng.randrange(1, result.rows + 1):06d}" for _ in range(q)]

    result.village_list = timed(village_list, q)
    result.admin_page = timed(admin_page, q)
    it = iter(numbers)
    result.show = timed(lambda: hd.queries.show(ADMIN, next(it)), q)

    t = time.perf_counter()
    result.digest_cadres = len(hd.queries.overdue_digest())
    result.digest_seconds = time.perf_counter() - t

    if not args.skip_export:
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            result.export_rows = export_ledger(hd, OPERATOR, Path(tmp) / "ledger.csv", "csv")
            result.export_seconds = time.perf_counter() - t


# ----------------------------------------------------------------------------- backends
@contextmanager
def sqlite_url() -> Iterator[tuple[str, str]]:
    with tempfile.TemporaryDirectory(prefix="bench-helpdesk-") as tmp:
        yield f"sqlite:///{tmp}/helpdesk.db", f"SQLite {sqlite3.sqlite_version} (WAL)"


@contextmanager
def postgres_url() -> Iterator[tuple[str, str]]:
    from tests.pg_server import PostgresServer

    with PostgresServer() as server:
        url = server.create_database("bench_helpdesk")
        from sqlalchemy import create_engine

        engine = create_engine(url)
        with engine.connect() as conn:
            version = conn.exec_driver_sql("SHOW server_version").scalar()
        engine.dispose()
        try:
            yield url, f"PostgreSQL {version}"
        finally:
            server.drop_database("bench_helpdesk")


def run(backend: str, args: argparse.Namespace) -> Result:
    rng = random.Random(42)
    opener = sqlite_url if backend == "sqlite" else postgres_url
    with opener() as (url, version):
        result = Result(backend, args.rows, version=version)
        hd = Helpdesk.open(url)
        try:
            print(f"[{backend}] seeding {args.rows} requests…", file=sys.stderr, flush=True)
            result.seed_seconds = seed(hd, args.rows, rng)
            print(f"[{backend}] seeded in {result.seed_seconds:.1f} s; measuring…", file=sys.stderr, flush=True)
            measure(hd, result, args, rng)
        finally:
            hd.close()
    return result


def report(results: list[Result], args: argparse.Namespace) -> str:
    lines = [
        f"Machine: {machine()}",
        "",
        f"{args.rows:,} requests bulk-loaded (+{VILLAGES} villages, {2 * VILLAGES} cadres, {VILLAGERS:,} villagers, "
        f"2 events per request); {args.filings} filings per mode; {args.queries} queries per list; "
        "latencies in ms through the `Helpdesk` facade (query + privacy + view building).",
        "",
        "| database | filing, 1 thread (req/s) | filing, 4 threads (req/s) | village open list p50 / p95 | "
        "admin list page p50 / p95 | show p50 / p95 | overdue digest (s) | CSV export (s) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        export = f"{r.export_seconds:.1f} ({r.export_rows:,} rows)" if r.export_rows else "—"
        lines.append(
            f"| {r.version} | {r.filing_seq:.0f} | {r.filing_par:.0f} | "
            f"{percentile(r.village_list, 0.5):.1f} / {percentile(r.village_list, 0.95):.1f} | "
            f"{percentile(r.admin_page, 0.5):.1f} / {percentile(r.admin_page, 0.95):.1f} | "
            f"{percentile(r.show, 0.5):.1f} / {percentile(r.show, 0.95):.1f} | "
            f"{r.digest_seconds:.2f} ({r.digest_cadres} cadres) | {export} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--filings", type=int, default=400)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--backends", default="auto", help="sqlite, postgresql, both or auto (PG if available)")
    parser.add_argument("--skip-export", action="store_true")
    args = parser.parse_args(argv)

    backends = ["sqlite", "postgresql"] if args.backends in ("both", "auto") else args.backends.split(",")
    if args.backends == "auto" and not os.environ.get("TEST_DATABASE_URL"):
        from tests.pg_server import PostgresUnavailable, find_bindir

        try:
            find_bindir()
        except PostgresUnavailable as exc:
            print(f"PostgreSQL skipped: {exc}", file=sys.stderr)
            backends = ["sqlite"]
    results = [run(b, args) for b in backends]
    print(report(results, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
