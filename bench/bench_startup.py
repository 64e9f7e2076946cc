"""Cold start: `python -m bot ask "…"` wall time and peak memory, and how soon `python -m bot run`
answers its first Telegram message (the fake Bot API server), with the knowledge base present.

    python bench/bench_startup.py --data-dir data            # 5 asks, 3 bot starts
    python bench/bench_startup.py --data-dir /tmp/kb --runs 9 --bot-runs 0

Each `ask` is a fresh process (the operating system's page cache stays warm, as on a server that
has run it before); wall time and peak RSS come from the kernel's accounting of the finished child
(``os.wait4``). Readiness is from starting the bot process to the first answer arriving at the fake
Telegram server, the question sent right after the start (so it waits for model and index load).
The data folder is ingested first if it has no index (not timed). Set MODEL_CACHE to a built model.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._machine import cpu_flags, cpu_model, load_average  # noqa: E402

QUESTION = "低保怎么申请"  # issue 13's question


def env_for(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING"}
    env.update(extra)
    return env


def timed_child(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float, int]:
    """(wall s, CPU s (user + system), peak RSS MB, exit status) of one child process. The CPU
    seconds hold on a shared machine where the wall time does not."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode


def bot_ready(data_dir: Path) -> tuple[float, float]:
    """(seconds from process start to the first answer, bot peak RSS MB so far)."""
    from tests.fake_telegram import FakeTelegram

    with FakeTelegram() as tg:
        user = tg.user(id=10_001, first_name="村民")
        env = env_for(
            data_dir,
            TELEGRAM_BOT_TOKEN=tg.token,
            TELEGRAM_BASE_URL=tg.base_url,
            TELEGRAM_BASE_FILE_URL=tg.base_file_url,
            DATABASE_URL=f"sqlite:///{data_dir / 'bench-startup.db'}",
            ANALYTICS_DATABASE_URL=f"sqlite:///{data_dir / 'bench-startup-analytics.db'}",
            ADMIN_IDS="",
        )
        env.pop("WEBHOOK_URL", None)
        t0 = time.perf_counter()
        bot = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            user.send(QUESTION)
            user.wait_for_message(timeout=300)
            ready = time.perf_counter() - t0
            hwm = 0.0
            for line in Path(f"/proc/{bot.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    hwm = int(line.split()[1]) / 1024
            return ready, hwm
        finally:
            bot.terminate()
            bot.wait(60)


def summary(values: list[float], unit: str) -> str:
    return f"median {statistics.median(values):.2f} {unit} (min {min(values):.2f}, max {max(values):.2f})"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, required=True)
    ap.add_argument("--runs", type=int, default=5, help="cold `ask` processes")
    ap.add_argument("--bot-runs", type=int, default=3, help="bot starts (0 = skip)")
    args = ap.parse_args()
    data_dir = args.data_dir.resolve()
    env = env_for(data_dir)
    if not (data_dir / "index" / "CURRENT").is_file():
        subprocess.run([sys.executable, "-m", "bot", "ingest"], env=env, cwd=ROOT, check=True)
    ask = [sys.executable, "-m", "bot", "ask", QUESTION]
    timed_child(ask, env)  # warm-up: page cache, .pyc files
    walls, cpus, rss = [], [], []
    for _ in range(args.runs):
        wall, cpu, peak, code = timed_child(ask, env)
        if code != 0:
            raise SystemExit(f"ask exited with {code}")
        walls.append(wall)
        cpus.append(cpu)
        rss.append(peak)
    ready, bot_rss = [], []
    for _ in range(args.bot_runs):
        r, m = bot_ready(data_dir)
        ready.append(r)
        bot_rss.append(m)
    print("## Cold start\n")
    print(f"- {cpu_model()} ({cpu_flags()}), {os.cpu_count()} CPUs; {load_average()}")
    print(f"- EMBEDDING_PRECISION={os.environ.get('EMBEDDING_PRECISION', 'auto')}, data folder {data_dir}\n")
    print("| what | result | target |")
    print("|---|---|---|")
    print(f"| `ask` wall, {args.runs} cold processes | {summary(walls, 's')} | ≤ 5 s |")
    print(f"| `ask` CPU (user + system) | {summary(cpus, 's')} | — |")
    print(f"| `ask` peak RSS | {summary(rss, 'MB')} | ≤ 700 MB |")
    if ready:
        print(f"| bot start → first answer, {args.bot_runs} starts | {summary(ready, 's')} | ≤ 10 s |")
        print(f"| bot peak RSS at first answer | {summary(bot_rss, 'MB')} | — |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
