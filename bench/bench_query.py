"""Query latency at N chunks in one command: retrieval + answer composition, embedding split out.

    python bench/bench_query.py [--size 10000] [--rounds 3] [--data-dir DIR]

Builds (once, into --data-dir) the seed corpus and a synthetic index of --size chunks the way
bench/bench_kb.py does (recombined real sentences, mixed real vectors), then answers the dev and
held-out questions --rounds times. Reported per query, as p50 / p95 over all rounds:
- `total`: wall time of search + compose, the query embedded for real each time;
- `no-embed`: the same with the query vector computed beforehand (what our code costs);
- `cpu`: process CPU time of `no-embed` (all threads), which a machine loaded by other jobs
  inflates far less than wall time — compare runs on a busy machine by this column.
The median of the per-round p95s is printed too, so one slow minute shows as a spread, not a result.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from bench._machine import describe  # noqa: E402
from bench.bench_kb import build_synthetic  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--data-dir", default=str(Path(tempfile.gettempdir()) / "bench-query"))
    parser.add_argument("--model-cache", default=os.environ.get("BENCH_MODEL_CACHE", str(ROOT / "data" / "models")))
    args = parser.parse_args()

    import torch

    from bot.answer import compose
    from bot.config import Settings
    from bot.kb import KnowledgeBase
    from bot.kb.evaluate import load_questions

    work = Path(args.data_dir)
    cache = Path(args.model_cache)
    seed = KnowledgeBase(Settings(data_dir=work / "seed", model_cache=cache))
    if seed.index.current() is None:
        seed.ingest()
    kb = KnowledgeBase(Settings(data_dir=work / f"n{args.size}", model_cache=cache), embedder=seed.embedder)
    snap = kb.retriever.snapshot()
    if snap is None or len(snap.chunks) != args.size:
        build_synthetic(kb, args.size, seed)
    questions = [q["q"] for name in ("dev", "heldout") for q in load_questions(ROOT / "tests" / "data" / f"{name}.jsonl")]

    vectors: dict[str, np.ndarray] = {}
    embed = kb.retriever.embedder.embed_query

    def cached(text: str) -> np.ndarray:
        if text not in vectors:
            vectors[text] = embed(text)
        return vectors[text]

    for q in questions[:5]:
        compose(kb.search(q))  # warm-up: snapshot load, typo table, caches
    total, bare, cpu, p95s = [], [], [], []
    for _ in range(args.rounds):
        round_bare = []
        for q in questions:
            kb.retriever.embedder.embed_query = embed  # type: ignore[method-assign]
            t0 = time.perf_counter()
            compose(kb.search(q))
            total.append((time.perf_counter() - t0) * 1000)
            kb.retriever.embedder.embed_query = cached  # type: ignore[method-assign]
            cached(kb.retriever._query_text(q))
            t0, c0 = time.perf_counter(), time.process_time()
            compose(kb.search(q))
            round_bare.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
        bare += round_bare
        p95s.append(float(np.percentile(round_bare, 95)))
    kb.retriever.embedder.embed_query = embed  # type: ignore[method-assign]

    def pct(values: list[float]) -> str:
        return f"{np.percentile(values, 50):.1f} / {np.percentile(values, 95):.1f}"

    print(f"machine: {describe(torch_version=torch.__version__)}; load average {os.getloadavg()[0]:.1f}")
    print(f"{len(kb.retriever.snapshot().chunks)} chunks, {len(questions)} questions x {args.rounds} rounds")
    print(f"total (embedding included) p50 / p95 ms: {pct(total)}")
    print(f"no-embed wall p50 / p95 ms:             {pct(bare)}  (median of round p95s {statistics.median(p95s):.1f})")
    print(f"no-embed cpu  p50 / p95 ms:             {pct(cpu)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
