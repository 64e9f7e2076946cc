"""Load benchmark: N simulated villagers asking at once through the fake Telegram Bot API.

Everything real except Telegram: the PTB Application polls the fake server over HTTP, questions
go through the Assistant, the hybrid search with the real embedding model, the question log and
back. Each villager sends a question, waits for the answer, then asks the next one; all start
together. Latency is end to end: from the user's message entering the fake server to the bot's
answer arriving there.

    python bench/bench_bot.py                     # 50 villagers x 4 questions, batching on
    python bench/bench_bot.py --write docs/benchmarks-bot.md

Set MODEL_CACHE (or VA_TEST_MODEL_CACHE) to reuse a built model; --data-dir to reuse an index.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from bench._machine import cpu_model  # noqa: E402


def questions() -> list[str]:
    pool: list[str] = []
    for name in ("dev.jsonl", "heldout.jsonl"):
        with open(ROOT / "tests" / "data" / name, encoding="utf-8") as fh:
            pool += [json.loads(line)["q"] for line in fh if line.strip()]
    return pool


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def start_bot(tg, work: Path, args: argparse.Namespace) -> subprocess.Popen:
    """The bot as in production: `python -m bot run` in its own process, pointed at the fake."""
    cache = os.environ.get("MODEL_CACHE") or os.environ.get("VA_TEST_MODEL_CACHE")
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": tg.token,
        "TELEGRAM_BASE_URL": tg.base_url,
        "TELEGRAM_BASE_FILE_URL": tg.base_file_url,
        "DATA_DIR": str(work),
        "DATABASE_URL": f"sqlite:///{work / 'bench-helpdesk.db'}",
        "ANALYTICS_DATABASE_URL": f"sqlite:///{work / 'bench-analytics.db'}",
        "USER_RATE_LIMIT_PER_MINUTE": "1000",
        "TELEGRAM_MESSAGES_PER_SECOND": str(args.messages_per_second),
        "ADMIN_IDS": "",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("WEBHOOK_URL", None)
    if cache:
        env["MODEL_CACHE"] = str(Path(cache) / "models")
    log = open(work / "bench-bot.log", "w")  # noqa: SIM115 (closed with the process)
    return subprocess.Popen([sys.executable, "-m", "bot", "run"], env=env, cwd=ROOT, stdout=log, stderr=log)


def scenario(users, pool: list[str], rounds: int, think: tuple[float, float], seed: int) -> dict:
    """Every villager asks `rounds` questions; all start together; `think` seconds between them."""
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(users))

    def villager(n: int) -> None:
        rng = random.Random(seed + n)
        u = users[n]
        barrier.wait()
        for k in range(rounds):
            if think[1] > 0:  # villagers read and type: arrivals spread out, first one too
                time.sleep(rng.uniform(*think) if k else rng.uniform(0, think[1]))
            q = pool[(n * rounds + k + seed) % len(pool)]
            t0 = time.perf_counter()
            u.send(q)
            try:
                reply = u.wait_for_message(timeout=120)
            except AssertionError as exc:
                with lock:
                    failures.append(f"{n}/{k}: {str(exc)[:200]}")
                continue
            dt = time.perf_counter() - t0
            with lock:
                latencies.append(dt)
                if not reply.text:
                    failures.append(f"{n}/{k}: empty reply")

    start = time.perf_counter()
    threads = [threading.Thread(target=villager, args=(n,)) for n in range(len(users))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    return {
        "asked": len(users) * rounds,
        "answered": len(latencies) - sum(1 for f in failures if "empty" in f),
        "failures": failures,
        "wall_s": wall,
        "throughput_qps": len(latencies) / wall if wall else 0.0,
        "p50_s": statistics.median(latencies) if latencies else float("nan"),
        "p95_s": percentile(latencies, 95) if latencies else float("nan"),
        "p99_s": percentile(latencies, 99) if latencies else float("nan"),
        "max_s": max(latencies) if latencies else float("nan"),
    }


def run(args: argparse.Namespace) -> dict:
    from tests.fake_telegram import FakeTelegram

    work = Path(args.data_dir or tempfile.mkdtemp(prefix="bench-bot-"))
    work.mkdir(parents=True, exist_ok=True)
    pool = questions()
    results: dict = {
        "users": args.users,
        "messages_per_second": args.messages_per_second,
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "load_before": args.load_before,
    }
    with FakeTelegram() as tg:
        users = [tg.user(id=10_000 + n, first_name=f"村民{n}") for n in range(args.users)]
        bot = start_bot(tg, work, args)
        try:
            users[0].send("驻村工作队要做哪些工作")  # warm-up; waits for model load (and ingest)
            users[0].wait_for_message(timeout=900)
            users[0].mark_all_read()
            results["burst"] = {
                "rounds": args.questions,
                "think": "none",
                **scenario(users, pool, args.questions, (0, 0), 1),
            }
            results["steady"] = {
                "rounds": args.questions,
                "think": f"{args.think_min:g}–{args.think_max:g} s",
                **scenario(users, pool, args.questions, (args.think_min, args.think_max), 2),
            }
            results["api_errors"] = len(tg.errors)
        finally:
            bot.terminate()
            bot.wait(60)
    return results


def table(result: dict) -> str:
    head = (
        "| scenario | send limit | villagers × questions | think time | answered | p50 | p95 | p99 | max | throughput |\n"
        "|---|---|---|---|---|---|---|---|---|---|"
    )
    lines = []
    for name in ("burst", "steady"):
        r = result[name]
        lines.append(
            f"| {name} | {result['messages_per_second']}/s | {result['users']} × {r['rounds']} | {r['think']} | {r['answered']}/{r['asked']} "
            f"| {r['p50_s']:.2f} s | {r['p95_s']:.2f} s | {r['p99_s']:.2f} s | {r['max_s']:.2f} s "
            f"| {r['throughput_qps']:.1f} q/s |"
        )
    return "\n".join([head, *lines])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--questions", type=int, default=4, help="questions per villager per scenario")
    parser.add_argument("--think-min", type=float, default=2.0)
    parser.add_argument("--think-max", type=float, default=6.0)
    parser.add_argument(
        "--messages-per-second",
        type=int,
        default=30,
        help="the bot's Telegram send limit (default Telegram's 30)",
    )
    parser.add_argument("--data-dir", help="reuse this data folder (index) between runs")
    parser.add_argument("--json", action="store_true", help="print the raw result as JSON")
    args = parser.parse_args()
    args.load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    result = run(args)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    print(table(result))
    print(
        f"machine: {result['cpu']}, {result['cores']} cores; load average before: {result['load_before']:.2f}"
    )
    ok = (
        all(result[s]["answered"] == result[s]["asked"] for s in ("burst", "steady"))
        and not result["api_errors"]
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
